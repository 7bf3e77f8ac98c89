"""The leads store port: the one place that knows where leads live.

Backends subclass `LeadStore`; the docstrings below are the contract that
`leads/tests/test_store.py` checks on every backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from leads.store.cursors import decode_cursor, encode_cursor
from leads.store.errors import InvalidCursor, StoreError, StoreUnavailable
from leads.store.records import (
    AdoptionReport,
    Consent,
    DayCount,
    DomainCount,
    Due,
    Lead,
    LinePage,
    Page,
    RebuildReport,
    Withheld,
)

__all__ = [
    "AdoptionReport",
    "DayCount",
    "DomainCount",
    "Due",
    "InvalidCursor",
    "Lead",
    "Page",
    "RebuildReport",
    "StoreError",
    "StoreUnavailable",
    "decode_cursor",
    "encode_cursor",
]

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


class LeadStore:
    max_page_size = MAX_PAGE_SIZE

    def add(self, lead: Lead) -> bool:
        """Store `lead` unless its email is known; True if it was new. Either way, record an ask
        (see `Due`): the worker answers it with the confirmation, or "already on the list".

        New or known, it is the same single write (nobody learns from the time it takes which
        addresses are stored). A known lead's name, answer and signup time are never
        overwritten; a legacy lead submitted again becomes pending (and is asked to confirm).
        A new lead is counted: its domain's, its day's and the grand counter move by
        `tallies(lead)` in the same transaction, or (DynamoDB) once `settle()` has run. A
        retried write that had gone through still answers True. Raises StoreUnavailable when
        the backing service does not answer; then nothing is written.
        """
        raise NotImplementedError

    def ask(self, email: str) -> bool:
        """Record an ask for the stored lead (someone asked for the mail again); False if none."""
        raise NotImplementedError

    def confirm(self, email: str, *, consent: Consent, at: datetime) -> Lead | None:
        """Confirm a pending lead: its stage becomes confirmed, with `at` and `consent`, mail is
        on again if it had stopped it, and the welcome mail and the owner's notification are
        queued, all in one write with its counters (SQL) or before the next `settle()`.

        Returns the lead as stored afterwards: a lead that was not pending comes back unchanged
        (confirming twice is fine). None if no lead has this email.
        """
        raise NotImplementedError

    def unsubscribe(self, email: str, *, at: datetime) -> Lead | None:
        """Stop all mail to the lead (it keeps its place): what is queued for it is dropped.
        Returns the lead as stored afterwards (unchanged if already stopped), or None."""
        raise NotImplementedError

    def set_preview(self, email: str, preview: bool) -> Lead | None:
        """Change the lead's preview answer, its domain's preview_yes with it; the lead or None."""
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

    # --- the line (issue 14) ---------------------------------------------------------------------
    def place(self, email: str) -> int | None:
        """1 + the number of waiting leads ahead of this one; None when it is not waiting. Reads
        the line's 16 tree nodes (leads/store/line.py), never the line; exact once `settle()` ran.
        """
        raise NotImplementedError

    def line(self, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> LinePage:
        """One page of the waiting leads in line order, each with its place."""
        raise NotImplementedError

    def referrer(self, code: str) -> Lead | None:
        """The lead whose referral code this is (any stage), or None."""
        raise NotImplementedError

    def top_referrers(self, limit: int = 20) -> list[Lead]:
        """The leads with the most credited referrals, most first (ties by email)."""
        raise NotImplementedError

    def withheld(self, limit: int = 50) -> list[Withheld]:
        """The referrals that earned no credit, newest first, with the reason (staff only)."""
        raise NotImplementedError

    def invite(self, email: str, *, at: datetime) -> Lead | None:
        """Let a waiting lead in: it becomes invited (out of the line) and its invitation mail
        and the owner's message are queued, in one write. The lead afterwards (unchanged when
        it was not waiting), or None."""
        raise NotImplementedError

    def revoke_invite(self, email: str) -> bool:
        """Revoke an invited lead's code; True if there was one to revoke."""
        raise NotImplementedError

    def join(self, email: str, *, at: datetime) -> bool:
        """An invited lead (code not revoked) redeemed its code: it becomes joined, once only:
        of two at once, one is True. Queues the owner's message."""
        raise NotImplementedError

    def outbox(
        self, limit: int = 100, *, notify_only: bool = False, before: datetime | None = None
    ) -> list[Due]:
        """Up to `limit` leads with something due (see `Due`), oldest signup first; with
        `notify_only`, only those with a message to the owner due (the notification, or a
        queued OWNER_INVITED / OWNER_JOINED); with `before`, only
        leads that signed up before then. A backend whose index is partitioned may return the
        oldest of each partition rather than the oldest overall: the rest come next. An index
        may lag a moment behind the marks below: a caller skips what it handled already.

        Found through an index, never by reading every lead.
        """
        raise NotImplementedError

    def pending(self, limit: int = 100, *, before: datetime | None = None) -> list[Lead]:
        """Leads of `outbox(limit, notify_only=True, before=before)` with the notification due."""
        return [d.lead for d in self.outbox(limit, notify_only=True, before=before) if d.notify]

    def mark_notified(self, email: str) -> None:
        """Record that the owner's notification for `email` went out."""
        raise NotImplementedError

    def mark_all_notified(self, emails: list[str]) -> None:
        """mark_notified for each of `emails` (after a digest named them all)."""
        for email in emails:
            self.mark_notified(email)

    def mark_answered(self, due: Due, *, mailed: bool, today: str) -> bool:
        """Record that `due.asks` are answered, and (`mailed`) that a mail went out on the UTC
        day `today`. Written only if nobody answered them meanwhile (False then): the mail
        count of a day cannot lose a mail to a race. Later asks stay unanswered."""
        raise NotImplementedError

    def mark_mailed(self, email: str, kind: str) -> None:
        """Record that the queued `kind` of mail (WELCOME, INVITE) went out, or was dropped."""
        raise NotImplementedError

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
