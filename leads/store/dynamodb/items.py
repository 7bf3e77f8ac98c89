"""The DynamoDB layout: table and index names, and how a lead becomes an item and back.

Leads table, partition key `email`: `name`, `email`, `preview` ("Yes"/"No") as the lab wrote
them, plus `domain`, `created_at` (fixed-width ISO 8601 UTC), `day` (yyyy-mm-dd) and `sort_key`
(`created_at#email`: newest first, ties by email, as the port's contract says), and `pending`
only while the new-signup notification is unsent (a sparse index). Global secondary indexes:
`by-domain` (domain, sort_key), `by-day` (day, sort_key), `pending` (pending, sort_key).

Counters table, key (`kind`, `key`): ("domain", "x.com") with `total` and `preview_yes`,
("day", "2026-11-28") and ("total", "all") with `total`. It is only ever read with Query/GetItem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from leads.store.base import InvalidCursor, Lead, preview_word

Item = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Tables:
    leads: str
    counters: str


BY_DOMAIN, BY_DAY, PENDING = "by-domain", "by-day", "pending"
INDEXES = {BY_DOMAIN: "domain", BY_DAY: "day", PENDING: "pending"}  # index -> partition key
PENDING_VALUE = "yes"
# Leads the lab wrote carry no signup time; until `rebuildcounts` stamps them they read as this.
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
# A quoted local part may hold an "@" ("a@b"@x.com, which the lab's code stored as typed).
_SORT_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#.+@[^@]+")


def timestamp(moment: datetime) -> str:
    """Fixed-width ISO 8601 in UTC, so that the strings sort as the times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def derived(email: str, created_at: datetime) -> Item:
    """The attributes that our indexes and counters need, beyond what the lab wrote."""
    stamp = timestamp(created_at)
    return {
        "domain": {"S": email.rpartition("@")[2].lower()},  # the lab did not lower-case
        "created_at": {"S": stamp},
        "day": {"S": stamp[:10]},
        "sort_key": {"S": f"{stamp}#{email}"},
    }


def lead_item(lead: Lead) -> Item:
    return {
        "email": {"S": lead.email},
        "name": {"S": lead.name},
        "preview": {"S": preview_word(lead.preview)},
        **derived(lead.email, lead.created_at),
    }


def wants_preview(item: Item) -> bool:
    return item.get("preview", {}).get("S") == preview_word(True)


def item_lead(item: Item) -> Lead:
    created_at = item.get("created_at", {}).get("S")
    return Lead(
        name=item.get("name", {}).get("S", ""),
        email=item["email"]["S"],
        preview=wants_preview(item),
        created_at=datetime.fromisoformat(created_at) if created_at else UNKNOWN_TIME,
    )


def counter_key(kind: str, key: str) -> Item:
    return {"kind": {"S": kind}, "key": {"S": key}}


def counter_updates(table: str, item: Item, step: int) -> list[dict]:
    """The transaction parts that move a lead's domain, day and total counters by `step`."""
    yes = step if wants_preview(item) else 0
    targets = [
        (counter_key("domain", item["domain"]["S"]), yes),
        (counter_key("day", item["day"]["S"]), None),
        (counter_key("total", "all"), None),
    ]
    updates = []
    for key, preview_step in targets:
        values = {":n": {"N": str(step)}}
        expression = "ADD #total :n"
        if preview_step is not None:
            values[":y"] = {"N": str(preview_step)}
            expression += ", preview_yes :y"
        update = {
            "TableName": table,
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": {"#total": "total"},
            "ExpressionAttributeValues": values,
        }
        updates.append({"Update": update})
    return updates


def start_key(cursor: str, key: Any, index_key: str, index_value: str) -> Item:
    """The ExclusiveStartKey that a cursor's position stands for, if we handed it out."""
    if not isinstance(key, dict) or set(key) != {"email", index_key, "sort_key"}:
        raise InvalidCursor(cursor)
    # Every key we hand out is ASCII (emails are, once their domain is IDNA-encoded).
    if not all(isinstance(value, str) and value.isascii() for value in key.values()):
        raise InvalidCursor(cursor)
    if key[index_key] != index_value or not _SORT_KEY.fullmatch(key["sort_key"]):
        raise InvalidCursor(cursor)
    if not key["sort_key"].endswith("#" + key["email"]):
        raise InvalidCursor(cursor)
    return {name: {"S": value} for name, value in key.items()}


def position(key: Item) -> dict[str, str]:
    """A LastEvaluatedKey as plain strings, for a cursor."""
    return {name: value["S"] for name, value in key.items()}
