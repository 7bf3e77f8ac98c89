"""Table administration on DynamoDB: create the tables and indexes, recount the counters.

Run from management commands with an operator's (or a deploy role's) credentials; the web role
never needs CreateTable, UpdateTable or Scan.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from leads.store.base import RebuildReport
from leads.store.dynamodb import tally
from leads.store.dynamodb.client import DynamoClient, Refused
from leads.store.dynamodb.items import (
    INDEXES,
    CounterKey,
    Figures,
    Tables,
    counted,
    counter_deltas,
    counter_key,
)
from leads.store.dynamodb.line import NODE as LINE_NODE
from leads.store.records import FIGURES

WAIT_SECONDS = 600
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
STREAM_DELAY = 1.0
DIGITS = tuple(f"d{digit:x}" for digit in range(16))  # a node of the line's tree: 16 counts


def _index(name: str, keys: tuple[str, str], throughput: dict | None) -> dict[str, Any]:
    index: dict[str, Any] = {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": keys[0], "KeyType": "HASH"},
            {"AttributeName": keys[1], "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    if throughput:
        index["ProvisionedThroughput"] = throughput
    return index


def _attributes(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def _describe(client: DynamoClient, table: str) -> dict | None:
    try:
        response = client.call(
            "describe_table", TableName=table, expect=("ResourceNotFoundException",)
        )
    except Refused:
        return None
    return response["Table"]


def _wait_active(client: DynamoClient, table: str) -> dict:
    """Wait until the table and every index on it are ACTIVE (index builds can take minutes)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        description = _describe(client, table)
        statuses = [] if description is None else [description["TableStatus"]]
        statuses += [
            i["IndexStatus"] for i in (description or {}).get("GlobalSecondaryIndexes", [])
        ]
        if description is not None and set(statuses) == {"ACTIVE"}:
            return description
        if time.monotonic() > deadline:
            raise TimeoutError(f"{table} is still not active: {statuses}")
        time.sleep(2)


def create_tables(client: DynamoClient, tables: Tables) -> list[str]:
    done = []
    leads = _describe(client, tables.leads)
    if leads is None:
        client.call(
            "create_table",
            TableName=tables.leads,
            KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
            AttributeDefinitions=_attributes(
                "email", *sorted({name for keys in INDEXES.values() for name in keys})
            ),
            GlobalSecondaryIndexes=[_index(n, key, None) for n, key in INDEXES.items()],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification=STREAM,
        )
        done.append(f"created table {tables.leads} with indexes {', '.join(INDEXES)}")
        leads = _wait_active(client, tables.leads)
    else:
        done.append(f"table {tables.leads} exists")
    if not leads.get("StreamSpecification", {}).get("StreamEnabled"):
        # The lab's table: the counters need its stream, with both images of each change.
        client.call("update_table", TableName=tables.leads, StreamSpecification=STREAM)
        _wait_active(client, tables.leads)
        done.append(f"turned on the stream of {tables.leads}")
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
        client.call(
            "update_table",
            TableName=tables.leads,
            AttributeDefinitions=_attributes(*key),
            GlobalSecondaryIndexUpdates=[{"Create": _index(name, key, throughput)}],
        )
        _wait_active(client, tables.leads)
        done.append(f"added index {name} to {tables.leads}")
    if _describe(client, tables.counters) is None:
        client.call(
            "create_table",
            TableName=tables.counters,
            KeySchema=[
                {"AttributeName": "kind", "KeyType": "HASH"},
                {"AttributeName": "key", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=_attributes("kind", "key"),
            BillingMode="PAY_PER_REQUEST",
        )
        _wait_active(client, tables.counters)
        # The rate limits' items (CACHE_URL=dynamodb://) carry their end; DynamoDB deletes them.
        client.call(
            "update_time_to_live",
            TableName=tables.counters,
            TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True},
        )
        done.append(f"created table {tables.counters}")
    else:
        done.append(f"table {tables.counters} exists")
    return done


def _stored_counters(client: DynamoClient, tables: Tables) -> dict[CounterKey, Figures]:
    """Every counter's figures, and every node of the line's tree with its 16 counts."""
    stored = {}
    for kind in ("domain", "day", "total", LINE_NODE):
        for item in client.query_items(
            TableName=tables.counters,
            KeyConditionExpression="#kind = :kind",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues={":kind": {"S": kind}},
            ConsistentRead=True,
        ):
            names = DIGITS if kind == LINE_NODE else ("total",)
            figures = {name: int(item.get(name, {"N": "0"})["N"]) for name in names}
            stored[(kind, item["key"]["S"])] = figures
    return stored


def _counter_names(key: CounterKey) -> list[str]:
    """A counter's figures, `total` first (preview_yes on a domain's counter only)."""
    names = ["total", *(n for n in FIGURES if n != "total")]
    if key[0] != "domain":
        names.remove("preview_yes")
    return names


def _set_figures(
    client: DynamoClient,
    tables: Tables,
    key: CounterKey,
    names: Sequence[str],
    figures: Figures,
    expected: Figures,
) -> bool:
    """Set a counter's (or a node's) `names` to `figures` unless a signup or an erasure moved
    any of `expected`'s figures away from what it says meanwhile; True if set."""
    values = {f":f{i}": {"N": str(figures.get(n, 0))} for i, n in enumerate(names)}
    conditions = []
    for i, name in enumerate(names):
        if name not in expected:
            continue
        values[f":w{i}"] = {"N": str(expected[name])}
        check = f"#f{i} = :w{i}"
        conditions.append(check if expected[name] else f"(attribute_not_exists(#f{i}) OR {check})")
    try:
        client.call(
            "update_item",
            TableName=tables.counters,
            Key=counter_key(*key),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(names))),
            ConditionExpression=" AND ".join(conditions),
            ExpressionAttributeNames={f"#f{i}": n for i, n in enumerate(names)},
            ExpressionAttributeValues=values,
            expect=("ConditionalCheckFailedException",),
        )
    except Refused:
        return False
    return True


