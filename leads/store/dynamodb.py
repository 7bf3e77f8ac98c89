"""Leads in DynamoDB, as a drop-in for the lab's `ccbda-signup-table` (layout: dynamo_items.py).

Every write is one TransactWriteItems (the lead and its counters together, or nothing); every
read is a GetItem or a Query, never a Scan, so the web role needs no dynamodb:Scan.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from datetime import date, datetime
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from leads.store import dynamo_admin, dynamo_search
from leads.store.base import (
    DayCount,
    DomainCount,
    Lead,
    LeadStore,
    Page,
    RebuildReport,
    StoreUnavailable,
)
from leads.store.dynamo_items import (
    PENDING,
    PENDING_VALUE,
    Item,
    counter_updates,
    item_lead,
    lead_item,
    timestamp,
)

logger = logging.getLogger(__name__)

# Cancellation reasons worth another try; anything else but a failed condition is unavailable.
RETRY_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
ATTEMPTS = 5


def unavailable(error: Exception) -> StoreUnavailable:
    logger.warning("DynamoDB unavailable: %s", error)
    return StoreUnavailable(f"DynamoDB: {error}")


class DynamoLeadStore(LeadStore):
    def __init__(self, *, leads_table: str, counters_table: str) -> None:
        self.leads_table = leads_table
        self.counters_table = counters_table

    @cached_property
    def client(self) -> Any:
        # Short timeouts and a few backed-off retries (throttling included): a signup waits a
        # few seconds at most before it answers 503. botocore honours AWS_ENDPOINT_URL.
        config = Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"mode": "standard", "total_max_attempts": 3},
        )
        return boto3.client("dynamodb", region_name=settings.AWS_REGION, config=config)

    def call(self, operation: str, *, expect: tuple[str, ...] = (), **params: Any) -> dict:
        """One API call; errors in `expect` are raised as they are, the others as unavailable."""
        try:
            return getattr(self.client, operation)(**params)
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code in expect or code == "ValidationException":  # ours to see, not an outage
                raise
            raise unavailable(e) from e
        except BotoCoreError as e:
            raise unavailable(e) from e

    def transact(self, parts: list[dict]) -> bool:
        """Run one transaction; False if a part's condition cancelled it."""
        for attempt in range(ATTEMPTS):
            try:
                self.call(
                    "transact_write_items",
                    TransactItems=parts,
                    expect=("TransactionCanceledException",),
                )
                return True
            except ClientError as e:
                reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons:
                    return False
                if not RETRY_REASONS.intersection(reasons):
                    raise unavailable(e) from e
            time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 (jitter, not a secret)
        raise StoreUnavailable("DynamoDB: the transaction kept conflicting")

    # --- writes -------------------------------------------------------------------------------
    def add(self, lead: Lead) -> bool:
        item = {**lead_item(lead), PENDING: {"S": PENDING_VALUE}}
        put = {
            "TableName": self.leads_table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(email)",
        }
        return self.transact([{"Put": put}, *counter_updates(self.counters_table, item, +1)])

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
            if "sort_key" in item:
                delete["ConditionExpression"] = "sort_key = :k"
                delete["ExpressionAttributeValues"] = {":k": item["sort_key"]}
                parts = [{"Delete": delete}, *counter_updates(self.counters_table, item, -1)]
            else:  # written by the lab and not yet counted by rebuildcounts: nothing to lower
                delete["ConditionExpression"] = (
                    "attribute_exists(email) AND attribute_not_exists(sort_key)"
                )
                parts = [{"Delete": delete}]
            if self.transact(parts):
                return True
        raise StoreUnavailable("DynamoDB: the lead kept changing while it was being erased")

    def mark_notified(self, email: str) -> None:
        # A failed condition means already marked, or erased meanwhile: nothing left to record.
        with contextlib.suppress(ClientError):
            self.call(
                "update_item",
                TableName=self.leads_table,
                Key={"email": {"S": email}},
                UpdateExpression="REMOVE #pending",
                ConditionExpression="attribute_exists(#pending)",
                ExpressionAttributeNames={"#pending": PENDING},
                expect=("ConditionalCheckFailedException",),
            )

    # --- reads --------------------------------------------------------------------------------
    def read_item(self, email: str) -> Item | None:
        if not email:  # DynamoDB refuses an empty key; no lead has one
            return None
        response = self.call(
            "get_item",
            TableName=self.leads_table,
            Key={"email": {"S": email}},
            ConsistentRead=True,
        )
        return response.get("Item")

    def get(self, email: str) -> Lead | None:
        item = self.read_item(email)
        return item_lead(item) if item else None

    def search(
        self,
        *,
        domain: str | None = None,
        preview: bool | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        limit = max(1, min(limit, self.max_page_size))
        if domain == "":  # no lead has an empty domain, and DynamoDB refuses an empty key
            return Page(items=[], next=None)
        return dynamo_search.search(
            self, domain=domain, preview=preview, cursor=cursor, limit=limit
        )

    def counters(self, kind: str) -> list[Item]:
        """Every non-zero counter of `kind`, in key order: a Query, page after page."""
        params: dict[str, Any] = {
            "TableName": self.counters_table,
            "KeyConditionExpression": "#kind = :kind",
            "FilterExpression": "#total > :zero",
            "ExpressionAttributeNames": {"#kind": "kind", "#total": "total"},
            "ExpressionAttributeValues": {":kind": {"S": kind}, ":zero": {"N": "0"}},
        }
        items: list[Item] = []
        while True:
            response = self.call("query", **params)
            items += response["Items"]
            if "LastEvaluatedKey" not in response:
                return items
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

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
        condition = "#pending = :yes"
        values = {":yes": {"S": PENDING_VALUE}}
        if before is not None:  # the index's sort key starts with the signup time
            condition += " AND sort_key < :before"
            values[":before"] = {"S": timestamp(before)}
        response = self.call(
            "query",
            TableName=self.leads_table,
            IndexName=PENDING,
            KeyConditionExpression=condition,
            ExpressionAttributeNames={"#pending": PENDING},
            ExpressionAttributeValues=values,
            ScanIndexForward=True,
            Limit=max(1, limit),
        )
        return [item_lead(item) for item in response["Items"]]

    def ping(self) -> None:
        self.total()

    # --- maintenance --------------------------------------------------------------------------
    def setup(self) -> list[str]:
        return dynamo_admin.create_tables(self)

    def rebuild_counts(self) -> RebuildReport:
        return dynamo_admin.rebuild_counts(self)
