"""Maintenance of the DynamoDB store: create the tables and indexes, rebuild the counters.

Run from management commands with an operator's (or a deploy role's) credentials; the web role
never needs CreateTable, UpdateTable or Scan.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from leads.store.base import RebuildReport
from leads.store.dynamo_items import INDEXES, Item, counter_key, counter_updates, derived

if TYPE_CHECKING:
    from leads.store.dynamodb import DynamoLeadStore

WAIT_SECONDS = 600


def _index(name: str, partition_key: str, throughput: dict | None) -> dict[str, Any]:
    index: dict[str, Any] = {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": partition_key, "KeyType": "HASH"},
            {"AttributeName": "sort_key", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    if throughput:
        index["ProvisionedThroughput"] = throughput
    return index


def _attributes(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def _describe(store: DynamoLeadStore, table: str) -> dict | None:
    try:
        return store.call("describe_table", TableName=table, expect=("ResourceNotFoundException",))[
            "Table"
        ]
    except ClientError:
        return None


def _wait_active(store: DynamoLeadStore, table: str) -> dict:
    """Wait until the table and every index on it are ACTIVE (index builds can take minutes)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        description = _describe(store, table)
        statuses = [] if description is None else [description["TableStatus"]]
        statuses += [
            i["IndexStatus"] for i in (description or {}).get("GlobalSecondaryIndexes", [])
        ]
        if statuses and set(statuses) == {"ACTIVE"}:
            assert description is not None
            return description
        if time.monotonic() > deadline:
            raise TimeoutError(f"{table} is still not active: {statuses}")
        time.sleep(2)


