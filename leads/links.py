"""The signed links we give joiners: to confirm, to manage their data, to unsubscribe.

Each is Django's signing (HMAC with SECRET_KEY, a salt per purpose, a timestamp for expiry) of
the lead's email and signup time: a link outlives neither its age limit nor its lead (after an
erasure, a new signup under the same address does not inherit the old links). The unsubscribe
link has a purpose of its own because mail providers see it (List-Unsubscribe): it can stop
mail and do nothing else. The resend token on the "check your inbox" page has no time in it:
the page must be the same for an address that is stored and one that is not.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from leads.store import Lead, LeadStore

CONFIRM, MANAGE, UNSUBSCRIBE = "confirm", "manage", "unsubscribe"
_ROUTES = {CONFIRM: "confirm", MANAGE: "manage", UNSUBSCRIBE: "unsubscribe"}


class BadLink(Exception):
    """Tampered, truncated, for another purpose, or its lead is gone."""


class ExpiredLink(BadLink):
    """Genuine but too old; `email` is the address it was made for."""

    def __init__(self, email: str, stamp: str = "") -> None:
        super().__init__(email)
        self.email = email
        self.stamp = stamp


def max_age(purpose: str) -> timedelta:
    days = settings.CONFIRM_LINK_DAYS if purpose == CONFIRM else settings.MANAGE_LINK_DAYS
    return timedelta(days=days)


def _salt(purpose: str) -> str:
    return f"waitlist.links.{purpose}"


def _stamp(lead: Lead) -> str:
    return lead.created_at.isoformat(timespec="microseconds")


def token(lead: Lead, purpose: str) -> str:
    return signing.dumps({"e": lead.email, "t": _stamp(lead)}, salt=_salt(purpose), compress=True)


def url(lead: Lead, purpose: str) -> str:
    """The absolute link (for a mail) of `purpose` for `lead`."""
    return settings.SITE_URL + reverse(_ROUTES[purpose], args=[token(lead, purpose)])


def read(value: str, purpose: str) -> tuple[str, str]:
    """(email, signup time) of a token; raises ExpiredLink or BadLink."""
    salt = _salt(purpose)
    try:
        payload = signing.loads(value, salt=salt, max_age=max_age(purpose))
    except signing.SignatureExpired:
        payload = signing.loads(value, salt=salt)  # genuine: only its age failed
        if _valid(payload):
            raise ExpiredLink(payload["e"], payload["t"]) from None
        raise BadLink(value) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise BadLink(value) from None
    if not _valid(payload):
        raise BadLink(value)
    return payload["e"], payload["t"]


def lead_for(value: str, purpose: str, store: LeadStore) -> Lead:
    """The stored lead a token was made for; raises ExpiredLink, or BadLink (also when that
    lead was erased since, expired or not)."""
    try:
        email, stamp = read(value, purpose)
    except ExpiredLink as expired:
        # Only a lead still stored is offered a new link: an erased one's old mail is dead.
        if not _same(store.get(expired.email), expired.stamp):
            raise BadLink(value) from None
        raise
    lead = store.get(email)
    if lead is None or not _same(lead, stamp):
        raise BadLink(value)
    return lead


def _same(lead: Lead | None, stamp: str) -> bool:
    return lead is not None and _stamp(lead) == stamp


def _valid(payload: object) -> bool:
    return (
        isinstance(payload, dict)
        and isinstance(payload.get("e"), str)
        and isinstance(payload.get("t"), str)
    )


_RESEND_SALT = "waitlist.links.resend"


def resend_token(email: str) -> str:
    """The same for the same address every time: see the module's docstring."""
    return signing.Signer(salt=_RESEND_SALT).sign_object(email, compress=True)


def resend_email(value: str) -> str:
    """The address a resend token was made for; raises BadLink."""
    try:
        email = signing.Signer(salt=_RESEND_SALT).unsign_object(value)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise BadLink(value) from None
    if not isinstance(email, str):
        raise BadLink(value)
    return email
