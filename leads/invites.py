"""Letting people in: invitations in line order, and their codes.

A code is an HMAC (Django's salted_hmac, with SECRET_KEY) of the lead's email and the moment of
its invitation: bound to the email, never stored, and shown once, in the invitation mail. The
product being waited for checks it through POST /api/invites/redeem; a code works once
(the lead becomes joined), until INVITE_DAYS after the invitation, and not once staff revoked
it. A new SECRET_KEY voids the codes not yet redeemed (invite those people again).
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.crypto import salted_hmac

from leads.store import INVITED, JOINED, Lead, Placed, get_store

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_SALT = "waitlist.invites.code"


class Redeemed(enum.Enum):
    OK = 200
    USED = 409
    GONE = 410  # expired or revoked
    NO_MATCH = 404


def code_for(lead: Lead) -> str:
    """The lead's invitation code, XXXX-XXXX-XXXX; "" for a lead never invited."""
    if lead.invited_at is None:
        return ""
    digest = salted_hmac(_SALT, f"{lead.email}|{lead.invited_at.isoformat()}").digest()
    letters = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:12])
    return "-".join(letters[i : i + 4] for i in range(0, 12, 4))


def expires_at(lead: Lead) -> datetime | None:
    if lead.invited_at is None:
        return None
    return lead.invited_at + timedelta(days=settings.INVITE_DAYS)


def _normal(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def redeem(email: str, code: str, *, at: datetime) -> Redeemed:
    """Check a code the product was given with an email, and let that lead join if it is good."""
    store = get_store()
    lead = store.get(email)
    expected = code_for(lead) if lead is not None else ""
    if not expected or not hmac.compare_digest(_normal(expected), _normal(code)):
        return Redeemed.NO_MATCH
    if lead is None or lead.status == JOINED:
        return Redeemed.USED
    expiry = expires_at(lead)
    if lead.status != INVITED or lead.invite_revoked or (expiry is not None and at >= expiry):
        return Redeemed.GONE
    # Two redemptions at once: the store lets one join; the other finds it used.
    return Redeemed.OK if store.join(email, at=at) else Redeemed.USED


def next_in_line(
    count: int, *, domain: str | None = None, preview: bool | None = None
) -> list[Placed]:
    """The first `count` waiting leads (of `domain`, or who asked for preview access) that an
    invitation can reach: a lead who stopped all mail keeps its place but is passed over."""
    found: list[Placed] = []
    for placed in _line():
        lead = placed.lead
        if len(found) >= count:
            break
        if lead.mail_stopped or (domain and lead.domain != domain):
            continue
        if preview is not None and lead.preview != preview:
            continue
        found.append(placed)
    return found


def invite_next(
    count: int, *, at: datetime, domain: str | None = None, preview: bool | None = None
) -> list[Lead]:
    """Invite the first `count` of next_in_line; the leads invited (in line order)."""
    store = get_store()
    invited = []
    for placed in next_in_line(count, domain=domain, preview=preview):
        lead = store.invite(placed.lead.email, at=at)
        if lead is not None and lead.status == INVITED and lead.invited_at == at:
            invited.append(lead)
    return invited


def _line() -> Iterator[Placed]:
    store = get_store()
    cursor = None
    while True:
        page = store.line(cursor=cursor, limit=store.max_page_size)
        yield from page.items
        if page.next is None:
            return
        cursor = page.next
