"""The SQL store's counters: moved in the transaction of the change, summed over shards when read.

One statement moves (up or down) a lead's domain, day and grand counters. The upsert syntax is
the same in SQLite (3.24+) and PostgreSQL, and it never reads before it writes, so concurrent
signups cannot lose an increment. A row stays locked until its transaction commits (on
PostgreSQL that is the WAL flush): one grand-total row would make every signup wait for the one
before. Each change writes one of COUNTER_SHARDS rows of each counter, chosen at random, and
reads sum them; the rows of one change are taken in one order, so no deadlock.
"""

from __future__ import annotations

import random
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from leads import models
from leads.store.records import (
    CONFIRMED,
    FIGURES,
    INVITED,
    JOINED,
    PENDING,
    UNSUBSCRIBED,
    Lead,
    RebuildReport,
    tally_change,
)

COUNTER_SHARDS = 8
_COLUMNS = ", ".join(FIGURES)
_ROW = "(%s, %s, %s, " + ", ".join(["%s"] * len(FIGURES)) + ")"
_BUMP = f"""
INSERT INTO leads_counter (kind, key, shard, {_COLUMNS})
VALUES {_ROW}, {_ROW}, {_ROW}
ON CONFLICT (kind, key, shard) DO UPDATE SET
{", ".join(f"{name} = leads_counter.{name} + excluded.{name}" for name in FIGURES)}
"""  # noqa: S608 - built from constants only

# A status as the rows say it (leads.store.records.Lead.status), for the recount.
_MAILING = Q(unsubscribed_at__isnull=True)
STATUS_ROWS = {
    PENDING: Q(stage=PENDING) & _MAILING,
    CONFIRMED: Q(stage=CONFIRMED) & _MAILING,
    UNSUBSCRIBED: Q(stage__in=[PENDING, CONFIRMED], unsubscribed_at__isnull=False),
    INVITED: Q(stage=INVITED),
    JOINED: Q(stage=JOINED),
}


def move(old: Lead | None, new: Lead | None) -> None:
    """Move the counters of the lead that changed from `old` to `new` (either None)."""
    lead = new or old
    moved = tally_change(old, new)
    if lead is None or not moved:
        return
    figures = [moved.get(name, 0) for name in FIGURES]
    day_figures = [
        0 if name == "preview_yes" else n for name, n in zip(FIGURES, figures, strict=True)
    ]
    shard = random.randrange(COUNTER_SHARDS)  # noqa: S311 (spreading writes, not a secret)
    params: list[str | int] = ["domain", lead.domain, shard, *figures]
    params += ["day", lead.day, shard, *day_figures]
    params += ["total", "all", shard, *day_figures]
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, params)


def summed(kind: str) -> list[dict[str, Any]]:
    """The counters of `kind` with their shards added up, the non-zero ones, by key."""
    rows = (
        models.Counter.objects.filter(kind=kind)
        .values("key")
        .annotate(**{name: Sum(name) for name in FIGURES})
        .filter(total__gt=0)
        .order_by("key")
    )
    return list(rows)


def rebuild() -> RebuildReport:
    # One transaction: readers see the old counters or the new ones, never a half-built set.
    # Signups and erasures wait until it is done instead of racing the recount: SQLite's
    # transactions (IMMEDIATE) already take the one write lock; PostgreSQL needs asking.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE leads_lead IN SHARE MODE")
        statuses = {name: Count("pk", filter=q) for name, q in STATUS_ROWS.items()}
        leads = models.LeadRow.objects
        by_domain = leads.values("domain").annotate(
            total=Count("pk"), preview_yes=Count("pk", filter=Q(preview=True)), **statuses
        )
        by_day = (
            leads.annotate(day=TruncDate("created_at", tzinfo=UTC))
            .values("day")
            .annotate(total=Count("pk"), **statuses)
        )
        everything = leads.aggregate(total=Count("pk"), **statuses)
        wanted: dict[tuple[str, str], dict[str, int]] = {}
        for row in by_domain:
            wanted["domain", row.pop("domain")] = row
        for row in by_day:
            wanted["day", row.pop("day").isoformat()] = row
        if everything["total"]:
            wanted["total", "all"] = everything
        counted = {(kind, r["key"]) for kind in ("domain", "day", "total") for r in summed(kind)}
        cleared = len(counted - set(wanted))
        models.Counter.objects.all().delete()
        models.Counter.objects.bulk_create(
            models.Counter(kind=kind, key=key, **figures) for (kind, key), figures in wanted.items()
        )
    return RebuildReport(leads=everything["total"], counters=len(wanted), cleared=cleared)
