"""Django's cache on DynamoDB (CACHE_URL=dynamodb://): the rate limits' counters, shared by
every process and task, for the DynamoDB backend.

Why not the database cache there: each rate-limited request took three to eight statements on
Django's database (one or two of them a COUNT(*) of the cache's table, for culling) and held
one connection per web thread, so at launch rates the one small PostgreSQL instance behind every
task, not DynamoDB, would have been the limit. Here a counter is an item of its own in the
counters table (partition `limit#<cache key>`: every client address and window on its own
partition, so no item is hot but an abusive client's), an increment is one atomic UpdateItem,
and DynamoDB's time to live deletes the items later. Reads never trust that deletion (it can
lag by days): an item past its `expires` is treated as missing.

Values that are whole numbers are kept as numbers, so that `incr` adds in place; anything else
is pickled, as Django's own caches do. `clear()` is not offered: it would mean a Scan. A write
retried after its answer was lost (the wire retries timeouts) may count one request twice: a
limit then refuses one request early, never lets one more through.
"""

from __future__ import annotations

import base64
import math
import pickle
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

from leads.store import get_store
from leads.store.dynamodb.client import Refused
from leads.store.dynamodb.items import Item

KIND = "limit#"  # the counters table's partition key: `limit#<cache key>`
SORT = "-"
FAILED = ("ConditionalCheckFailedException",)
NEVER = 2**53  # `expires` of an item set with timeout=None: never due


def _encode(value: Any) -> dict[str, str]:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"N": str(value)}
    return {"S": base64.b64encode(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)).decode()}


def _decode(attribute: dict[str, str]) -> Any:
    if "N" in attribute:
        return int(attribute["N"])
    return pickle.loads(base64.b64decode(attribute["S"]))  # noqa: S301 - values we wrote


class DynamoCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    @property
    def _store(self) -> Any:
        return get_store()  # DynamoLeadStore: settings.py refuses dynamodb:// with another

    def _key(self, key: str, version: int | None) -> Item:
        return {"kind": {"S": KIND + self.make_and_validate_key(key, version)}, "key": {"S": SORT}}

    def _expires(self, timeout: float | None) -> int:
        at = self.get_backend_timeout(timeout)  # a time.time(), or None: no end
        return NEVER if at is None else math.ceil(at)

    def _call(self, operation: str, expect: tuple[str, ...] = (), **params: Any) -> dict:
        store = self._store
        return store.client.call(operation, TableName=store.counters_table, expect=expect, **params)

    def _live(self) -> dict[str, Any]:
        return {":now": {"N": str(int(time.time()))}}

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        try:
            self._call(
                "put_item",
                expect=FAILED,
                Item={
                    **self._key(key, version),
                    "v": _encode(value),
                    "expires": {"N": str(self._expires(timeout))},
                },
                # A key whose item outlived its time (TTL lags) is free to take.
                ConditionExpression="attribute_not_exists(#kind) OR #expires <= :now",
                ExpressionAttributeNames={"#kind": "kind", "#expires": "expires"},
                ExpressionAttributeValues=self._live(),
            )
        except Refused:
            return False
        return True

    def get(self, key, default=None, version=None) -> Any:
        store = self._store
        item = store.client.get_item(store.counters_table, self._key(key, version))
        if item is None or int(item["expires"]["N"]) <= time.time():
            return default
        return _decode(item["v"])

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        item = {**self._key(key, version), "v": _encode(value)}
        self._call("put_item", Item=item | {"expires": {"N": str(self._expires(timeout))}})

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        expires = {":e": {"N": str(self._expires(timeout))}}
        return self._update(key, version, "SET #expires = :e", {}, expires) is not None

    def incr(self, key, delta=1, version=None) -> int:
        """Adds `delta` in one atomic UpdateItem; ValueError if the key is missing or expired,
        as Django's caches do (a value that is not a number raises ValidationException)."""
        changed = self._update(key, version, "ADD #v :d", {"#v": "v"}, {":d": {"N": str(delta)}})
        if changed is None:
            raise ValueError(f"Key '{key}' not found")
        return int(changed["v"]["N"])

    def _update(
        self, key: str, version: int | None, action: str, names: dict, values: dict
    ) -> Item | None:
        """The attributes `action` changed, or None if the item is missing or expired."""
        try:
            answer = self._call(
                "update_item",
                expect=FAILED,
                Key=self._key(key, version),
                UpdateExpression=action,
                ConditionExpression="#expires > :now",
                ExpressionAttributeNames=names | {"#expires": "expires"},
                ExpressionAttributeValues=values | self._live(),
                ReturnValues="UPDATED_NEW",
            )
        except Refused:
            return None
        return answer["Attributes"]

    def delete(self, key, version=None) -> bool:
        answer = self._call("delete_item", Key=self._key(key, version), ReturnValues="ALL_OLD")
        old = answer.get("Attributes")
        return old is not None and int(old["expires"]["N"]) > time.time()

    def has_key(self, key, version=None) -> bool:
        return self.get(key, _MISSING, version) is not _MISSING


_MISSING = object()
