"""The one module that knows boto3: the DynamoDB client, its retries, and paginated queries.

Everything else in the backend speaks to DynamoDB through `DynamoClient`, and sees failures as
the store's own errors: `StoreUnavailable` for an outage, `Refused` for an answer the caller
asked to see (a failed condition, a missing table).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Iterator
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from leads.store.base import StoreUnavailable
from leads.store.dynamodb.items import Item

logger = logging.getLogger(__name__)

# Cancellation reasons worth another try; anything else but a failed condition is unavailable.
RETRY_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
ATTEMPTS = 5


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

    # Short timeouts and a few backed-off retries (throttling included): a signup waits a
    # few seconds at most before it answers 503. botocore honours AWS_ENDPOINT_URL.
    # One pool connection per thread a web worker runs (gunicorn's gthread), and then some.
    _config = Config(
        connect_timeout=2,
        read_timeout=5,
        retries={"mode": "standard", "total_max_attempts": 3},
        max_pool_connections=32,
    )

    # Each client from a session of its own: boto3's shared default session is not thread-safe,
    # and a threaded web worker's first requests would make their clients at the same moment.
    @cached_property
    def boto(self) -> Any:
        session = boto3.session.Session()
        return session.client("dynamodb", region_name=self.region, config=self._config)

    @cached_property
    def streams(self) -> Any:
        session = boto3.session.Session()
        return session.client("dynamodbstreams", region_name=self.region, config=self._config)

    def reset(self) -> None:
        """Forget the boto3 clients, so that the next call builds them from the environment."""
        self.__dict__.pop("boto", None)
        self.__dict__.pop("streams", None)

    def call(self, operation: str, *, expect: tuple[str, ...] = (), **params: Any) -> dict:
        """One API call; errors in `expect` are raised as Refused, the others as unavailable.

        A ValidationException is a mistake of ours, not an outage: it is raised as it is.
        """
        return self._call(self.boto, operation, expect, params)

    def stream_call(self, operation: str, *, expect: tuple[str, ...] = (), **params: Any) -> dict:
        """One DynamoDB Streams API call, with the same errors as `call`."""
        return self._call(self.streams, operation, expect, params)

    @staticmethod
    def _call(boto: Any, operation: str, expect: tuple[str, ...], params: dict) -> dict:
        attempt = 0
        while True:
            try:
                return getattr(boto, operation)(**params)
            except ClientError as e:
                code = e.response["Error"]["Code"]
                if code in expect:
                    raise Refused(code, dict(e.response)) from e
                if code == "ValidationException":
                    raise
                # A plain write on an item while a transaction is in flight on it: botocore
                # does not retry this one, and the transaction is over in milliseconds.
                if code != "TransactionConflictException" or attempt == ATTEMPTS - 1:
                    raise unavailable(e) from e
            except BotoCoreError as e:
                raise unavailable(e) from e
            _backoff(attempt)
            attempt += 1

    def transact(self, parts: list[dict]) -> bool:
        """Run one transaction; False if a part's condition cancelled it.

        Idempotent for 10 minutes (DynamoDB's ClientRequestToken, made from the parts): when
        botocore retries a transaction whose first attempt went through but whose answer was
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
