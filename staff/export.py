"""Leads as CSV lines, made one at a time: an export of any size runs in constant memory."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from leads.store import Lead

# New columns go at the end: spreadsheets and scripts that read the older export by position
# keep working.
HEADER = ["name", "email", "preview", "created_at", "status", "confirmed_at"]

# A spreadsheet treats a cell that starts with one of these as a formula (or as the start of
# one, after a tab or carriage return); a leading single quote makes it plain text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _Line:
    """A write-only file for csv.writer: hands back the line instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(leads: Iterable[Lead]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    for lead in leads:
        row = [
            lead.name,
            lead.email,
            "Yes" if lead.preview else "No",
            utc_iso(lead.created_at),
            lead.status,
            utc_iso(lead.confirmed_at) if lead.confirmed_at else "",
        ]
        yield writer.writerow([neutralise(cell) for cell in row])


def filename(domain: str | None, preview: bool | None) -> str:
    parts = ["leads", re.sub(r"[^a-z0-9.-]", "", domain or "") or "all"]
    if preview is not None:
        parts.append("preview-yes" if preview else "preview-no")
    return "-".join(parts) + ".csv"
