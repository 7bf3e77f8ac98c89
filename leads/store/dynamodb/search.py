"""Search pages on DynamoDB: a Query on an index, never a Scan, at most `limit` items read.

With a domain, one Query on `by-domain`; its cursor is the index's LastEvaluatedKey. Without
one, the `by-day` index is walked newest day first; the day counters say which days hold
leads, so no request probes empty days. A day's leads are spread over DAY_PARTS partitions of
the index (a launch writes thousands a second on one day), read together and merged; the
cursor is the day, the place every part goes on below, and the parts read to their end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from leads.store.base import (
    InvalidCursor,
    Lead,
    Page,
    decode_cursor,
    encode_cursor,
    preview_word,
)
from leads.store.dynamodb.client import DynamoClient
from leads.store.dynamodb.items import (
    BY_DAY,
    BY_DOMAIN,
    DAY_PARTS,
    Item,
    Tables,
    day_part,
    item_lead,
    valid_sort_key,
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
    """Every lead newest first: day after day, newest first, each day's parts merged."""
    day: str | None
    if cursor:
        day, below, done = _day_position(cursor)
        older = _days(client, tables, before=day)
    else:
        older = _days(client, tables, before=None)
        day, below, done = next(older, None), None, frozenset()
    leads: list[Lead] = []
    budget = limit  # items read from the index, matching the filter or not
    # A round reads one item of each part at least: one starts while the budget allows that
    # (and always the first, so that a page smaller than DAY_PARTS still moves on).
    while (
        day is not None
        and len(leads) < limit
        and (budget == limit or budget >= DAY_PARTS - len(done))
    ):
        found, below, done, read = _day_round(
            client, tables, day, below, done, preview, budget, limit - len(leads)
        )
        leads += found
        budget -= read
        if len(done) == DAY_PARTS:  # every part of the day read to its end
            day, below, done = next(older, None), None, frozenset()
    if day is None:
        return Page(items=leads, next=None)
    state = {"m": "day", "d": day, "t": below, "x": sorted(done)}
    return Page(items=leads, next=encode_cursor(state))


def _day_round(
    client: DynamoClient,
    tables: Tables,
    day: str,
    below: str | None,
    done: frozenset[int],
    preview: bool | None,
    budget: int,
    wanted: int,
) -> tuple[list[Lead], str | None, frozenset[int], int]:
    """One round over the parts of a day not read to their end: the leads that certainly come
    next, the new bound (every part goes on below it), the parts read out, the items read.

    Each part is read newest first, a share of the budget each (one item at least, so a page
    smaller than DAY_PARTS reads DAY_PARTS items). A part that stopped early may still hold a
    lead newer than one another part returned: only leads at or above the highest place where
    a part stopped are certainly next; the others are read again in the next round.
    """
    parts = [n for n in range(DAY_PARTS) if n not in done]
    share = max(1, budget // len(parts))
    read, found, stops, finished = 0, [], [], set(done)
    for n in parts:
        query = _index_page_query(tables, BY_DAY, "day", day_part(day, n), preview, share, None)
        if below is not None:
            query["KeyConditionExpression"] += " AND sort_key < :below"
            query["ExpressionAttributeValues"][":below"] = {"S": below}
        response = client.call("query", **query)
        read += response["ScannedCount"]
        found += [(n, item) for item in response["Items"]]
        if "LastEvaluatedKey" in response:
            stops.append(response["LastEvaluatedKey"]["sort_key"]["S"])
        else:
            finished.add(n)
    found.sort(key=lambda part_item: part_item[1]["sort_key"]["S"], reverse=True)
    bound = max(stops, default=None)
    certain = [(n, i) for n, i in found if bound is None or i["sort_key"]["S"] >= bound]
    if len(certain) > wanted:  # a full page: go on below its last lead
        certain = certain[:wanted]
        bound = certain[-1][1]["sort_key"]["S"]
    if bound is not None:  # a part that returned leads below the bound is not read out yet
        finished -= {n for n, i in found if i["sort_key"]["S"] < bound}
    return [item_lead(i) for _, i in certain], bound, frozenset(finished), read


def _day_position(cursor: str) -> tuple[str, str | None, frozenset[int]]:
    state = decode_cursor(cursor)
    if state.get("m") != "day" or set(state) != {"m", "d", "t", "x"}:
        raise InvalidCursor(cursor)
    day, below, done = state["d"], state["t"], state["x"]
    try:
        date.fromisoformat(day)
    except (TypeError, ValueError):
        raise InvalidCursor(cursor) from None
    if len(day) != 10 or not isinstance(done, list):
        raise InvalidCursor(cursor)
    if not all(isinstance(n, int) and 0 <= n < DAY_PARTS for n in done):
        raise InvalidCursor(cursor)
    if below is not None and not (isinstance(below, str) and valid_sort_key(below, day)):
        raise InvalidCursor(cursor)
    return day, below, frozenset(done)


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


def start_key(cursor: str, key: Any, index_key: str, index_value: str) -> Item:
    """The ExclusiveStartKey that a cursor's position stands for, if we handed it out."""
    if not isinstance(key, dict) or set(key) != {"email", index_key, "sort_key"}:
        raise InvalidCursor(cursor)
    # Every key we hand out is ASCII (emails are, once their domain is IDNA-encoded).
    if not all(isinstance(value, str) and value.isascii() for value in key.values()):
        raise InvalidCursor(cursor)
    if key[index_key] != index_value or not valid_sort_key(key["sort_key"]):
        raise InvalidCursor(cursor)
    if not key["sort_key"].endswith("#" + key["email"]):
        raise InvalidCursor(cursor)
    return {name: {"S": value} for name, value in key.items()}


def position(key: Item) -> dict[str, str]:
    """A LastEvaluatedKey as plain strings, for a cursor."""
    return {name: value["S"] for name, value in key.items()}
