"""Tells the owner about new signups: the one module that knows SNS.

With NEW_SIGNUP_TOPIC set, each new lead is one SNS message; without it, a log line.
"""

from __future__ import annotations

import logging
from functools import cache
from urllib.parse import urlencode

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.urls import reverse

from leads.store import Lead, preview_word
from leads.text import escape_untyped

logger = logging.getLogger(__name__)


class NotifyError(Exception):
    pass


@cache
def _sns():
    # Short timeouts and few retries: the publish runs inside a signup request, and a slow
    # SNS must not hold the visitor; what fails is sent later by `sendpending`.
    config = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2})
    return boto3.client("sns", region_name=settings.AWS_REGION, config=config)


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
            "A new lead joined the waitlist.",
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


def new_signup(lead: Lead) -> None:
    """Tell the owner about `lead`; raises NotifyError if SNS does not take the message."""
    subject, body = message_for(lead)
    if not settings.NEW_SIGNUP_TOPIC:
        logger.info("%s\n%s", subject, body)
        return
    try:
        _sns().publish(TopicArn=settings.NEW_SIGNUP_TOPIC, Subject=subject, Message=body)
    except (BotoCoreError, ClientError) as e:
        raise NotifyError(str(e)) from e
