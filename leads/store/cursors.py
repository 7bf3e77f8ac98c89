"""Opaque cursors: a position in a listing, as URL-safe text that the store alone reads back."""

from __future__ import annotations

import base64
import json

from leads.store.errors import InvalidCursor
from leads.text import has_untyped


def encode_cursor(position: dict) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
        printable = _printable(position)
    except (ValueError, RecursionError):  # RecursionError: deeply nested JSON such as [[[[...
        raise InvalidCursor(cursor) from None
    if not isinstance(position, dict) or not printable:
        raise InvalidCursor(cursor)
    return position


def _printable(value: object) -> bool:
    """No control character anywhere (NUL first: PostgreSQL text cannot hold it, and the
    database's refusal read as an outage), nor a line separator: the cursors we hand out hold
    times, days and emails, which never do; a cursor holding one was made by someone else."""
    if isinstance(value, str):
        return not has_untyped(value)
    if isinstance(value, dict):
        return all(_printable(key) and _printable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_printable(item) for item in value)
    return True
