"""A joiner's changes on DynamoDB: the signup's ask, confirming, unsubscribing, the answer.

Each is one UpdateItem on the lead's own item, so joiners never contend with each other; the
counters follow from the stream (tally.py), and what the change queues is on the same item
(the outbox, see items.py) in the same write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leads import referrals
from leads.store import line
from leads.store.dynamodb.client import ATTEMPTS, DynamoClient, Refused
from leads.store.dynamodb.items import PENDING as PENDING_INDEX
from leads.store.dynamodb.items import (
    REF,
    SEQUENCE,
    WAITING,
    Item,
    Tables,
    consent_value,
    counter_key,
    item_lead,
    lead_item,
    pending_value,
    timestamp,
)
from leads.store.errors import StoreUnavailable
from leads.store.records import CONFIRMED, MAILS, PENDING, WELCOME, Consent, Lead

# A signup, new or known, is this one write: every attribute of the lead is set only if it is
# missing, so a known lead is never overwritten, and the ask is recorded either way. A lead
# stored before confirmation existed has no stage: submitted again, it is asked to confirm.
_KEEP = ("name", "preview", "domain", "created_at", "day", "sort_key", "stage")


def add(client: DynamoClient, tables: Tables, lead: Lead) -> bool:
    item = lead_item(lead)
    keep = (*_KEEP, "referred_by") if "referred_by" in item else _KEEP
    expression = (
        "SET "
        + ", ".join(f"#{n} = if_not_exists(#{n}, :{n})" for n in keep)
        + ", answered = if_not_exists(answered, :zero), #pending = :shard ADD asks :one"
    )
    values = {f":{n}": item[n] for n in keep}
    values |= {
        ":zero": {"N": "0"},
        ":one": {"N": "1"},
        ":shard": {"S": pending_value(lead.email)},
    }
    response = client.call(
        "update_item",
        TableName=tables.leads,
        Key={"email": item["email"]},
        UpdateExpression=expression,
        ExpressionAttributeNames={f"#{n}": n for n in (*keep, "pending")},
        ExpressionAttributeValues=values,
        ReturnValues="ALL_OLD",
    )
    old = response.get("Attributes")
    if not old:
        return True
    # A write whose answer was lost (a read timeout) is retried (wire.py): if the first try went
    # through, the stored item is this very signup, not a known email.
    return all(old.get(name) == item[name] for name in ("sort_key", "name"))


def _update(
    client: DynamoClient,
    tables: Tables,
    email: str,
    expression: str,
    condition: str,
    values: dict[str, Any],
    names: dict[str, str] | None = None,
) -> Item | None:
    """One conditional UpdateItem on a lead: the item afterwards, or None if the condition
    failed."""
    params: dict[str, Any] = {
        "TableName": tables.leads,
        "Key": {"email": {"S": email}},
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ReturnValues": "ALL_NEW",
    }
    if values:
        params["ExpressionAttributeValues"] = values
    if names:
        params["ExpressionAttributeNames"] = names
    try:
        response = client.call("update_item", expect=("ConditionalCheckFailedException",), **params)
    except Refused:
        return None
    return response["Attributes"]


def ask(client: DynamoClient, tables: Tables, email: str) -> bool:
    if not email:
        return False
    found = _update(
        client,
        tables,
        email,
        "SET #pending = :shard, answered = if_not_exists(answered, :zero) ADD asks :one",
        "attribute_exists(sort_key)",
        {":shard": {"S": pending_value(email)}, ":one": {"N": "1"}, ":zero": {"N": "0"}},
        {"#pending": PENDING_INDEX},
    )
    return found is not None


def confirm(
    client: DynamoClient, tables: Tables, email: str, consent: Consent, at: datetime
) -> Item | None:
    """Confirm a pending lead: its number in the line, its referral code (an item of its own,
    so that the code finds the lead), and what to send, in one transaction. The stored item
    afterwards, or None if no lead has this email."""
    for _ in range(ATTEMPTS):
        item = client.get_item(tables.leads, {"email": {"S": email}})
        if item is None or item.get("stage", {}).get("S") != PENDING:
            return item
        seq = next_seq(client, tables)
        code = referrals.new_code()
        values: dict[str, Any] = {
            ":confirmed": {"S": CONFIRMED},
            ":pending": {"S": PENDING},
            ":at": {"S": timestamp(at)},
            ":consent": consent_value(consent),
            ":true": {"BOOL": True},
            ":shard": {"S": pending_value(email)},
            ":welcome": {"SS": [WELCOME]},
            ":seq": {"N": str(seq)},
            ":waiting": {"S": WAITING},
            ":rank": {"S": line.rank_text(line.rank(seq, seq))},
            ":code": {"S": code},
        }
        expression = (
            "SET stage = :confirmed, confirmed_at = :at, consent = :consent, notify = :true, "
            "#pending = :shard, seq = :seq, score = :seq, waiting = :waiting, #rank = :rank, "
            "ref_code = :code"
        )
        referred_by = referrals.clean_code(item_lead(item).referred_by)
        if referred_by:  # decided by settle(), off the request (see dynamodb/credits.py)
            expression += ", credit = :ref"
            values[":ref"] = {"S": referred_by}
        update = {
            "TableName": tables.leads,
            "Key": {"email": {"S": email}},
            "UpdateExpression": expression + " REMOVE unsubscribed_at ADD mail :welcome",
            "ConditionExpression": "stage = :pending",
            "ExpressionAttributeNames": {"#pending": PENDING_INDEX, "#rank": "rank"},
            "ExpressionAttributeValues": values,
        }
        owner = {
            "TableName": tables.counters,
            "Item": {**counter_key(REF, code), "email": {"S": email}},
            "ConditionExpression": "attribute_not_exists(#kind)",
            "ExpressionAttributeNames": {"#kind": "kind"},
        }
        if client.transact([{"Update": update}, {"Put": owner}]):
            return client.get_item(tables.leads, {"email": {"S": email}})
        # Confirmed meanwhile (the next read says so), or the code was taken: again.
    raise StoreUnavailable("DynamoDB: the lead kept changing while it was being confirmed")


def next_seq(client: DynamoClient, tables: Tables) -> int:
    """The next confirmation number: an atomic counter (a number lost to a failed confirmation
    leaves a gap, which changes no one's order)."""
    response = client.call(
        "update_item",
        TableName=tables.counters,
        Key=counter_key(SEQUENCE, "line"),
        UpdateExpression="ADD #value :one",
        ExpressionAttributeNames={"#value": "value"},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"]["value"]["N"])


def unsubscribe(client: DynamoClient, tables: Tables, email: str, at: datetime) -> Item | None:
    # Mail queued for the lead goes with it (the asks count as answered); the owner's messages
    # about it stay.
    return _update(
        client,
        tables,
        email,
        "SET unsubscribed_at = :at, answered = if_not_exists(asks, :zero) DELETE mail :mails",
        "attribute_exists(sort_key) AND attribute_not_exists(unsubscribed_at)",
        {":at": {"S": timestamp(at)}, ":zero": {"N": "0"}, ":mails": {"SS": list(MAILS)}},
    )


def set_preview(client: DynamoClient, tables: Tables, email: str, word: str) -> Item | None:
    return _update(
        client,
        tables,
        email,
        "SET preview = :p",
        "attribute_exists(sort_key)",
        {":p": {"S": word}},
    )


def lead_or_none(item: Item | None) -> Lead | None:
    return item_lead(item) if item is not None else None
