"""Tells the owner about new signups: the one module that knows SNS.

With NEW_SIGNUP_TOPIC set, each new lead is one SNS message (or a digest of many, see
leads/worker.py); without it, a log line. Only the worker calls it, never a request.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from datetime import datetime
from functools import cache
from urllib.parse import urlencode

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from leads.store import Lead, preview_word
from leads.text import escape_untyped

logger = logging.getLogger(__name__)

DIGEST_DOMAINS = 20  # the busiest domains a digest names


class NotifyError(Exception):
    pass


@cache
def _sns():
    # Short timeouts and few retries: a slow SNS must not hold the worker's other work; what
    # fails stays pending and is sent on a later round.
    config = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2})
    # A session of its own: boto3's shared default session is not thread-safe.
    return boto3.session.Session().client("sns", region_name=settings.AWS_REGION, config=config)


def message_for(lead: Lead) -> tuple[str, str]:
    """The subject and the body, one field a line.

    Stored values may hold anything (the lab's table, or a lead written before the form
    refused line separators), so each is written on one line with its line breaks and other
    untyped characters escaped: no value can start a line that reads as another field. Escapes
    rather than removal, so the owner sees that the name held something odd.
    """
    name, email = escape_untyped(lead.name), escape_untyped(lead.email)
    subject = f"New signup: {email}"[:100]
    search = f"{settings.SITE_URL}{reverse('search')}?{urlencode({'domain': lead.domain})}"
    body = "\n".join(
        [
            f"A new lead joined the waitlist of {escape_untyped(settings.MAIL_FROM_NAME)}.",
            "",
            f"Name: {name}",
            f"Email: {email}",
            f"Preview access: {preview_word(lead.preview)}",
            f"Signed up: {lead.created_at.isoformat()}",
            "",
            f"Staff search: {search}",
        ]
    )
    return subject, body


def digest_message(count: int, *, since: datetime, domains: Counter[str]) -> tuple[str, str]:
    minutes = max(1, math.ceil((timezone.now() - since).total_seconds() / 60))
    span = "minute" if minutes == 1 else f"{minutes} minutes"
    subject = f"{count} new signups in the last {span}"
    lines = [f"{subject} ({escape_untyped(settings.MAIL_FROM_NAME)}).", "", "By domain:"]
    lines += [f"  {domain}: {n}" for domain, n in domains.most_common(DIGEST_DOMAINS)]
    if len(domains) > DIGEST_DOMAINS:
        lines.append(f"  ... and {len(domains) - DIGEST_DOMAINS} more domains")
    lines += ["", f"Staff search: {settings.SITE_URL}{reverse('search')}"]
    return subject, "\n".join(lines)


EVENT_SUBJECTS = {"owner:invited": "Invited", "owner:joined": "Joined"}


def event_message(kind: str, emails: list[str]) -> tuple[str, str]:
    """One message for leads invited (or joined) since the last: one by name, many by count."""
    word = EVENT_SUBJECTS[kind]
    names = [escape_untyped(email) for email in emails]
    subject = f"{word}: {names[0]}" if len(names) == 1 else f"{word}: {len(names)} leads"
    lines = [f"{subject} ({escape_untyped(settings.MAIL_FROM_NAME)}).", ""]
    lines += [f"  {name}" for name in names[: DIGEST_DOMAINS * 5]]
    if len(names) > DIGEST_DOMAINS * 5:
        lines.append(f"  ... and {len(names) - DIGEST_DOMAINS * 5} more")
    return subject[:100], "\n".join(lines)


def event(kind: str, emails: list[str]) -> None:
    """Tell the owner who was invited, or joined; raises NotifyError like new_signup."""
    _publish(*event_message(kind, emails))


def new_signup(lead: Lead) -> None:
    """Tell the owner about `lead`; raises NotifyError if SNS does not take the message."""
    _publish(*message_for(lead))


def digest(count: int, *, since: datetime, domains: Counter[str]) -> None:
    """Tell the owner about `count` signups at once; raises NotifyError like new_signup."""
    _publish(*digest_message(count, since=since, domains=domains))


def _publish(subject: str, body: str) -> None:
    if not settings.NEW_SIGNUP_TOPIC:
        logger.info("%s\n%s", subject, body)
        return
    try:
        _sns().publish(TopicArn=settings.NEW_SIGNUP_TOPIC, Subject=subject, Message=body)
    except (BotoCoreError, ClientError) as e:
        raise NotifyError(str(e)) from e
