"""Leads in DynamoDB, as a drop-in for the lab's `ccbda-signup-table` (layout: items.py).

A signup is one conditional PutItem on its own item, so signups never contend with each other;
the counters follow from the table's stream (tally.py). Every read is a GetItem or a Query,
never a Scan, so the web role needs no dynamodb:Scan.
"""

from __future__ import annotations

import contextlib
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from django.conf import settings

from leads.store.base import (
    PAGE_SIZE,
    AdoptionReport,
    DayCount,
    DomainCount,
    Lead,
    LeadStore,
    Page,
    RebuildReport,
    StoreUnavailable,
)
from leads.store.dynamodb import admin, lab, search, tally
from leads.store.dynamodb.client import ATTEMPTS, DynamoClient, Refused
from leads.store.dynamodb.items import (
    PENDING,
    PENDING_SHARDS,
    PENDING_VALUES,
    Item,
    Tables,
    item_lead,
    lead_item,
    pending_value,
    timestamp,
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
        item = {**lead_item(lead), PENDING: {"S": pending_value(lead.email)}}
        try:
            self.client.call(
                "put_item",
                TableName=self.leads_table,
                Item=item,
                ConditionExpression="attribute_not_exists(email)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                expect=("ConditionalCheckFailedException",),
            )
        except Refused as e:
            # botocore retries a put whose answer was lost (a read timeout): if the first try
            # went through, the stored item is this very signup, not a known email.
            stored = e.response.get("Item", {})
            return all(stored.get(name) == item[name] for name in ("sort_key", "name"))
        return True

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
                return True
        raise StoreUnavailable("DynamoDB: the lead kept changing while it was being erased")

    def mark_notified(self, email: str) -> None:
        # A failed condition means already marked, or erased meanwhile: nothing left to record.
        with contextlib.suppress(Refused):
            self.client.call(
                "update_item",
                TableName=self.leads_table,
                Key={"email": {"S": email}},
                UpdateExpression="REMOVE #pending",
                ConditionExpression="attribute_exists(#pending)",
                ExpressionAttributeNames={"#pending": PENDING},
                expect=("ConditionalCheckFailedException",),
            )

    def mark_all_notified(self, emails: list[str]) -> None:
        # One small write per lead, each on its own item: in parallel, a digest of a thousand
        # takes a fraction of a second instead of several.
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(self.mark_notified, emails))

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
            DomainCount(
                item["key"]["S"],
                int(item["total"]["N"]),
                int(item.get("preview_yes", {"N": "0"})["N"]),
            )
            for item in self.counters("domain")
        ]

    def daily_counts(self) -> list[DayCount]:
        return [
            DayCount(date.fromisoformat(item["key"]["S"]), int(item["total"]["N"]))
            for item in self.counters("day")
        ]

    def total(self) -> int:
        items = self.counters("total")
        return int(items[0]["total"]["N"]) if items else 0

    def pending(self, limit: int = 100, *, before: datetime | None = None) -> list[Lead]:
        # The oldest of each partition, merged: a share of `limit` each, so that a round reads
        # about `limit` items however long the backlog (a lead left out comes next round).
        share = math.ceil(max(1, limit) / PENDING_SHARDS) + 1
        condition = "#pending = :p"
        if before is not None:  # the index's sort key starts with the signup time
            condition += " AND sort_key < :before"
        found: list[Item] = []
        for value in PENDING_VALUES:
            values = {":p": {"S": value}}
            if before is not None:
                values[":before"] = {"S": timestamp(before)}
            response = self.client.call(
                "query",
                TableName=self.leads_table,
                IndexName=PENDING,
                KeyConditionExpression=condition,
                ExpressionAttributeNames={"#pending": PENDING},
                ExpressionAttributeValues=values,
                ScanIndexForward=True,
                Limit=share,
            )
            found += response["Items"]
        found.sort(key=lambda item: item["sort_key"]["S"])
        return [item_lead(item) for item in found[: max(1, limit)]]

    def settle(self) -> None:
        tally.settle(self.client, self.tables)

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
