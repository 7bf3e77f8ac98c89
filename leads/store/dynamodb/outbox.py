"""The outbox on DynamoDB: the sparse `pending` index, read by partition; marks that clear it.

A mark takes one thing off a lead's outbox. Most of the time it is the last thing due, so the
first try also takes the lead out of the index, on condition that nothing else is due; if
something is, the second try takes off just that one thing. One write either way, two at most.
"""

from __future__ import annotations

import contextlib
import math
import re
from datetime import datetime
from typing import Any

from leads.store.dynamodb.client import DynamoClient, Refused
from leads.store.dynamodb.items import (
    PENDING,
    PENDING_SHARDS,
    PENDING_VALUES,
    Item,
    Tables,
    item_due,
    timestamp,
)
from leads.store.records import OWNER_INVITED, OWNER_JOINED, Due

_NO_ASKS = "(attribute_not_exists(asks) OR answered >= asks)"
_NOTHING_QUEUED = "attribute_not_exists(mail) AND attribute_not_exists(credit)"
_NO_NOTIFY = "attribute_not_exists(notify)"
_NOTIFY_DUE = "(attribute_exists(notify) OR attribute_not_exists(stage))"
# A read's filter: the notification, or a message to the owner queued with the lead's mail.
_OWNER_DUE = f"{_NOTIFY_DUE[:-1]} OR contains(mail, :oi) OR contains(mail, :oj))"
_OWNER_KINDS = {":oi": {"S": OWNER_INVITED}, ":oj": {"S": OWNER_JOINED}}


def read(
    client: DynamoClient,
    tables: Tables,
    limit: int,
    *,
    notify_only: bool,
    before: datetime | None,
) -> list[Due]:
    only, values = (_OWNER_DUE, _OWNER_KINDS) if notify_only else (None, None)
    found = items(client, tables, limit, only=only, values=values, before=before)
    return [item_due(item) for item in found]


def items(
    client: DynamoClient,
    tables: Tables,
    limit: int,
    *,
    only: str | None = None,
    values: dict[str, Any] | None = None,
    before: datetime | None = None,
) -> list[Item]:
    """The outbox's items, oldest signup first; `only`: a filter expression on them."""
    # The oldest of each partition, merged: a share of `limit` each, so that a round reads
    # about `limit` items however long the backlog (a lead left out comes next round).
    share = math.ceil(max(1, limit) / PENDING_SHARDS) + 1
    condition = "#pending = :p"
    if before is not None:  # the index's sort key starts with the signup time
        condition += " AND sort_key < :before"
    found: list[Item] = []
    for value in PENDING_VALUES:
        params: dict[str, Any] = {
            "TableName": tables.leads,
            "IndexName": PENDING,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": {"#pending": PENDING},
            "ExpressionAttributeValues": {":p": {"S": value}},
            "ScanIndexForward": True,
            "Limit": share,
        }
        if before is not None:
            params["ExpressionAttributeValues"][":before"] = {"S": timestamp(before)}
        if only:
            params["FilterExpression"] = only
            params["ExpressionAttributeValues"] |= values or {}
        found += client.call("query", **params)["Items"]
    found.sort(key=lambda item: item["sort_key"]["S"])
    return found[: max(1, limit)]


def _mark(
    client: DynamoClient,
    tables: Tables,
    email: str,
    *,
    set_or_remove: str,
    condition: str,
    nothing_else: str,
    values: dict[str, Any] | None = None,
) -> bool:
    """Apply one mark (an update expression's clauses) if `condition` holds; with it, take the
    lead out of the outbox when `nothing_else` is due too. True if the mark was written."""
    values = values or {}
    for expression, when in (
        (_with_remove(set_or_remove, "#pending"), f"{condition} AND {nothing_else}"),
        (set_or_remove, condition),
    ):
        params: dict[str, Any] = {
            "TableName": tables.leads,
            "Key": {"email": {"S": email}},
            "UpdateExpression": expression,
            "ConditionExpression": f"attribute_exists(#pending) AND {when}",
            "ExpressionAttributeNames": {"#pending": PENDING},
        }
        # DynamoDB refuses a value that the expressions do not use.
        used = {
            k: v
            for k, v in values.items()
            if re.search(re.escape(k) + r"\b", expression + " " + when)
        }
        if used:
            params["ExpressionAttributeValues"] = used
        try:
            client.call("update_item", expect=("ConditionalCheckFailedException",), **params)
            return True
        except Refused:
            continue
    return False


def _with_remove(expression: str, name: str) -> str:
    if "REMOVE " in expression:
        return expression.replace("REMOVE ", f"REMOVE {name}, ", 1)
    return f"{expression} REMOVE {name}"


def mark_notified(client: DynamoClient, tables: Tables, email: str) -> None:
    # Not written: already marked, or erased meanwhile; nothing left to record either way.
    _mark(
        client,
        tables,
        email,
        set_or_remove="REMOVE notify",
        condition=_NOTIFY_DUE,
        nothing_else=f"{_NOTHING_QUEUED} AND {_NO_ASKS}",
    )


def mark_answered(client: DynamoClient, tables: Tables, due: Due, mailed: bool, today: str) -> bool:
    values: dict[str, Any] = {":asks": {"N": str(due.asks)}, ":was": {"N": str(due.answered)}}
    expression = "SET answered = :asks"
    if mailed:
        expression += ", mail_day = :day, mail_n = :n"
        values |= {":day": {"S": today}, ":n": {"N": str(due.mailed_on(today) + 1)}}
    return _mark(
        client,
        tables,
        due.lead.email,
        set_or_remove=expression,
        condition="answered = :was"
        if due.answered
        else "(attribute_not_exists(answered) OR answered = :was)",
        nothing_else=f"{_NO_NOTIFY} AND {_NOTHING_QUEUED} AND asks <= :asks",
        values=values,
    )


def mark_mailed(client: DynamoClient, tables: Tables, email: str, kind: str) -> None:
    _mark(
        client,
        tables,
        email,
        set_or_remove="DELETE mail :kind",
        condition="contains(mail, :k)",
        nothing_else=f"{_NO_NOTIFY} AND {_NO_ASKS} AND size(mail) = :one",
        values={":kind": {"SS": [kind]}, ":k": {"S": kind}, ":one": {"N": "1"}},
    )


def leave_if_done(client: DynamoClient, tables: Tables, email: str) -> None:
    """Take the lead out of the outbox if nothing is due any more (after an unsubscribe)."""
    with contextlib.suppress(Refused):
        client.call(
            "update_item",
            TableName=tables.leads,
            Key={"email": {"S": email}},
            UpdateExpression="REMOVE #pending",
            ConditionExpression=(
                f"attribute_exists(#pending) AND attribute_exists(stage) AND {_NO_NOTIFY} "
                f"AND {_NOTHING_QUEUED} AND {_NO_ASKS}"
            ),
            ExpressionAttributeNames={"#pending": PENDING},
            expect=("ConditionalCheckFailedException",),
        )
