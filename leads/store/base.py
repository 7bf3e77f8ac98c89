"""The leads store port: the one place that knows where leads live.

Backends subclass `LeadStore`; the docstrings below are the contract that
`leads/tests/test_store.py` checks on every backend.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from leads.text import has_untyped

# A list page's size unless the caller asks for another, and the most a caller may ask for.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# The preview answer as the lab's form sent it and its table stores it.
PREVIEW_WORDS = ("Yes", "No")


def preview_word(preview: bool) -> str:
    return "Yes" if preview else "No"


def preview_answer(word: str | None) -> bool | None:
    """True for "Yes", False for "No", None for anything else (no answer, or any)."""
    return {"Yes": True, "No": False}.get(word or "")


class StoreError(Exception):
    """Base class of the store's own errors."""


class StoreUnavailable(StoreError):
    """The backing service did not answer (after retries). Callers answer 503."""


class InvalidCursor(StoreError):
    """A cursor that this store did not hand out."""


@dataclass(frozen=True)
class Lead:
    name: str
    email: str  # normalised: lower-cased, domain in its ASCII (IDNA) form
    preview: bool
    created_at: datetime  # timezone-aware, UTC

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    @property
    def day(self) -> str:
        return self.created_at.date().isoformat()


@dataclass(frozen=True)
class Page:
    items: list[Lead]
    next: str | None  # an opaque cursor for the following page, None on the last one


@dataclass(frozen=True)
class DomainCount:
    domain: str
    total: int
    preview_yes: int


@dataclass(frozen=True)
class DayCount:
    day: date
    total: int


@dataclass(frozen=True)
class RebuildReport:
    leads: int  # leads read and counted
    counters: int  # non-zero counters written
    cleared: int  # counters that no lead backs any more, set to zero
    skipped: int = 0  # stored items that are not leads (no usable email) and were left alone
    busy: int = 0  # counters that signups moved while the rebuild read: left as they were
    unadopted: int = 0  # leads the lab wrote that nobody adopted yet: not counted


@dataclass(frozen=True)
class AdoptionReport:
    adopted: int  # the lab's leads given what search and counts need, and counted
    merged: int  # the lab's copies of leads who signed up again through us, removed
    skipped: int  # stored items that are not leads (no usable email), left alone


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


class LeadStore:
    max_page_size = MAX_PAGE_SIZE

    def add(self, lead: Lead) -> bool:
        """Store `lead` unless its email is known; True if it was new.

        A new lead is marked pending notification in the same write, and counted: its domain's
        counters (total, and preview_yes when `lead.preview`), its day's counter and the grand
        total move in the same transaction, or (DynamoDB) once `settle()` has run. A known
        email changes nothing: the stored lead is never overwritten. A retried write that had
        gone through still answers True. Raises StoreUnavailable when the backing service does
        not answer; then nothing is written.
        """
        raise NotImplementedError

    def get(self, email: str) -> Lead | None:
        """The lead stored under the normalised `email`, or None."""
        raise NotImplementedError

    def delete(self, email: str) -> bool:
        """Erase the lead stored under `email`; True if there was one.

        Every counter that `add` bumped for it goes down by one, as `add` counts.
        Deleting an unknown email changes nothing and returns False.
        """
        raise NotImplementedError

    def search(
        self,
        *,
        domain: str | None = None,
        preview: bool | None = None,
        cursor: str | None = None,
        limit: int = PAGE_SIZE,
    ) -> Page:
        """One page of leads, newest first (ties broken by email, descending).

        `domain` matches the email's domain exactly (x.com never matches notx.com or x.com.au).
        `preview` filters on the preview answer. `cursor` is the `next` of the previous page;
        a cursor this store did not hand out raises InvalidCursor. `limit` is 1..max_page_size.
        A page may hold fewer than `limit` leads and still have a `next`; following `next`
        until it is None yields every matching lead exactly once. Reads at most one page of
        leads from the backing service (DynamoDB reads one lead at least from each of a day's
        four index partitions: a page of fewer than four reads four).
        """
        raise NotImplementedError

    def domain_counts(self) -> list[DomainCount]:
        """Leads per domain with the preview split, from the counters only, sorted by domain.

        Domains whose count went down to zero are left out.
        """
        raise NotImplementedError

    def daily_counts(self) -> list[DayCount]:
        """Signups per UTC day, from the counters only, oldest first; days at zero left out."""
        raise NotImplementedError

    def total(self) -> int:
        """How many leads are stored, from the counters only."""
        raise NotImplementedError

    def settle(self) -> None:
        """Bring the counters up to date with every write made so far.

        Where counting is transactional (SQL) they always are, and this returns at once. The
        DynamoDB backend counts from its table's stream, off the signup's path: the worker
        calls this every second, and a rebuild or a test calls it to read exact figures.
        """

    def counts_as_of(self) -> datetime | None:
        """When the counters last held every write; None when they always do (transactional)."""
        return None

    def pending(self, limit: int = 100, *, before: datetime | None = None) -> list[Lead]:
        """Up to `limit` leads whose notification was not yet sent, oldest first; with `before`,
        only leads that signed up before then. A backend whose index is partitioned may return
        the oldest of each partition rather than the oldest overall: the rest come next.

        Found through an index, never by reading every lead.
        """
        raise NotImplementedError

    def mark_notified(self, email: str) -> None:
        """Record that the new-signup notification for `email` went out."""
        raise NotImplementedError

    def mark_all_notified(self, emails: list[str]) -> None:
        """mark_notified for each of `emails` (after a digest named them all)."""
        for email in emails:
            self.mark_notified(email)

    def ping(self) -> None:
        """Return if the backing service answers; raise StoreUnavailable otherwise."""
        raise NotImplementedError

    def setup(self) -> list[str]:
        """Create whatever the store needs that is missing and wait until it is usable.

        Safe to rerun: what exists is left as it is. Returns one line per thing created or found.
        """
        raise NotImplementedError

    def rebuild_counts(self) -> RebuildReport:
        """Recount every counter from the leads themselves, reading them page by page.

        Afterwards domain_counts(), daily_counts() and total() match the stored leads exactly
        (leads the lab wrote count once adopted, see `adopt_lab_leads`; until then they are
        reported in `unadopted`). Safe to rerun, and to run while signups arrive: none of them
        is lost or counted twice (a backend either holds them off until it is done, or leaves
        a counter they moved as it was and reports it in `busy`, for a later run to recount).
        """
        raise NotImplementedError

    def adopt_lab_leads(self) -> AdoptionReport:
        """Give every lead the lab's code wrote what search and counts need, and count it.

        Each lead is adopted in one transaction with its counters, under its lower-case email;
        the lab's copy of someone who signed up again through us is removed instead. Safe to
        rerun and to run while signups arrive. A backend the lab never wrote has nothing to do.
        """
        return AdoptionReport(adopted=0, merged=0, skipped=0)

    def iter_leads(
        self, *, domain: str | None = None, preview: bool | None = None
    ) -> Iterator[Lead]:
        """Every matching lead, newest first, read one page at a time (for the CSV export)."""
        cursor = None
        while True:
            page = self.search(
                domain=domain, preview=preview, cursor=cursor, limit=self.max_page_size
            )
            yield from page.items
            if page.next is None:
                return
            cursor = page.next
