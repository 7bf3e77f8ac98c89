"""The SQL backend of the store port: a lead is a row; its counters move in its transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from leads import models, referrals
from leads.store.base import (
    PAGE_SIZE,
    InvalidCursor,
    LeadStore,
    StoreUnavailable,
    decode_cursor,
    encode_cursor,
)
from leads.store.records import (
    CONFIRMED,
    INVITE,
    INVITED,
    JOINED,
    MAILS,
    OWNER_INVITED,
    OWNER_JOINED,
    PENDING,
    WELCOME,
    Consent,
    DayCount,
    DomainCount,
    Due,
    Lead,
    LinePage,
    Page,
    Placed,
    RebuildReport,
    Withheld,
)
from leads.store.sql import counters, rows, search
from leads.store.sql import line as sqlline
from leads.store.sql.counters import summed

_INSERT_LEAD = """
INSERT INTO leads_lead (email, name, preview, domain, created_at, stage, referred_by, asks, due)
VALUES (%s, %s, %s, %s, %s, %s, %s, 1, TRUE)
ON CONFLICT (email) DO NOTHING
"""
# A known address: the same transaction records an ask instead (the worker answers it).
_ASK = "UPDATE leads_lead SET asks = asks + 1, due = TRUE WHERE email = %s"
_LEGACY_ASKS = "UPDATE leads_lead SET stage = %s WHERE email = %s AND stage IS NULL"


class SqlLeadStore(LeadStore):
    # --- writes -------------------------------------------------------------------------------
    def add(self, lead: Lead) -> bool:
        # Plain SQL on the hot path: the ORM's create() costs more than the writes themselves,
        # and ON CONFLICT DO NOTHING tells a duplicate without an exception or a savepoint.
        created_at = connection.ops.adapt_datetimefield_value(lead.created_at)
        ref = lead.referred_by
        params = (lead.email, lead.name, lead.preview, lead.domain, created_at, PENDING, ref)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_INSERT_LEAD, params)
                if cursor.rowcount == 1:
                    counters.move(None, lead)
                    return True
                cursor.execute(_ASK, [lead.email])
                cursor.execute(_LEGACY_ASKS, [PENDING, lead.email])
                if cursor.rowcount == 1:  # stored before confirmation existed: pending now
                    row = models.LeadRow.objects.get(email=lead.email)
                    now = rows.lead(row)
                    counters.move(Lead(**{**now.__dict__, "stage": None}), now)
        except DatabaseError as e:
            raise StoreUnavailable(str(e)) from e
        return False

    def ask(self, email: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(_ASK, [email])
            return cursor.rowcount == 1

    def _change(self, email: str, change: Callable[[models.LeadRow], bool]) -> Lead | None:
        """Apply `change` to the locked row (it says whether it changed anything), with the
        counters moved in the same transaction; the lead afterwards, or None."""
        try:
            with transaction.atomic():
                row = models.LeadRow.objects.select_for_update().filter(email=email).first()
                if row is None:
                    return None
                old = rows.lead(row)
                if change(row):
                    row.rank = rows.lead(row).rank
                    row.save()
                    new = rows.lead(row)
                    counters.move(old, new)
                    sqlline.move(old, new)
                    if old.stage == PENDING and new.stage == CONFIRMED:
                        sqlline.credit(new, at=new.confirmed_at or timezone.now())
                return rows.lead(row)
        except DatabaseError as e:
            raise StoreUnavailable(str(e)) from e

    def confirm(self, email: str, *, consent: Consent, at: datetime) -> Lead | None:
        def change(row: models.LeadRow) -> bool:
            if row.stage != PENDING:
                return False
            row.stage, row.confirmed_at, row.unsubscribed_at = CONFIRMED, at, None
            row.seq = row.score = sqlline.next_seq()
            row.ref_code = row.ref_code or sqlline.new_ref_code()
            rows.set_consent(row, consent)
            row.notify_due = True
            rows.set_queued(row, rows.queued(row) | {WELCOME})
            return True

        return self._change(email, change)

    def unsubscribe(self, email: str, *, at: datetime) -> Lead | None:
        def change(row: models.LeadRow) -> bool:
            if row.unsubscribed_at is not None:
                return False
            row.unsubscribed_at = at
            row.answered = row.asks  # nothing more is answered, no queued mail is sent
            rows.set_queued(row, rows.queued(row) - set(MAILS))  # the owner's messages stay
            return True

        return self._change(email, change)

    def set_preview(self, email: str, preview: bool) -> Lead | None:
        def change(row: models.LeadRow) -> bool:
            changed = row.preview != preview
            row.preview = preview
            return changed

        return self._change(email, change)

    def delete(self, email: str) -> bool:
        with transaction.atomic():
            row = models.LeadRow.objects.filter(email=email).first()
            if row is None:
                return False
            # The delete's row count, not the read above, decides: two concurrent erasures of
            # the same lead must lower the counters once.
            deleted, _ = models.LeadRow.objects.filter(pk=row.pk).delete()
            if deleted:
                counters.move(rows.lead(row), None)
                sqlline.move(rows.lead(row), None)
                sqlline.forget(email)
        return bool(deleted)

    # --- the line -----------------------------------------------------------------------------
    def invite(self, email: str, *, at: datetime) -> Lead | None:
        def change(row: models.LeadRow) -> bool:
            if not rows.lead(row).waiting or row.unsubscribed_at is not None:
                return False
            row.stage, row.invited_at, row.invite_revoked = INVITED, at, False
            rows.set_queued(row, rows.queued(row) | {INVITE, OWNER_INVITED})
            return True

        return self._change(email, change)

    def revoke_invite(self, email: str) -> bool:
        revoked = models.LeadRow.objects.filter(email=email, stage=INVITED, invite_revoked=False)
        return revoked.update(invite_revoked=True) == 1

    def join(self, email: str, *, at: datetime) -> bool:
        joined = False

        def change(row: models.LeadRow) -> bool:
            nonlocal joined
            if row.stage != INVITED or row.invite_revoked:
                return False
            row.stage, row.joined_at, joined = JOINED, at, True
            rows.set_queued(row, rows.queued(row) | {OWNER_JOINED})
            return True

        self._change(email, change)
        return joined

    def place(self, email: str) -> int | None:
        found = self.get(email)
        rank = found.rank if found else None
        return None if rank is None else 1 + sqlline.ahead(rank)

    def line(self, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> LinePage:
        waiting = models.LeadRow.objects.filter(stage=CONFIRMED, rank__isnull=False)
        if cursor:
            position = decode_cursor(cursor)
            if not isinstance(position.get("r"), int):
                raise InvalidCursor(cursor)
            waiting = waiting.filter(rank__gt=position["r"])
        found = [rows.lead(row) for row in waiting.order_by("rank")[: limit + 1]]
        page, more = found[:limit], len(found) > limit
        first = 1 + sqlline.ahead(page[0].rank) if page and page[0].rank is not None else 1
        items = [Placed(first + i, lead) for i, lead in enumerate(page)]
        next_cursor = encode_cursor({"r": page[-1].rank}) if more else None
        return LinePage(items=items, next=next_cursor)

    def referrer(self, code: str) -> Lead | None:
        code = referrals.clean_code(code)
        row = models.LeadRow.objects.filter(ref_code=code).first() if code else None
        return rows.lead(row) if row else None

    def top_referrers(self, limit: int = 20) -> list[Lead]:
        found = models.LeadRow.objects.filter(credits__gt=0).order_by("-credits", "email")
        return [rows.lead(row) for row in found[:limit]]

    def withheld(self, limit: int = 50) -> list[Withheld]:
        return sqlline.withheld(limit)

    # --- the outbox ---------------------------------------------------------------------------
    def outbox(
        self, limit: int = 100, *, notify_only: bool = False, before: datetime | None = None
    ) -> list[Due]:
        found = models.LeadRow.objects.filter(due=True).order_by("created_at")
        if notify_only:
            found = found.filter(Q(notify_due=True) | Q(queued__contains="owner:"))
        if before is not None:
            found = found.filter(created_at__lt=before)
        return [rows.due(row) for row in found[:limit]]

    def mark_notified(self, email: str) -> None:
        self.mark_all_notified([email])

    def mark_all_notified(self, emails: list[str]) -> None:
        models.LeadRow.objects.filter(email__in=emails, notify_due=True).update(
            notify_due=False,
            notified_at=timezone.now(),
            due=Q(asks__gt=F("answered")) | ~Q(queued=""),
        )

    def mark_answered(self, due: Due, *, mailed: bool, today: str) -> bool:
        count = due.mailed_on(today) + 1 if mailed else due.mailed_on(today)
        updated = models.LeadRow.objects.filter(email=due.lead.email, answered=due.answered).update(
            answered=due.asks,
            mail_day=today if mailed else F("mail_day"),
            mail_count=count if mailed else F("mail_count"),
            due=Q(notify_due=True) | Q(asks__gt=due.asks) | ~Q(queued=""),
        )
        return updated == 1

    def mark_mailed(self, email: str, kind: str) -> None:
        with transaction.atomic():
            row = models.LeadRow.objects.select_for_update().filter(email=email).first()
            if row is not None and kind in rows.queued(row):
                rows.set_queued(row, rows.queued(row) - {kind})
                row.save(update_fields=["queued", "due"])

    # --- reads --------------------------------------------------------------------------------
    def get(self, email: str) -> Lead | None:
        row = models.LeadRow.objects.filter(email=email).first()
        return rows.lead(row) if row else None

    def search(
        self,
        *,
        domain: str | None = None,
        preview: bool | None = None,
        cursor: str | None = None,
        limit: int = PAGE_SIZE,
    ) -> Page:
        return search.search(domain=domain, preview=preview, cursor=cursor, limit=limit)

    def domain_counts(self) -> list[DomainCount]:
        return [DomainCount(domain=r.pop("key"), **r) for r in summed("domain")]

    def daily_counts(self) -> list[DayCount]:
        return [
            DayCount(day=date.fromisoformat(r.pop("key")), **r)
            for r in summed("day")
            if r.pop("preview_yes") is not None
        ]

    def total(self) -> int:
        found = summed("total")
        return found[0]["total"] if found else 0

    def ping(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as e:
            raise StoreUnavailable(str(e)) from e

    def setup(self) -> list[str]:
        # The SQL tables are Django models: creating them is what migrations are for.
        call_command("migrate", "leads", verbosity=0)
        tables = f"{models.LeadRow._meta.db_table}, {models.Counter._meta.db_table}"
        return [f"SQL tables {tables}: migrated"]

    def rebuild_counts(self) -> RebuildReport:
        with transaction.atomic():
            sqlline.rebuild()
            return counters.rebuild()