def rebuild_counts(client: DynamoClient, tables: Tables) -> RebuildReport:
    """Recount from a consistent scan, without overwriting what signups change meanwhile.

    The counters are brought up to date with the stream and read first; after the scan the
    stream is read again, so that every change made during the scan has moved its counters.
    Each counter is then set only if it still holds what it held before the scan.
    A counter that a signup or an erasure moved during the scan is left as it is, since the
    scan may or may not have seen that lead, and is reported: it is right if it was right
    before, and a run at a quiet moment recounts it. Leads the lab wrote and nobody adopted yet
    (see `lab.py`) are not counted: until they are adopted, nothing counted them in.
    """
    tally.settle(client, tables)
    before = _stored_counters(client, tables)
    wanted: dict[CounterKey, Figures] = {}
    leads = skipped = unadopted = 0
    params: dict[str, Any] = {"TableName": tables.leads, "ConsistentRead": True}
    while True:
        response = client.call("scan", **params)
        for item in response["Items"]:
            local, _, domain = item["email"]["S"].rpartition("@")
            if not local or not domain:
                skipped += 1
            elif not counted(item):
                unadopted += 1
            else:
                leads += 1
                for key, figures in counter_deltas(None, item).items():
                    summed = wanted.setdefault(key, {})
                    for name, n in figures.items():
                        summed[name] = summed.get(name, 0) + n
        if "LastEvaluatedKey" not in response:
            break
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # A change appears in the stream a moment after it is made (on AWS, well under a second):
    # the wait keeps one made at the end of the scan from being counted after its counter is set.
    time.sleep(STREAM_DELAY)
    tally.settle(client, tables)
    stale: dict[CounterKey, Figures] = {key: {} for key, n in before.items() if any(n.values())}
    written = cleared = busy = 0
    for key, figures in (stale | wanted).items():
        # A node is checked on all 16 counts, a counter on its total, as read before the scan.
        was = before.get(key, {})
        if key[0] == LINE_NODE:
            expected = {name: was.get(name, 0) for name in DIGITS}
            done = _set_figures(client, tables, key, DIGITS, figures, expected)
        else:
            expected = {"total": was.get("total", 0)}
            done = _set_figures(client, tables, key, _counter_names(key), figures, expected)
        if not done:
            busy += 1
        elif key in wanted:
            written += 1
        else:
            cleared += 1
    return RebuildReport(
        leads=leads,
        counters=written,
        cleared=cleared,
        skipped=skipped,
        busy=busy,
        unadopted=unadopted,
    )
