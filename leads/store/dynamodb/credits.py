"""Referral credits on DynamoDB, decided off the request by `settle()`, exactly once each.

A confirmation that came with a referral code carries it in `credit` (so its lead is in the
outbox). Deciding it reads the referrer and its credits of the day, and writes in one
transaction: the code off the referee (on condition it is still there: once only), and either
a withheld record or the credit itself (the referrer's credits and score, on condition that
nobody moved them since they were read; the day's count; the top referrers' list). A cancelled
transaction is tried again on the next round; nothing is lost, nothing counted twice. One
worker decides them in turn, so crediting one referrer from many confirmations at once never
contends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from leads import referrals
from leads.store import line
from leads.store.dynamodb import outbox
from leads.store.dynamodb.client import Contended, DynamoClient
from leads.store.dynamodb.items import (
    CREDITS,
    TOP,
    WITHHELD,
    Item,
    Tables,
    counter_key,
    item_lead,
    timestamp,
)
from leads.store.dynamodb.line import owner_of, top_key
from leads.store.records import Lead

BATCH = 100


def settle(client: DynamoClient, tables: Tables) -> int:
    """Decide every credit waiting in the outbox; returns how many were decided."""
    decided = 0
    for item in outbox.items(client, tables, BATCH, only="attribute_exists(credit)"):
        try:
            decided_now = decide(client, tables, item)
        except Contended:  # another worker is deciding this referrer's credits: next round
            continue
        if decided_now:
            outbox.leave_if_done(client, tables, item["email"]["S"])
            decided += 1
    return decided


def decide(client: DynamoClient, tables: Tables, item: Item) -> bool:
    referee = item_lead(item)
    code = item["credit"]["S"]
    at = referee.confirmed_at or datetime.now(UTC)
    done: dict[str, Any] = {
        "TableName": tables.leads,
        "Key": {"email": item["email"]},
        "UpdateExpression": "REMOVE credit",
        "ConditionExpression": "credit = :code",
        "ExpressionAttributeValues": {":code": {"S": code}},
    }
    owner = owner_of(client, tables, code)
    found = client.get_item(tables.leads, {"email": {"S": owner}}) if owner else None
    if found is None or owner == referee.email:
        return client.transact([{"Update": done}])  # no such referrer (any more): nothing to do
    referrer = item_lead(found)
    day = at.date().isoformat()
    day_key = counter_key(CREDITS, f"{referrer.email}#{day}")
    day_item = client.get_item(tables.counters, day_key) or {}
    net = referrals.confirming_network(referee)
    net_name = f"net:{net}" if net else ""
    credited = int(day_item.get("n", {}).get("N", "0"))
    reason = referrals.withheld_reason(
        referrer,
        referee,
        credited_today=credited,
        from_network_today=int(day_item.get(net_name, {}).get("N", "0")) if net else 0,
    )
    if reason:
        key = f"{timestamp(at)}#{referee.email}"
        record = {
            **counter_key(WITHHELD, key),
            "referrer": {"S": referrer.email},
            "referee": {"S": referee.email},
            "reason": {"S": reason},
            "at": {"S": at.isoformat()},
        }
        done["UpdateExpression"] = "SET withheld_key = :wk REMOVE credit"
        done["ExpressionAttributeValues"][":wk"] = {"S": key}
        return client.transact(
            [{"Update": done}, {"Put": {"TableName": tables.counters, "Item": record}}]
        )
    parts = [{"Update": done}, {"Update": _count_day(tables, day_key, credited, net_name)}]
    parts += _credit(tables, found, referrer)
    return client.transact(parts)


def _count_day(tables: Tables, key: Item, credited: int, net_name: str) -> dict[str, Any]:
    values: dict[str, Any] = {":one": {"N": "1"}}
    expression = "ADD n :one"
    names = {}
    if net_name:
        expression += ", #net :one"
        names["#net"] = net_name
    if credited:
        condition = "n = :n"
        values[":n"] = {"N": str(credited)}
    else:
        condition = "attribute_not_exists(n)"
    update: dict[str, Any] = {
        "TableName": tables.counters,
        "Key": key,
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    if names:
        update["ExpressionAttributeNames"] = names
    return update


def _credit(tables: Tables, item: Item, referrer: Lead) -> list[dict[str, Any]]:
    """The referrer's side of a credit: its count and score (and rank, while it waits), on
    condition that they are still what was read; its entry in the top referrers."""
    values: dict[str, Any] = {":one": {"N": "1"}}
    expression = "ADD credits :one"
    condition = "attribute_exists(email)"
    if referrer.score is not None:
        score = referrer.score - settings.REFERRAL_BOOST
        expression = f"SET score = :score{', #rank = :rank' if referrer.rank else ''} " + expression
        values |= {":score": {"N": str(score)}, ":old": {"N": str(referrer.score)}}
        condition = "score = :old"
        if referrer.rank is not None and referrer.seq is not None:
            values[":rank"] = {"S": line.rank_text(line.rank(score, referrer.seq))}
    update: dict[str, Any] = {
        "TableName": tables.leads,
        "Key": {"email": item["email"]},
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    if ":rank" in values:
        update["ExpressionAttributeNames"] = {"#rank": "rank"}
    parts: list[dict[str, Any]] = [{"Update": update}]
    email = referrer.email
    if referrer.credits:
        old = counter_key(TOP, top_key(referrer.credits, email))
        parts.append({"Delete": {"TableName": tables.counters, "Key": old}})
    new = {**counter_key(TOP, top_key(referrer.credits + 1, email)), "email": {"S": email}}
    parts.append({"Put": {"TableName": tables.counters, "Item": new}})
    return parts


def forget(client: DynamoClient, tables: Tables, item: Item) -> None:
    """After an erasure: the lead's code, its top-referrer entry, its credits of each day and
    the withheld records that name it (as referee, or as referrer)."""
    lead = item_lead(item)
    keys = []
    if lead.ref_code:
        keys.append(counter_key("ref", lead.ref_code))
    if lead.credits:
        keys.append(counter_key(TOP, top_key(lead.credits, lead.email)))
    if "withheld_key" in item:
        keys.append(counter_key(WITHHELD, item["withheld_key"]["S"]))
    for found in client.query_items(
        TableName=tables.counters,
        KeyConditionExpression="#kind = :kind AND begins_with(#key, :prefix)",
        ExpressionAttributeNames={"#kind": "kind", "#key": "key"},
        ExpressionAttributeValues={":kind": {"S": CREDITS}, ":prefix": {"S": f"{lead.email}#"}},
    ):
        keys.append(counter_key(CREDITS, found["key"]["S"]))
    for found in client.query_items(
        TableName=tables.counters,
        KeyConditionExpression="#kind = :kind",
        FilterExpression="referrer = :email",
        ExpressionAttributeNames={"#kind": "kind"},
        ExpressionAttributeValues={":kind": {"S": WITHHELD}, ":email": {"S": lead.email}},
    ):
        keys.append(counter_key(WITHHELD, found["key"]["S"]))
    for key in keys:
        client.call("delete_item", TableName=tables.counters, Key=key)
