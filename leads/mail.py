"""The mails we send to the people who join: what they say and how they are built.

build(kind, to=..., context=..., unsubscribe_url=...) renders three templates of the app,
overridable the Django way (a template of the same name earlier in the search path wins):

    leads/mail/<kind>_subject.txt   one line (line breaks are folded into spaces)
    leads/mail/<kind>.txt           the plain-text part
    leads/mail/<kind>.html          a simple HTML part (autoescaped)

into an EmailMultiAlternatives from DEFAULT_FROM_EMAIL, with MAIL_FROM_NAME (or SITE_NAME) as
the display name when the setting has none. leads/mailer.py sends it. Kinds and their context:

    confirm   confirm_url (the mail's first link), expires_days
    welcome   name, place (their place in the line, when known), manage_url
    already   manage_url ("you are already on the list"; sent when a known address signs up)
    invite    name, code (shown as "Invitation code: CODE" on a line of its own), expires_days,
              invite_url

Every kind also gets site_name, site_url and, when given, unsubscribe_url and manage_url. The
confirm and already mails never greet by name: whoever typed the address may not own it, and
a mail must not carry a stranger's words into someone's inbox before they confirm.

With an unsubscribe_url the mail carries `List-Unsubscribe: <URL>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): mail providers POST
`List-Unsubscribe=One-Click` to the URL, without cookies, when the reader clicks "unsubscribe".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.utils import formataddr, parseaddr
from typing import cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string

from leads.text import escape_untyped

KINDS = ("confirm", "welcome", "already", "invite")
_KIND = re.compile(r"[a-z][a-z_]*")
_URL = re.compile(r"https?://[^\s<>]+")


def build(
    kind: str,
    *,
    to: str,
    context: Mapping[str, object] | None = None,
    unsubscribe_url: str = "",
) -> EmailMultiAlternatives:
    """The `kind` mail to `to`, rendered with `context` (see the module's docstring)."""
    if not _KIND.fullmatch(kind):
        raise ValueError(f"not a kind of mail: {kind!r}")
    if unsubscribe_url and not _URL.fullmatch(unsubscribe_url):
        raise ValueError(f"not an unsubscribe URL: {unsubscribe_url!r}")
    values: dict[str, object] = {"site_name": site_name(), "site_url": settings.SITE_URL}
    # Stored values may hold line breaks or bidi controls: shown as escapes, one line each.
    values |= {
        k: escape_untyped(v) if isinstance(v, str) else v for k, v in (context or {}).items()
    }
    values["unsubscribe_url"] = unsubscribe_url
    subject = " ".join(_render_text(f"leads/mail/{kind}_subject.txt", values).split())
    headers = {}
    if unsubscribe_url:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = EmailMultiAlternatives(
        subject=subject,
        body=_render_text(f"leads/mail/{kind}.txt", values),
        from_email=from_address(),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"leads/mail/{kind}.html", values), "text/html")
    return message


def site_name() -> str:
    return str(settings.SITE_NAME)


def from_address() -> str:
    """DEFAULT_FROM_EMAIL, with MAIL_FROM_NAME (or SITE_NAME) as its name if it has none."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = name or str(settings.MAIL_FROM_NAME or site_name())
    return formataddr((name, address))


def _render_text(name: str, values: Mapping[str, object]) -> str:
    """A plain-text template, rendered without HTML escaping (no &amp; in a URL or a name)."""
    engine = cast(DjangoTemplates, engines["django"]).engine
    text = engine.get_template(name).render(Context(dict(values), autoescape=False))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
