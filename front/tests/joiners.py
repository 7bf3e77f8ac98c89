"""Helpers of the tests of the pages behind our mails' links: stored leads and bad tokens."""

from __future__ import annotations

from collections.abc import Callable

from leads import links
from leads.store import Lead, LeadStore
from leads.tests.factories import lead

EMAIL = "ann@x.com"


def stored(store: LeadStore, email: str = EMAIL, **fields) -> Lead:
    store.add(lead(email, **fields))
    found = store.get(email)
    assert found is not None
    return found


def _tampered(store: LeadStore, ann: Lead, purpose: str) -> str:
    token = links.token(ann, purpose)
    return token[:10] + ("A" if token[10] != "A" else "B") + token[11:]


def _truncated(store: LeadStore, ann: Lead, purpose: str) -> str:
    return links.token(ann, purpose)[:-5]


def _unsigned(store: LeadStore, ann: Lead, purpose: str) -> str:
    return links.token(ann, purpose).rpartition(":")[0]


def _garbage(store: LeadStore, ann: Lead, purpose: str) -> str:
    return "not-a-token"


def _other_purpose(store: LeadStore, ann: Lead, purpose: str) -> str:
    other = links.UNSUBSCRIBE if purpose != links.UNSUBSCRIBE else links.MANAGE
    return links.token(ann, other)


def _unknown_lead(store: LeadStore, ann: Lead, purpose: str) -> str:
    return links.token(lead("nobody@x.com"), purpose)


def _erased_lead(store: LeadStore, ann: Lead, purpose: str) -> str:
    token = links.token(ann, purpose)
    store.delete(ann.email)
    return token


def _earlier_signup(store: LeadStore, ann: Lead, purpose: str) -> str:
    """A link of a lead that was erased, when the same address signed up again."""
    token = links.token(ann, purpose)
    store.delete(ann.email)
    store.add(lead(ann.email, minutes=30))
    return token


BAD_TOKENS: dict[str, Callable[[LeadStore, Lead, str], str]] = {
    "tampered": _tampered,
    "truncated": _truncated,
    "unsigned": _unsigned,
    "garbage": _garbage,
    "other-purpose": _other_purpose,
    "unknown-lead": _unknown_lead,
    "erased-lead": _erased_lead,
    "earlier-signup": _earlier_signup,
}
