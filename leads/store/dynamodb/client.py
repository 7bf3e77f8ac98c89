"""The one module that knows boto3: the DynamoDB client, its retries, and paginated queries.

Everything else in the backend speaks to DynamoDB through `DynamoClient`, and sees failures as
the store's own errors: `StoreUnavailable` for an outage, `Refused` for an answer the caller
asked to see (a failed condition, a missing table). DynamoDB's own API goes over the wire
(wire.py: botocore's credentials and endpoint, without its per-call CPU); the
Streams API, and everything when an HTTP proxy is configured, through boto3's clients.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.httpsession import get_cert_path

from leads.store.base import StoreUnavailable
from leads.store.dynamodb import wire
from leads.store.dynamodb.items import Item

logger = logging.getLogger(__name__)

# Cancellation reasons worth another try; anything else but a failed condition is unavailable.
RETRY_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
ATTEMPTS = 5
CONNECT_TIMEOUT, READ_TIMEOUT, TRIES = 2, 5, 3

# Told of every call that succeeded, with its operation ("UpdateItem"), parameters and answer:
# what the tests and benchmarks count calls and items with.
Listener = Callable[[str, dict, dict], None]


class Refused(Exception):
    """DynamoDB answered with an error the caller expects (see `DynamoClient.call`)."""

    def __init__(self, code: str, response: dict[str, Any]) -> None:
        super().__init__(code)
        self.code = code
        self.response = response


class Contended(StoreUnavailable):
    """A transaction kept conflicting with others on its items, past its tries."""


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 (jitter, not a secret)


def unavailable(error: Exception) -> StoreUnavailable:
    logger.warning("DynamoDB unavailable: %s", error)
    return StoreUnavailable(f"DynamoDB: {error}")


class DynamoClient:
    def __init__(self, *, region: str) -> None:
        self.region = region
        self.listeners: list[Listener] = []

    # Short timeouts and a few backed-off retries (throttling included): a signup waits a
    # few seconds at most before it answers 503. botocore honours AWS_ENDPOINT_URL.
    # One pool connection per thread a web worker runs (gunicorn's gthread), and then some.
    _config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": TRIES},
        max_pool_connections=32,
    )

    # Each client from a session of its own: boto3's shared default session is not thread-safe,
    # and a threaded web worker's first requests would make their clients at the same moment.
    @cached_property
    def session(self) -> Any:
        return boto3.session.Session()

    @cached_property
    def boto(self) -> Any:
        return self.session.client("dynamodb", region_name=self.region, config=self._config)

    @cached_property
    def wire(self) -> wire.Wire | None:
        """The direct road to the endpoint boto3 resolved; None through a proxy (botocore
        knows how to go through one)."""
        endpoint = self.boto.meta.endpoint_url
        url = urllib.parse.urlsplit(endpoint)
        if url.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(
            url.hostname or ""
        ):
            return None
        return wire.Wire(
            endpoint_url=endpoint,
            region=self.boto.meta.region_name,
            credentials=self.session.get_credentials(),
            ca_bundle=os.environ.get("AWS_CA_BUNDLE") or get_cert_path(True),
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            attempts=TRIES,
        )

    @cached_property
    def streams(self) -> Any:
        session = boto3.session.Session()
        return session.client("dynamodbstreams", region_name=self.region, config=self._config)

    def reset(self) -> None:
        """Forget the clients, so that the next call builds them from the environment."""
        for name in ("session", "boto", "streams", "wire"):
            self.__dict__.pop(name, None)

    def call(self, operation: str, *, expect: tuple[str, ...] = (), **params: Any) -> dict:
        """One API call ("update_item"); errors in `expect` are raised as Refused, the others
        as unavailable.

        A ValidationException is a mistake of ours, not an outage: it is raised as it is.
        """
        name = "".join(part.title() for part in operation.split("_"))
        road = self.wire
        if road is None:
            response = self._call(lambda: getattr(self.boto, operation)(**params), expect)
        else:
            response = self._call(lambda: road.call(name, params), expect)
        for listener in self.listeners:
            listener(name, params, response)
        return response

    def stream_call(self, operation: str, *, expect: tuple[str, ...] = (), **params: Any) -> dict:
        """One DynamoDB Streams API call, with the same errors as `call`."""
        return self._call(lambda: getattr(self.streams, operation)(**params), expect)

    @staticmethod
    def _call(send: Callable[[], dict], expect: tuple[str, ...]) -> dict:
        attempt = 0
        while True:
            try:
                return send()
            except (ClientError, wire.AwsError) as e:
                code = e.response["Error"]["Code"]
                if code in expect:
                    raise Refused(code, dict(e.response)) from e
                if code == "ValidationException":
                    raise
                # A plain write on an item while a transaction is in flight on it: the
                # standard retries leave this one, and the transaction is over in milliseconds.
                if code != "TransactionConflictException" or attempt == ATTEMPTS - 1:
                    raise unavailable(e) from e
            except (BotoCoreError, wire.Unreachable) as e:
                raise unavailable(e) from e
            _backoff(attempt)
            attempt += 1

    def transact(self, parts: list[dict]) -> bool:
        """Run one transaction; False if a part's condition cancelled it.

        Idempotent for 10 minutes (DynamoDB's ClientRequestToken, made from the parts): when
        a transaction is retried (wire.py) after its first attempt went through but its answer was
        lost, the retry answers success instead of failing the conditions on our own write.
        """
        token = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:36]
        for attempt in range(ATTEMPTS):
            try:
                self.call(
                    "transact_write_items",
                    TransactItems=parts,
                    ClientRequestToken=token,
                    expect=("TransactionCanceledException",),
                )
                return True
            except Refused as e:
                reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons:
                    return False
                if not RETRY_REASONS.intersection(reasons):
                    raise unavailable(e) from e
            _backoff(attempt)
        raise Contended("DynamoDB: the transaction kept conflicting")

    def get_item(self, table: str, key: Item) -> Item | None:
        """The item under `key`, read consistently, or None."""
        return self.call("get_item", TableName=table, Key=key, ConsistentRead=True).get("Item")

    def query_pages(self, **params: Any) -> Iterator[dict]:
        """Every page of a Query, lazily: the next page is asked for only when it is needed."""
        params = dict(params)
        while True:
            response = self.call("query", **params)
            yield response
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def query_items(self, **params: Any) -> Iterator[Item]:
        """Every item a Query finds, across its pages, lazily."""
        for page in self.query_pages(**params):
            yield from page["Items"]
