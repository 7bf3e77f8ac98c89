"""Counting from the leads table's stream: the counters move in batches, off the signup's path.

Why not in the signup's own transaction, as before: every signup then wrote the grand total and
today's counter, and DynamoDB cancels a transaction while another one is in flight on any of
its items. At launch-day rates most signups were cancelled, retried and answered 503, and one
item takes at most 1,000 write units a second (2 per transactional write). Here a signup is one
conditional PutItem on its own item; the stream (NEW_AND_OLD_IMAGES) carries each change to the
tally, which adds up a batch of records and applies it as one transaction per 90 counters,
together with its place in the stream shard. That place is the transaction's condition, so a
batch is applied exactly once however often it is read: by the worker, by a second worker, or
by a rebuild. Counters settle as fast as the tally runs (the worker polls every second).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from leads.store.dynamodb.client import Contended, DynamoClient, Refused
from leads.store.dynamodb.items import (
    CounterKey,
    Figures,
    Item,
    Tables,
    counter_deltas,
    counter_key,
    counter_update,
)

CHECKPOINT = "stream"  # the counters table's kind for a stream shard's place
MAX_COUNTERS = 90  # a transaction holds 100 parts: the counters of a batch, plus its place
RECORDS_PER_READ = 1000


def stream_arn(client: DynamoClient, tables: Tables) -> str:
    table = client.call("describe_table", TableName=tables.leads)["Table"]
    arn = table.get("LatestStreamArn")
    if not arn or not table.get("StreamSpecification", {}).get("StreamEnabled"):
        raise Refused("StreamDisabled", {"message": f"{tables.leads} has no stream"})
    return arn


def settle(client: DynamoClient, tables: Tables) -> int:
    """Apply every stream record not counted yet; returns how many records were read."""
    arn = stream_arn(client, tables)
    places = _places(client, tables)
    shards = _shards(client, arn)
    listed = {shard["ShardId"] for shard in shards}
    read = 0
    for shard in shards:
        shard_id = shard["ShardId"]
        if places.get(shard_id, {}).get("done"):
            continue
        parent = shard.get("ParentShardId", "")
        if parent in listed and not places.get(parent, {}).get("done"):
            continue  # a child's records come after its parent's: next round
        read += _drain(client, tables, arn, shard_id, places.get(shard_id, {}))
    return read


def counts_as_of(client: DynamoClient, tables: Tables) -> datetime | None:
    """When the tally last found every open shard caught up; None if it never ran."""
    moments = [
        datetime.fromisoformat(place["as_of"])
        for place in _places(client, tables).values()
        if not place.get("done") and place.get("as_of")
    ]
    return min(moments) if moments else None


def _shards(client: DynamoClient, arn: str) -> list[dict]:
    shards: list[dict] = []
    params: dict[str, Any] = {"StreamArn": arn}
    while True:
        description = client.stream_call("describe_stream", **params)["StreamDescription"]
        shards += description.get("Shards", [])
        last = description.get("LastEvaluatedShardId")
        if not last:
            return shards
        params["ExclusiveStartShardId"] = last


def _places(client: DynamoClient, tables: Tables) -> dict[str, dict[str, Any]]:
    items = client.query_items(
        TableName=tables.counters,
        KeyConditionExpression="#kind = :kind",
        ExpressionAttributeNames={"#kind": "kind"},
        ExpressionAttributeValues={":kind": {"S": CHECKPOINT}},
        ConsistentRead=True,
    )
    return {
        item["key"]["S"]: {
            "seq": item.get("seq", {}).get("S"),
            "done": item.get("done", {}).get("BOOL", False),
            "as_of": item.get("as_of", {}).get("S"),
        }
        for item in items
    }


def _drain(
    client: DynamoClient, tables: Tables, arn: str, shard_id: str, place: dict[str, Any]
) -> int:
    """Read one shard from its place to its end; apply what it holds, batch by batch."""
    seq = place.get("seq")
    iterator_params: dict[str, Any] = {"StreamArn": arn, "ShardId": shard_id}
    if seq:
        iterator_params |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": seq}
    else:
        iterator_params["ShardIteratorType"] = "TRIM_HORIZON"
    iterator = client.stream_call("get_shard_iterator", **iterator_params).get("ShardIterator")
    read = 0
    while iterator:
        response = client.stream_call("get_records", ShardIterator=iterator, Limit=RECORDS_PER_READ)
        records = response.get("Records", [])
        iterator = response.get("NextShardIterator")
        read += len(records)
        for batch in _batches(records):
            last = batch[-1]["dynamodb"]["SequenceNumber"]
            if not _apply(client, tables, shard_id, seq, last, batch):
                return read  # another tally applied it first: the next round starts from there
            seq = last
        if not records:
            break  # caught up with an open shard (a closed one ends without an iterator)
    _mark_caught_up(client, tables, shard_id, seq, done=iterator is None)
    return read


def _batches(records: list[dict]) -> list[list[dict]]:
    """Consecutive records whose counters fit in one transaction."""
    batches: list[list[dict]] = []
    keys: set[CounterKey] = set()
    for record in records:
        touched = set(_deltas(record))
        if not batches or len(keys | touched) > MAX_COUNTERS:
            batches.append([])
            keys = set()
        batches[-1].append(record)
        keys |= touched
    return batches


def _deltas(record: dict) -> dict[CounterKey, Figures]:
    change = record.get("dynamodb", {})
    old: Item | None = change.get("OldImage")
    new: Item | None = change.get("NewImage")
    return counter_deltas(old, new)


def _apply(
    client: DynamoClient,
    tables: Tables,
    shard_id: str,
    seq: str | None,
    last: str,
    batch: list[dict],
) -> bool:
    totals: dict[CounterKey, Figures] = {}
    for record in batch:
        for key, figures in _deltas(record).items():
            summed = totals.setdefault(key, {})
            for name, n in figures.items():
                summed[name] = summed.get(name, 0) + n
    parts = [
        counter_update(tables.counters, key, {name: n for name, n in figures.items() if n})
        for key, figures in totals.items()
        if any(figures.values())
    ]
    parts.append({"Update": _place_update(tables, shard_id, seq, last)})
    try:
        return client.transact(parts)
    except Contended:
        # Only tallies write these counters: another one (a second worker, a rebuild) is
        # applying this shard's batches right now. It goes on from here; so does the next round.
        return False


def _place_update(tables: Tables, shard_id: str, seq: str | None, last: str) -> dict[str, Any]:
    update: dict[str, Any] = {
        "TableName": tables.counters,
        "Key": counter_key(CHECKPOINT, shard_id),
        "UpdateExpression": "SET seq = :last",
        "ExpressionAttributeValues": {":last": {"S": last}},
    }
    if seq is None:
        update["ConditionExpression"] = "attribute_not_exists(seq)"
    else:
        update["ConditionExpression"] = "seq = :seq"
        update["ExpressionAttributeValues"][":seq"] = {"S": seq}
    return update


def _mark_caught_up(
    client: DynamoClient, tables: Tables, shard_id: str, seq: str | None, *, done: bool
) -> None:
    """Record when this shard was last read to its end (and whether it is closed), if our place
    is still the shard's place: a slower tally must not undo a faster one."""
    values: dict[str, Any] = {
        ":now": {"S": datetime.now(UTC).isoformat()},
        ":done": {"BOOL": done},
    }
    condition = "attribute_not_exists(seq)"
    if seq is not None:
        condition = "seq = :seq"
        values[":seq"] = {"S": seq}
    with contextlib.suppress(Refused):  # another tally moved on meanwhile; its mark follows
        client.call(
            "update_item",
            TableName=tables.counters,
            Key=counter_key(CHECKPOINT, shard_id),
            UpdateExpression="SET as_of = :now, done = :done",
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            expect=("ConditionalCheckFailedException",),
        )
