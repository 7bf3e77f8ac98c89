"""Adopting a table that the lab's code wrote: a one-time step, apart from the recount.

The lab stored `name`, `email` (as typed) and `preview` only. Adopting a lead gives it what our
indexes need (`domain`, `created_at`, `day`, `sort_key`), moves it to its lower-case key, and
the stream tally counts it (as it counts every change), so it is safe while signups arrive and
safe to rerun. When
no lab table is left to adopt, this module and its command can go without touching the recount.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from leads.store.base import AdoptionReport
from leads.store.dynamodb.client import DynamoClient
from leads.store.dynamodb.items import Item, Tables, derived

UNADOPTED = "attribute_exists(email) AND attribute_not_exists(sort_key)"


def _adopt(
    client: DynamoClient, tables: Tables, item: Item, now: datetime
) -> tuple[Item | None, bool]:
    """Give a lead the lab wrote what our indexes need, in one write (the tally counts it).

    Returns the lead as adopted (None if it vanished or was adopted meanwhile) and whether a
    lab copy was removed. The lab kept addresses as typed; ours are lower-case, so a lead such
    as Ann@X.com moves to ann@x.com, and if that person has signed up again through us, the
    lab's copy goes. The lab stored no signup time, so such a lead is stamped with the time of
    the adoption (when we first saw it). It is not made pending: the lab's code already
    notified the owner.
    """
    email = item["email"]["S"]
    normal = email.lower()
    created_at = item.get("created_at", {}).get("S")
    adopted = {
        **item,
        "email": {"S": normal},
        **derived(normal, datetime.fromisoformat(created_at) if created_at else now),
    }
    if normal == email:
        update = {
            "TableName": tables.leads,
            "Key": {"email": item["email"]},
            "UpdateExpression": "SET #d = :domain, created_at = :c, #day = :day, sort_key = :k",
            "ConditionExpression": UNADOPTED,
            "ExpressionAttributeNames": {"#d": "domain", "#day": "day"},
            "ExpressionAttributeValues": {
                ":domain": adopted["domain"],
                ":c": adopted["created_at"],
                ":day": adopted["day"],
                ":k": adopted["sort_key"],
            },
        }
        return (adopted if client.transact([{"Update": update}]) else None), False
    remove = {
        "TableName": tables.leads,
        "Key": {"email": item["email"]},
        "ConditionExpression": UNADOPTED,
    }
    move = {
        "TableName": tables.leads,
        "Item": adopted,
        "ConditionExpression": "attribute_not_exists(email)",
    }
    if client.transact([{"Delete": remove}, {"Put": move}]):
        return adopted, False
    ours = client.get_item(tables.leads, {"email": {"S": normal}})
    if ours is not None and client.transact([{"Delete": remove}]):
        return None, True  # the person is a lead of ours already, counted as such
    return None, False  # erased, or adopted by another run, while we were reading


def adopt_lab_leads(client: DynamoClient, tables: Tables) -> AdoptionReport:
    """Adopt every lead the lab wrote, reading the table page by page (a consistent Scan)."""
    now = datetime.now(UTC)
    adopted = merged = skipped = 0
    params: dict[str, Any] = {"TableName": tables.leads, "ConsistentRead": True}
    while True:
        response = client.call("scan", **params)
        for item in response["Items"]:
            email = item["email"]["S"]
            local, _, domain = email.rpartition("@")
            if not local or not domain:
                skipped += 1
            elif "sort_key" not in item:  # a lead moved to its lower-case key has one
                lead, removed = _adopt(client, tables, item, now)
                merged += removed
                adopted += lead is not None
        if "LastEvaluatedKey" not in response:
            break
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return AdoptionReport(adopted=adopted, merged=merged, skipped=skipped)
