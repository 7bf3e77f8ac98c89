"""The line on DynamoDB: places from the tree's 16 nodes, the line in order, invitations.

The tree's nodes are items of the counters table, ("line", node id) with one number a digit
(`d0`..`df`), moved by the stream tally (items.counter_deltas); a place is one BatchGetItem of
the 16 nodes on its rank's path. The line in order is the sparse `line` index, (waiting, rank).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leads.store import line
from leads.store.cursors import decode_cursor, encode_cursor
from leads.store.dynamodb.client import DynamoClient, Refused
from leads.store.dynamodb.items import (
    LINE,
    PENDING,
    REF,
    TOP,
    WAITING,
    WITHHELD,
    Item,
    Tables,
    counter_key,
    item_lead,
    pending_value,
    timestamp,
)
from leads.store.errors import InvalidCursor
from leads.store.records import (
    CONFIRMED,
    INVITE,
    INVITED,
    JOINED,
    OWNER_INVITED,
    OWNER_JOINED,
    Lead,
    LinePage,
    Placed,
    Withheld,
)

NODE = "line"  # the counters table's kind for the tree's nodes


def ahead(client: DynamoClient, tables: Tables, rank: int) -> int:
    keys = [counter_key(NODE, node) for node, _ in line.path(rank)]
    response = client.call(
        "batch_get_item",
        RequestItems={tables.counters: {"Keys": keys, "ConsistentRead": True}},
    )
    found = response.get("Responses", {}).get(tables.counters, [])
    missing = response.get("UnprocessedKeys", {}).get(tables.counters, {}).get("Keys", [])
    for key in missing:  # throttled: read what is left one by one
        item = client.get_item(tables.counters, key)
        if item is not None:
            found.append(item)
    nodes = {
        item["key"]["S"]: [int(item.get(f"d{d:x}", {}).get("N", "0")) for d in range(16)]
        for item in found
    }
    return line.ahead(rank, nodes)


def page(client: DynamoClient, tables: Tables, cursor: str | None, limit: int) -> LinePage:
    params: dict[str, Any] = {
        "TableName": tables.leads,
        "IndexName": LINE,
        "KeyConditionExpression": "waiting = :w",
        "ExpressionAttributeValues": {":w": {"S": WAITING}},
        "ScanIndexForward": True,
        "Limit": limit,
    }
    if cursor:
        position = decode_cursor(cursor)
        key = position.get("k")
        if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
            raise InvalidCursor(cursor)
        if set(key) != {"email", "waiting", "rank"} or key["waiting"] != WAITING:
            raise InvalidCursor(cursor)
        params["ExclusiveStartKey"] = {name: {"S": value} for name, value in key.items()}
    response = client.call("query", **params)
    leads = [item_lead(item) for item in response["Items"]]
    leads = [lead for lead in leads if lead.rank is not None]
    first = 1 + ahead(client, tables, leads[0].rank) if leads and leads[0].rank else 1
    last = response.get("LastEvaluatedKey")
    next_cursor = encode_cursor({"k": {n: v["S"] for n, v in last.items()}}) if last else None
    return LinePage([Placed(first + i, lead) for i, lead in enumerate(leads)], next_cursor)


def owner_of(client: DynamoClient, tables: Tables, code: str) -> str | None:
    item = client.get_item(tables.counters, counter_key(REF, code))
    return item["email"]["S"] if item else None


def top(client: DynamoClient, tables: Tables, limit: int) -> list[str]:
    items = client.call(
        "query",
        TableName=tables.counters,
        KeyConditionExpression="#kind = :kind",
        ExpressionAttributeNames={"#kind": "kind"},
        ExpressionAttributeValues={":kind": {"S": TOP}},
        Limit=limit,
    )["Items"]
    return [item["key"]["S"].partition("#")[2] for item in items]


def top_key(credits: int, email: str) -> str:
    """Most credits first when sorted as text; ties by email."""
    return f"{10**9 - credits:010d}#{email}"


def withheld(client: DynamoClient, tables: Tables, limit: int) -> list[Withheld]:
    items = client.call(
        "query",
        TableName=tables.counters,
        KeyConditionExpression="#kind = :kind",
        ExpressionAttributeNames={"#kind": "kind"},
        ExpressionAttributeValues={":kind": {"S": WITHHELD}},
        ScanIndexForward=False,
        Limit=limit,
    )["Items"]
    return [
        Withheld(
            referrer=item["referrer"]["S"],
            referee=item["referee"]["S"],
            reason=item["reason"]["S"],
            at=datetime.fromisoformat(item["at"]["S"]),
        )
        for item in items
    ]


def _update(
    client: DynamoClient, tables: Tables, email: str, expression: str, condition: str, values: dict
) -> Item | None:
    names = {"#pending": PENDING, "#rank": "rank"}
    used = {k: v for k, v in names.items() if k in expression + condition}
    try:
        return client.call(
            "update_item",
            TableName=tables.leads,
            Key={"email": {"S": email}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            **({"ExpressionAttributeNames": used} if used else {}),
            ReturnValues="ALL_NEW",
            expect=("ConditionalCheckFailedException",),
        )["Attributes"]
    except Refused:
        return None


def invite(client: DynamoClient, tables: Tables, email: str, at: datetime) -> Item | None:
    return _update(
        client,
        tables,
        email,
        "SET stage = :invited, invited_at = :at, invite_revoked = :no, #pending = :shard "
        "REMOVE waiting, #rank ADD mail :queued",
        "stage = :confirmed AND attribute_exists(waiting) "
        "AND attribute_not_exists(unsubscribed_at)",
        {
            ":invited": {"S": INVITED},
            ":confirmed": {"S": CONFIRMED},
            ":at": {"S": timestamp(at)},
            ":no": {"BOOL": False},
            ":shard": {"S": pending_value(email)},
            ":queued": {"SS": [INVITE, OWNER_INVITED]},
        },
    )


def revoke(client: DynamoClient, tables: Tables, email: str) -> bool:
    found = _update(
        client,
        tables,
        email,
        "SET invite_revoked = :yes",
        "stage = :invited AND invite_revoked = :no",
        {":invited": {"S": INVITED}, ":yes": {"BOOL": True}, ":no": {"BOOL": False}},
    )
    return found is not None


def join(client: DynamoClient, tables: Tables, email: str, at: datetime) -> bool:
    found = _update(
        client,
        tables,
        email,
        "SET stage = :joined, joined_at = :at, #pending = :shard ADD mail :queued",
        "stage = :invited AND invite_revoked = :no",
        {
            ":joined": {"S": JOINED},
            ":invited": {"S": INVITED},
            ":no": {"BOOL": False},
            ":at": {"S": timestamp(at)},
            ":shard": {"S": pending_value(email)},
            ":queued": {"SS": [OWNER_JOINED]},
        },
    )
    return found is not None


def lead_of(item: Item | None) -> Lead | None:
    return item_lead(item) if item is not None else None
