"""The line on SQL: its tree's counts in leads_linenode, confirmation numbers, referral credits.

Everything here runs inside the transaction of the change that calls it (leads/store/sql/store),
so the line, the credits and the lead always agree.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Q

from leads import models, referrals
from leads.store import line
from leads.store.records import Lead, Withheld
from leads.store.sql import rows

_MOVE = """
INSERT INTO leads_linenode (node, digit, n) VALUES {values}
ON CONFLICT (node, digit) DO UPDATE SET n = leads_linenode.n + excluded.n
"""
_NEXT = """
INSERT INTO leads_sequence (name, value) VALUES (%s, 1)
ON CONFLICT (name) DO UPDATE SET value = leads_sequence.value + 1
RETURNING value
"""


def move(old: Lead | None, new: Lead | None) -> None:
    """Move the tree's counts for a lead that went from `old` to `new` (either None)."""
    moved = line.moves(old.rank if old else None, new.rank if new else None)
    params: list[str | int] = []
    for node, digits in sorted(moved.items()):  # one order for every change: no deadlock
        for digit, n in sorted(digits.items()):
            params += [node, digit, n]
    if params:
        values = ", ".join(["(%s, %s, %s)"] * (len(params) // 3))
        with connection.cursor() as cursor:
            cursor.execute(_MOVE.format(values=values), params)


def ahead(rank: int) -> int:
    """Waiting leads ranked below `rank`: one query over the 16 nodes of its path."""
    steps = [(node, digit) for node, digit in line.path(rank) if digit]
    if not steps:
        return 0
    where = " OR ".join(["(node = %s AND digit < %s)"] * len(steps))
    params = [value for step in steps for value in step]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(n), 0) FROM leads_linenode WHERE {where}", params)  # noqa: S608 - placeholders only
        return int(cursor.fetchone()[0])


def next_seq() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, ["line"])
        return int(cursor.fetchone()[0])


def new_ref_code() -> str:
    while True:  # 40 bits: a clash is rare, but a unique column must never see one
        code = referrals.new_code()
        if not models.LeadRow.objects.filter(ref_code=code).exists():
            return code


def credit(referee: Lead, at: datetime) -> None:
    """Credit (or withhold, with the reason) the referral of a lead that just confirmed."""
    code = referrals.clean_code(referee.referred_by)
    referrer_row = models.LeadRow.objects.select_for_update().filter(ref_code=code).first()
    if not code or referrer_row is None or referrer_row.email == referee.email:
        return
    referrer = rows.lead(referrer_row)
    day = at.date().isoformat()
    net = referrals.confirming_network(referee)
    credited = models.Credit.objects.filter(referrer=referrer.email, day=day, reason="")
    reason = referrals.withheld_reason(
        referrer,
        referee,
        credited_today=credited.count(),
        from_network_today=credited.filter(network=net).count() if net else 0,
    )
    models.Credit.objects.create(
        referrer=referrer.email, referee=referee.email, day=day, network=net, reason=reason, at=at
    )
    if reason:
        return
    referrer_row.credits += 1
    if referrer_row.score is not None:
        referrer_row.score -= settings.REFERRAL_BOOST
    referrer_row.rank = rows.lead(referrer_row).rank
    referrer_row.save(update_fields=["credits", "score", "rank"])
    move(referrer, rows.lead(referrer_row))


def withheld(limit: int) -> list[Withheld]:
    found = models.Credit.objects.filter(~Q(reason="")).order_by("-at")[:limit]
    return [Withheld(c.referrer, c.referee, c.reason, c.at) for c in found]


def forget(email: str) -> None:
    """An erasure takes the lead's referral records with it: all of them as the referrer; as
    the referee, a withheld one goes, and a credit it earned stays without its name. The credit
    stays the referrer's, and so does its count in the day's cap (as on DynamoDB, where the
    day's count is a number): erasing a friend does not open the cap again."""
    models.Credit.objects.filter(Q(referrer=email) | (Q(referee=email) & ~Q(reason=""))).delete()
    models.Credit.objects.filter(referee=email).update(referee="")


def rebuild() -> int:
    """Recount the tree from the waiting leads (inside the recount's transaction)."""
    models.LineNode.objects.all().delete()
    counts: dict[tuple[str, int], int] = {}
    waiting = models.LeadRow.objects.filter(stage="confirmed", rank__isnull=False)
    for rank in waiting.values_list("rank", flat=True).iterator():
        for node, digit in line.path(int(rank or 0)):
            counts[node, digit] = counts.get((node, digit), 0) + 1
    models.LineNode.objects.bulk_create(
        models.LineNode(node=node, digit=digit, n=n) for (node, digit), n in counts.items()
    )
    return waiting.count()