def create_tables(store: DynamoLeadStore) -> list[str]:
    done = []
    leads = _describe(store, store.leads_table)
    if leads is None:
        store.call(
            "create_table",
            TableName=store.leads_table,
            KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
            AttributeDefinitions=_attributes("email", "sort_key", *INDEXES.values()),
            GlobalSecondaryIndexes=[_index(n, key, None) for n, key in INDEXES.items()],
            BillingMode="PAY_PER_REQUEST",
        )
        done.append(f"created table {store.leads_table} with indexes {', '.join(INDEXES)}")
        leads = _wait_active(store, store.leads_table)
    else:
        done.append(f"table {store.leads_table} exists")
    present = {i["IndexName"] for i in leads.get("GlobalSecondaryIndexes", [])}
    provisioned = leads.get("BillingModeSummary", {}).get("BillingMode") != "PAY_PER_REQUEST"
    throughput = None
    if provisioned:  # a lab table made with provisioned capacity: its indexes need some too
        table_throughput = leads["ProvisionedThroughput"]
        throughput = {
            "ReadCapacityUnits": table_throughput["ReadCapacityUnits"],
            "WriteCapacityUnits": table_throughput["WriteCapacityUnits"],
        }
    for name, key in INDEXES.items():
        if name in present:
            continue
        # DynamoDB builds one new index at a time on a table: add, wait, then the next.
        store.call(
            "update_table",
            TableName=store.leads_table,
            AttributeDefinitions=_attributes(key, "sort_key"),
            GlobalSecondaryIndexUpdates=[{"Create": _index(name, key, throughput)}],
        )
        _wait_active(store, store.leads_table)
        done.append(f"added index {name} to {store.leads_table}")
    if _describe(store, store.counters_table) is None:
        store.call(
            "create_table",
            TableName=store.counters_table,
            KeySchema=[
                {"AttributeName": "kind", "KeyType": "HASH"},
                {"AttributeName": "key", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=_attributes("kind", "key"),
            BillingMode="PAY_PER_REQUEST",
        )
        _wait_active(store, store.counters_table)
        done.append(f"created table {store.counters_table}")
    else:
        done.append(f"table {store.counters_table} exists")
    return done


def _fill(store: DynamoLeadStore, item: Item, now: datetime) -> tuple[Item | None, bool]:
    """Give a lead the lab wrote what our indexes need and count it, in one transaction.

    Returns the lead as filled (None if it vanished or was filled meanwhile) and whether a
    lab copy was removed. The lab kept addresses as typed; ours are lower-case, so a lead such
    as Ann@X.com moves to ann@x.com, and if that person has signed up again through us, the
    lab's copy goes. The lab stored no signup time, so such a lead is stamped with the time of
    the rebuild (when we first saw it). It is not made pending: the lab's code already notified
    the owner.
    """
    email = item["email"]["S"]
    normal = email.lower()
    created_at = item.get("created_at", {}).get("S")
    filled = {
        **item,
        "email": {"S": normal},
        **derived(normal, datetime.fromisoformat(created_at) if created_at else now),
    }
    unfilled = "attribute_exists(email) AND attribute_not_exists(sort_key)"
    counts = counter_updates(store.counters_table, filled, +1)
    if normal == email:
        update = {
            "TableName": store.leads_table,
            "Key": {"email": item["email"]},
            "UpdateExpression": "SET #d = :domain, created_at = :c, #day = :day, sort_key = :k",
            "ConditionExpression": unfilled,
            "ExpressionAttributeNames": {"#d": "domain", "#day": "day"},
            "ExpressionAttributeValues": {
                ":domain": filled["domain"],
                ":c": filled["created_at"],
                ":day": filled["day"],
                ":k": filled["sort_key"],
            },
        }
        return (filled if store.transact([{"Update": update}, *counts]) else None), False
    remove = {
        "TableName": store.leads_table,
        "Key": {"email": item["email"]},
        "ConditionExpression": unfilled,
    }
    move = {
        "TableName": store.leads_table,
        "Item": filled,
        "ConditionExpression": "attribute_not_exists(email)",
    }
    if store.transact([{"Delete": remove}, {"Put": move}, *counts]):
        return filled, False
    if store.read_item(normal) is not None and store.transact([{"Delete": remove}]):
        return None, True  # the person is a lead of ours already, counted as such
    return None, False  # erased, or filled by another run, while we were reading


def _stored_counters(store: DynamoLeadStore) -> dict[tuple[str, str], int]:
    stored = {}
    for kind in ("domain", "day", "total"):
        params: dict[str, Any] = {
            "TableName": store.counters_table,
            "KeyConditionExpression": "#kind = :kind",
            "ExpressionAttributeNames": {"#kind": "kind"},
            "ExpressionAttributeValues": {":kind": {"S": kind}},
            "ConsistentRead": True,
        }
        while True:
            response = store.call("query", **params)
            for item in response["Items"]:
                stored[(kind, item["key"]["S"])] = int(item.get("total", {"N": "0"})["N"])
            if "LastEvaluatedKey" not in response:
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return stored


def _set_counter(
    store: DynamoLeadStore, kind: str, key: str, total: int, yes: int | None, expected: int
) -> bool:
    """Set a counter unless a signup or an erasure moved it away from `expected`; True if set."""
    values = {":t": {"N": str(total)}, ":was": {"N": str(expected)}}
    expression = "SET #total = :t"
    if yes is not None:
        expression += ", preview_yes = :y"
        values[":y"] = {"N": str(yes)}
    condition = "#total = :was"
    if expected == 0:
        condition = "attribute_not_exists(#total) OR " + condition
    try:
        store.call(
            "update_item",
            TableName=store.counters_table,
            Key=counter_key(kind, key),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#total": "total"},
            ExpressionAttributeValues=values,
            expect=("ConditionalCheckFailedException",),
        )
    except ClientError:
        return False
    return True


def rebuild_counts(store: DynamoLeadStore) -> RebuildReport:
    """Recount from a consistent scan, without overwriting what signups change meanwhile.

    The counters are read first; each is then set only if it still holds what it held then
    (plus what this run added for the lab's leads it counted). A counter that a signup or an
    erasure moved during the scan is left as it is, since the scan may or may not have seen
    that lead, and is reported: it is right if it was right before, and a run at a quiet
    moment recounts it.
    """
    now = datetime.now(UTC)
    before = _stored_counters(store)
    ours: Counter[tuple[str, str]] = Counter()  # what this run's own transactions added
    domains: Counter[str] = Counter()
    previews: Counter[str] = Counter()
    days: Counter[str] = Counter()
    leads = filled = skipped = merged = 0
    moved: set[str] = set()  # lab leads this run put under their lower-case key (and counted)
    params: dict[str, Any] = {"TableName": store.leads_table, "ConsistentRead": True}
    while True:
        response = store.call("scan", **params)
        for item in response["Items"]:
            email = item["email"]["S"]
            local, _, domain = email.rpartition("@")
            if not local or not domain:
                skipped += 1
                continue
            if email in moved:
                continue  # a later page of the scan reached it again under its new key
            if "sort_key" not in item:
                filled_item, removed = _fill(store, item, now)
                merged += removed
                if filled_item is None:
                    continue
                item, filled = filled_item, filled + 1
                if item["email"]["S"] != email:
                    moved.add(item["email"]["S"])
                ours.update(
                    [("domain", item["domain"]["S"]), ("day", item["day"]["S"]), ("total", "all")]
                )
            leads += 1
            domains[item["domain"]["S"]] += 1
            previews[item["domain"]["S"]] += item.get("preview", {}).get("S") == "Yes"
            days[item["day"]["S"]] += 1
        if "LastEvaluatedKey" not in response:
            break
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    wanted: dict[tuple[str, str], tuple[int, int | None]] = {
        ("domain", d): (n, previews[d]) for d, n in domains.items()
    }
    wanted |= {("day", d): (n, None) for d, n in days.items()}
    if leads:
        wanted[("total", "all")] = (leads, None)
    stale = {key: (0, 0 if key[0] == "domain" else None) for key, n in before.items() if n}
    written = cleared = busy = 0
    for (kind, key), (total, yes) in (stale | wanted).items():
        expected = before.get((kind, key), 0) + ours[(kind, key)]
        if not _set_counter(store, kind, key, total, yes, expected):
            busy += 1
        elif (kind, key) in wanted:
            written += 1
        else:
            cleared += 1
    return RebuildReport(
        leads=leads,
        filled=filled,
        counters=written,
        cleared=cleared,
        skipped=skipped,
        busy=busy,
        merged=merged,
    )
