"""Leads in DynamoDB, as a drop-in for the lab's `ccbda-signup-table` (layout: items.py).

A signup is one UpdateItem on its own item (changes.py), so signups never contend with each
other; the counters follow from the table's stream (tally.py), and the outbox is the sparse
index of leads with something due (outbox.py). Every read is a GetItem or a Query, never a
Scan, so the web role needs no dynamodb:Scan.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from django.conf import settings

from leads import referrals
from leads.store.base import (
    PAGE_SIZE,
    LeadStore,
    StoreUnavailable,
    preview_word,
)
from leads.store.dynamodb import admin, changes, credits, lab, outbox, search, tally
from leads.store.dynamodb import line as dynamoline
from leads.store.dynamodb.client import ATTEMPTS, DynamoClient
from leads.store.dynamodb.items import Item, Tables, item_lead
from leads.store.records import (
    COUNTED_STATUSES,
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


class DynamoLeadStore(LeadStore):
    def __init__(self, *, leads_table: str, counters_table: str, region: str = "") -> None:
        self.tables = Tables(leads=leads_table, counters=counters_table)
        self.client = DynamoClient(region=region or settings.AWS_REGION)

    @property
    def leads_table(self) -> str:
        return self.tables.leads

    @property
    def counters_table(self) -> str:
        return self.tables.counters

    # --- writes -------------------------------------------------------------------------------
    def add(self, lead: Lead) -> bool:
        return changes.add(self.client, self.tables, lead)

    def ask(self, email: str) -> bool:
        return changes.ask(self.client, self.tables, email)

    def confirm(self, email: str, *, consent: Consent, at: datetime) -> Lead | None:
        if not email:
            return None
        changed = changes.confirm(self.client, self.tables, email, consent, at)
        return item_lead(changed) if changed is not None else self.get(email)

    def unsubscribe(self, email: str, *, at: datetime) -> Lead | None:
        if not email:
            return None
        changed = changes.unsubscribe(self.client, self.tables, email, at)
        if changed is None:
            return self.get(email)
        outbox.leave_if_done(self.client, self.tables, email)
        return item_lead(changed)

    def set_preview(self, email: str, preview: bool) -> Lead | None:
        if not email:
            return None
        word = preview_word(preview)
        changed = changes.set_preview(self.client, self.tables, email, word)
        return item_lead(changed) if changed is not None else self.get(email)

    def delete(self, email: str) -> bool:
        for _ in range(ATTEMPTS):
            item = self.read_item(email)
            if item is None:
                return False
            # The condition pins the version read here: if the lead was erased (or erased and
            # signed up again) meanwhile, the transaction is cancelled and we look again.
            delete: dict[str, Any] = {
                "TableName": self.leads_table,
                "Key": {"email": item["email"]},
            }
            if "sort_key" in item:  # the tally lowers the counters when the stream shows it
                delete["ConditionExpression"] = "sort_key = :k"
                delete["ExpressionAttributeValues"] = {":k": item["sort_key"]}
            else:  # written by the lab and not yet adopted: nothing counted it, nothing to lower
                delete["ConditionExpression"] = lab.UNADOPTED
            if self.client.transact([{"Delete": delete}]):
                credits.forget(self.client, self.tables, item)
                return True
        raise StoreUnavailable("DynamoDB: the lead kept changing while it was being erased")

    def outbox(
        self, limit: int = 100, *, notify_only: bool = False, before: datetime | None = None
    ) -> list[Due]:
        return outbox.read(self.client, self.tables, limit, notify_only=notify_only, before=before)

    def mark_notified(self, email: str) -> None:
        outbox.mark_notified(self.client, self.tables, email)

    def mark_all_notified(self, emails: list[str]) -> None:
        # One small write per lead, each on its own item: in parallel, a digest of a thousand
        # takes a fraction of a second instead of several.
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(self.mark_notified, emails))

    def mark_answered(self, due: Due, *, mailed: bool, today: str) -> bool:
        return outbox.mark_answered(self.client, self.tables, due, mailed, today)

    def mark_mailed(self, email: str, kind: str) -> None:
        outbox.mark_mailed(self.client, self.tables, email, kind)

    # --- reads --------------------------------------------------------------------------------
    def read_item(self, email: str) -> Item | None:
        if not email:  # DynamoDB refuses an empty key; no lead has one
            return None
        return self.client.get_item(self.leads_table, {"email": {"S": email}})

    def get(self, email: str) -> Lead | None:
        item = self.read_item(email)
        return item_lead(item) if item else None

    def search(
        self,
        *,
        domain: str | None = None,
        preview: bool | None = None,
        cursor: str | None = None,
        limit: int = PAGE_SIZE,
    ) -> Page:
        limit = max(1, min(limit, self.max_page_size))
        if domain == "":  # no lead has an empty domain, and DynamoDB refuses an empty key
            return Page(items=[], next=None)
        return search.search(
            self.client, self.tables, domain=domain, preview=preview, cursor=cursor, limit=limit
        )

    def counters(self, kind: str) -> list[Item]:
        """Every non-zero counter of `kind`, in key order."""
        return list(
            self.client.query_items(
                TableName=self.counters_table,
                KeyConditionExpression="#kind = :kind",
                FilterExpression="#total > :zero",
                ExpressionAttributeNames={"#kind": "kind", "#total": "total"},
                ExpressionAttributeValues={":kind": {"S": kind}, ":zero": {"N": "0"}},
            )
        )

    def domain_counts(self) -> list[DomainCount]:
        return [
            DomainCount(domain=item["key"]["S"], **_figures(item, PREVIEW_AND_STATUSES))
            for item in self.counters("domain")
        ]

    def daily_counts(self) -> list[DayCount]:
        return [
            DayCount(day=date.fromisoformat(item["key"]["S"]), **_figures(item, COUNTED_STATUSES))
            for item in self.counters("day")
        ]

    def total(self) -> int:
        items = self.counters("total")
        return int(items[0]["total"]["N"]) if items else 0

    def settle(self) -> None:
        tally.settle(self.client, self.tables)
        # A credit moves its referrer in the line: the tally reads that change next.
        if credits.settle(self.client, self.tables):
            tally.settle(self.client, self.tables)

    # --- the line -----------------------------------------------------------------------------
    def place(self, email: str) -> int | None:
        found = self.get(email)
        rank = found.rank if found else None
        return None if rank is None else 1 + dynamoline.ahead(self.client, self.tables, rank)

    def line(self, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> LinePage:
        limit = max(1, min(limit, self.max_page_size))
        return dynamoline.page(self.client, self.tables, cursor, limit)

    def referrer(self, code: str) -> Lead | None:
        code = referrals.clean_code(code)
        owner = dynamoline.owner_of(self.client, self.tables, code) if code else None
        return self.get(owner) if owner else None

    def top_referrers(self, limit: int = 20) -> list[Lead]:
        found = [self.get(email) for email in dynamoline.top(self.client, self.tables, limit)]
        return [lead for lead in found if lead is not None]

    def withheld(self, limit: int = 50) -> list[Withheld]:
        return dynamoline.withheld(self.client, self.tables, limit)

    def invite(self, email: str, *, at: datetime) -> Lead | None:
        if not email:
            return None
        changed = dynamoline.invite(self.client, self.tables, email, at)
        return item_lead(changed) if changed is not None else self.get(email)

    def revoke_invite(self, email: str) -> bool:
        return bool(email) and dynamoline.revoke(self.client, self.tables, email)

    def join(self, email: str, *, at: datetime) -> bool:
        return bool(email) and dynamoline.join(self.client, self.tables, email, at)

    def counts_as_of(self) -> datetime | None:
        return tally.counts_as_of(self.client, self.tables)

    def ping(self) -> None:
        self.total()

    # --- maintenance --------------------------------------------------------------------------
    def setup(self) -> list[str]:
        return admin.create_tables(self.client, self.tables)

    def rebuild_counts(self) -> RebuildReport:
        return admin.rebuild_counts(self.client, self.tables)

    def adopt_lab_leads(self) -> AdoptionReport:
        return lab.adopt_lab_leads(self.client, self.tables)


PREVIEW_AND_STATUSES = ("preview_yes", *COUNTED_STATUSES)


def _figures(item: Item, names: tuple[str, ...]) -> dict[str, int]:
    return {name: int(item.get(name, {}).get("N", "0")) for name in ("total", *names)}
