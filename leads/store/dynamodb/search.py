"""Search pages on DynamoDB: a Query on an index, never a Scan, at most `limit` items read.

With a domain, one Query on `by-domain`. Without one, the `by-day` index is walked newest day
first; the day counters say which days hold leads, so no request probes empty days. The cursor
is the index's LastEvaluatedKey (and, for the day walk, the day it belongs to).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from leads.store.base import InvalidCursor, Page, decode_cursor, encode_cursor, preview_word
from leads.store.dynamodb.client import DynamoClient
from leads.store.dynamodb.items import (
    BY_DAY,
    BY_DOMAIN,
    Item,
    Tables,
    item_lead,
    position,
    start_key,
)


def _index_page_query(
    tables: Tables,
    index: str,
    key_name: str,
    key_value: str,
    preview: bool | None,
    limit: int,
    start: Item | None,
) -> dict[str, Any]:
    """The parameters of a Query for one page of an index, newest first."""
    params: dict[str, Any] = {
        "TableName": tables.leads,
        "IndexName": index,
        "KeyConditionExpression": "#k = :k",
        "ExpressionAttributeNames": {"#k": key_name},
        "ExpressionAttributeValues": {":k": {"S": key_value}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if preview is not None:
        params["FilterExpression"] = "#p = :p"
        params["ExpressionAttributeNames"]["#p"] = "preview"
        params["ExpressionAttributeValues"][":p"] = {"S": preview_word(preview)}
    if start is not None:
        params["ExclusiveStartKey"] = start
    return params


def search(
    client: DynamoClient,
    tables: Tables,
    *,
    domain: str | None,
    preview: bool | None,
    cursor: str | None,
    limit: int,
) -> Page:
    if domain is not None:
        return _domain_page(client, tables, domain, preview, cursor, limit)
    return _day_walk(client, tables, preview, cursor, limit)


def _domain_page(
    client: DynamoClient,
    tables: Tables,
    domain: str,
    preview: bool | None,
    cursor: str | None,
    limit: int,
) -> Page:
    start = None
    if cursor:
        state = decode_cursor(cursor)
        if state.get("m") != "domain" or set(state) != {"m", "k"}:
            raise InvalidCursor(cursor)
        start = start_key(cursor, state["k"], "domain", domain)
    query = _index_page_query(tables, BY_DOMAIN, "domain", domain, preview, limit, start)
    response = client.call("query", **query)
    items = [item_lead(item) for item in response["Items"]]
    last = response.get("LastEvaluatedKey")
    following = encode_cursor({"m": "domain", "k": position(last)}) if last else None
    return Page(items=items, next=following)


def _day_walk(
    client: DynamoClient, tables: Tables, preview: bool | None, cursor: str | None, limit: int
) -> Page:
    day: str | None
    if cursor:
        day, start = _day_position(cursor)
        older = _days(client, tables, before=day)
    else:
        older = _days(client, tables, before=None)
        day, start = next(older, None), None
    leads = []
    budget = limit  # items read from the index, matching the filter or not
    while day is not None and budget > 0:
        query = _index_page_query(tables, BY_DAY, "day", day, preview, budget, start)
        response = client.call("query", **query)
        leads += [item_lead(item) for item in response["Items"]]
        budget -= response["ScannedCount"]
        start = response.get("LastEvaluatedKey")
        if start is None:
            day = next(older, None)
    if day is None:
        return Page(items=leads, next=None)
    state = {"m": "day", "d": day, "k": position(start) if start else None}
    return Page(items=leads, next=encode_cursor(state))


def _day_position(cursor: str) -> tuple[str, Item | None]:
    state = decode_cursor(cursor)
    if state.get("m") != "day" or set(state) != {"m", "d", "k"}:
        raise InvalidCursor(cursor)
    day = state["d"]
    try:
        date.fromisoformat(day)
    except (TypeError, ValueError):
        raise InvalidCursor(cursor) from None
    if len(day) != 10:
        raise InvalidCursor(cursor)
    start = None if state["k"] is None else start_key(cursor, state["k"], "day", day)
    return day, start


def _days(client: DynamoClient, tables: Tables, *, before: str | None) -> Iterator[str]:
    """The days (before `before`) that have leads, newest first, from the day counters.

    Lazy: the counters are queried a few dozen days at a time, only as the walk needs them.
    """
    condition = "#kind = :kind" + ("" if before is None else " AND #key < :before")
    values: dict[str, Any] = {":kind": {"S": "day"}, ":zero": {"N": "0"}}
    if before is not None:
        values[":before"] = {"S": before}
    items = client.query_items(
        TableName=tables.counters,
        KeyConditionExpression=condition,
        FilterExpression="#total > :zero",
        ExpressionAttributeNames={
            "#kind": "kind",
            "#total": "total",
            **({"#key": "key"} if before else {}),
        },
        ExpressionAttributeValues=values,
        ScanIndexForward=False,
        Limit=31,
    )
    return (item["key"]["S"] for item in items)
