"""Leads in Django's database: SQLite by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from leads import models
from leads.store.base import (
    DayCount,
    DomainCount,
    InvalidCursor,
    Lead,
    LeadStore,
    Page,
    RebuildReport,
    StoreUnavailable,
    decode_cursor,
    encode_cursor,
)

# One statement bumps (or lowers) the domain, day and total counters. The upsert syntax is
# the same in SQLite (3.24+) and PostgreSQL, and it never reads before it writes, so
# concurrent signups cannot lose an increment. A row stays locked until its transaction
# commits (on PostgreSQL that is the WAL flush): one total row would make every signup wait for
# the one before. Each signup writes one of COUNTER_SHARDS rows of each counter, chosen at
# random, and reads sum them; the rows of one signup are taken in one order, so no deadlock.
COUNTER_SHARDS = 8
_BUMP_COUNTERS = """
INSERT INTO leads_counter (kind, key, shard, total, preview_yes)
VALUES ('domain', %s, %s, %s, %s), ('day', %s, %s, %s, 0), ('total', 'all', %s, %s, 0)
ON CONFLICT (kind, key, shard) DO UPDATE SET
    total = leads_counter.total + excluded.total,
    preview_yes = leads_counter.preview_yes + excluded.preview_yes
"""


_INSERT_LEAD = """
INSERT INTO leads_lead (email, name, preview, domain, created_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (email) DO NOTHING
"""


def _lead(row: models.LeadRow) -> Lead:
    return Lead(name=row.name, email=row.email, preview=row.preview, created_at=row.created_at)


def _bump_counters(lead: Lead, step: int) -> None:
    preview_step = step if lead.preview else 0
    shard = random.randrange(COUNTER_SHARDS)  # noqa: S311 (spreading writes, not a secret)
    params = (lead.domain, shard, step, preview_step, lead.day, shard, step, shard, step)
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_COUNTERS, params)


def _summed(kind: str) -> list[dict[str, Any]]:
    """The counters of `kind` with their shards added up, the non-zero ones, by key."""
    rows = (
        models.Counter.objects.filter(kind=kind)
        .values("key")
        .annotate(count=Sum("total"), yes=Sum("preview_yes"))
        .filter(count__gt=0)
        .order_by("key")
    )
    return list(rows)


class SqlLeadStore(LeadStore):
    def add(self, lead: Lead) -> bool:
        # Plain SQL on the hot path: the ORM's create() costs more than the writes themselves,
        # and ON CONFLICT DO NOTHING tells a duplicate without an exception or a savepoint.
        created_at = connection.ops.adapt_datetimefield_value(lead.created_at)
        params = (lead.email, lead.name, lead.preview, lead.domain, created_at)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_INSERT_LEAD, params)
                if cursor.rowcount != 1:
                    return False
                _bump_counters(lead, +1)
        except DatabaseError as e:
            raise StoreUnavailable(str(e)) from e
        return True

    def get(self, email: str) -> Lead | None:
        row = models.LeadRow.objects.filter(email=email).first()
        return _lead(row) if row else None

    def delete(self, email: str) -> bool:
        with transaction.atomic():
            row = models.LeadRow.objects.filter(email=email).first()
            if row is None:
                return False
            # The delete's row count, not the read above, decides: two concurrent erasures of
            # the same lead must lower the counters once.
            deleted, _ = models.LeadRow.objects.filter(pk=row.pk).delete()
            if deleted:
                _bump_counters(_lead(row), -1)
        return bool(deleted)

    def search(
        self,
        *,
        domain: str | None = None,
        preview: bool | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        rows = models.LeadRow.objects.order_by("-created_at", "-email")
        if domain is not None:
            rows = rows.filter(domain=domain)
        if preview is not None:
            rows = rows.filter(preview=preview)
        if cursor:
            created_at, email = self._position(cursor)
            rows = rows.filter(
                Q(created_at__lt=created_at) | Q(created_at=created_at, email__lt=email)
            )
        found = [_lead(row) for row in rows[: limit + 1]]
        if len(found) <= limit:
            return Page(items=found, next=None)
        last = found[limit - 1]
        position = {"t": last.created_at.isoformat(), "e": last.email}
        return Page(items=found[:limit], next=encode_cursor(position))

    @staticmethod
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

    def domain_counts(self) -> list[DomainCount]:
        return [DomainCount(r["key"], r["count"], r["yes"]) for r in _summed("domain")]

    def daily_counts(self) -> list[DayCount]:
        return [DayCount(date.fromisoformat(r["key"]), r["count"]) for r in _summed("day")]

    def total(self) -> int:
        rows = _summed("total")
        return rows[0]["count"] if rows else 0

    def pending(self, limit: int = 100, *, before: datetime | None = None) -> list[Lead]:
        rows = models.LeadRow.objects.filter(notified_at__isnull=True).order_by("created_at")
        if before is not None:
            rows = rows.filter(created_at__lt=before)
        return [_lead(row) for row in rows[:limit]]

    def mark_notified(self, email: str) -> None:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE leads_lead SET notified_at = %s WHERE email = %s AND notified_at IS NULL",
                [now, email],
            )

    def mark_all_notified(self, emails: list[str]) -> None:
        now = timezone.now()
        models.LeadRow.objects.filter(email__in=emails, notified_at__isnull=True).update(
            notified_at=now
        )

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
        # One transaction: readers see the old counters or the new ones, never a half-built set.
        # Signups and erasures wait until it is done instead of racing the recount: SQLite's
        # transactions (IMMEDIATE) already take the one write lock; PostgreSQL needs asking.
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("LOCK TABLE leads_lead IN SHARE MODE")
            leads = models.LeadRow.objects.count()
            by_domain = models.LeadRow.objects.values("domain").annotate(
                total=Count("pk"), preview_yes=Count("pk", filter=Q(preview=True))
            )
            by_day = (
                models.LeadRow.objects.annotate(day=TruncDate("created_at", tzinfo=UTC))
                .values("day")
                .annotate(total=Count("pk"))
            )
            wanted = {
                ("domain", row["domain"]): (row["total"], row["preview_yes"]) for row in by_domain
            }
            wanted |= {("day", row["day"].isoformat()): (row["total"], 0) for row in by_day}
            if leads:
                wanted[("total", "all")] = (leads, 0)
            counted = {
                (kind, r["key"]) for kind in ("domain", "day", "total") for r in _summed(kind)
            }
            cleared = len(counted - set(wanted))
            models.Counter.objects.all().delete()
            models.Counter.objects.bulk_create(
                models.Counter(kind=kind, key=key, total=total, preview_yes=yes)
                for (kind, key), (total, yes) in wanted.items()
            )
        return RebuildReport(leads=leads, counters=len(wanted), cleared=cleared)
