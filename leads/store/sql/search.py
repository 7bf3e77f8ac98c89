"""Search pages on SQL: newest first, ties by email, keyset pagination on (created_at, email)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q

from leads import models
from leads.store.cursors import decode_cursor, encode_cursor
from leads.store.errors import InvalidCursor
from leads.store.records import Page
from leads.store.sql import rows


def search(
    *,
    domain: str | None = None,
    preview: bool | None = None,
    cursor: str | None = None,
    limit: int,
) -> Page:
    found_rows = models.LeadRow.objects.order_by("-created_at", "-email")
    if domain is not None:
        found_rows = found_rows.filter(domain=domain)
    if preview is not None:
        found_rows = found_rows.filter(preview=preview)
    if cursor:
        created_at, email = _position(cursor)
        found_rows = found_rows.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, email__lt=email)
        )
    found = [rows.lead(row) for row in found_rows[: limit + 1]]
    if len(found) <= limit:
        return Page(items=found, next=None)
    last = found[limit - 1]
    position = {"t": last.created_at.isoformat(), "e": last.email}
    return Page(items=found[:limit], next=encode_cursor(position))


def _position(cursor: str) -> tuple[datetime, str]:
    position = decode_cursor(cursor)
    try:
        created_at = datetime.fromisoformat(position["t"])
        email = position["e"]
        # Both must survive the trip to the database: a time in range once in UTC (0001-01-01
        # at +14:00 is not), and text that encodes (a lone surrogate does not).
        if created_at.tzinfo is None or not isinstance(email, str):
            raise ValueError
        created_at = created_at.astimezone(UTC)
        email.encode()
    except (KeyError, TypeError, ValueError, OverflowError):
        raise InvalidCursor(cursor) from None
    return created_at, email
