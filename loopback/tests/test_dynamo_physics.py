"""The physics proxy against a real moto server subprocess, spoken to by boto3 over HTTP.

Timing assertions are lower bounds only (these machines are noisy); a transaction is made "in
flight" with latency, and the second request is sent once the proxy has admitted the first.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import MotoServer, free_port, wait_for
from loopback.dynamo_physics import DynamoPhysicsProxy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def proxy(moto: MotoServer) -> Iterator[DynamoPhysicsProxy]:
    proxy = DynamoPhysicsProxy(moto.url).start()
    yield proxy
    proxy.stop()


def client(url: str, service: Literal["dynamodb", "sns"] = "dynamodb") -> Any:
    """One attempt a call: total_max_attempts counts them all (botocore's max_attempts, retries)."""
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=32)
    return boto3.client(
        service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing", config=config,
    )  # fmt: skip


@pytest.fixture
def ddb(proxy: DynamoPhysicsProxy) -> Any:
    return client(proxy.url)


@pytest.fixture
def table(ddb: Any) -> str:
    """A fresh table keyed by pk (hash) and sk (range), created through the proxy."""
    name = f"physics-{uuid.uuid4().hex[:10]}"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
    )  # fmt: skip
    return name


def key(pk: str, sk: str = "0") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def put(table: str, pk: str, **extra: Any) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": {**key(pk), **extra}}}


def add(table: str, pk: str, sk: str = "0") -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table, "Key": key(pk, sk), "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }  # fmt: skip


def in_background(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run call in a thread; its result (or exception) lands in the list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except ClientError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def wait_admitted(proxy: DynamoPhysicsProxy, op: str, count: int = 1) -> None:
    deadline = time.monotonic() + 10
    while proxy.physics.stats().calls.get(op, 0) < count:
        assert time.monotonic() < deadline, f"{op} never reached the proxy"
        time.sleep(0.005)


def test_latency_is_added_and_a_transaction_costs_two_round_trips(proxy, ddb, table) -> None:
    proxy.physics.configure(latency_ms=150)
    started = time.monotonic()
    ddb.put_item(TableName=table, Item=key("a"))
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    ddb.transact_write_items(TransactItems=[put(table, "b"), add(table, "c")])
    assert time.monotonic() - started >= 0.30
    calls = proxy.physics.stats().calls
    assert calls["PutItem"] == 1 and calls["TransactWriteItems"] == 1


def test_a_second_transaction_on_an_item_in_flight_is_cancelled(proxy, ddb, table) -> None:
    proxy.physics.configure(latency_ms=400)  # the first is in flight for at least 0.8 s
    # The first writes the item with Put (its key found by DescribeTable), the second with Key.
    first, outcome = in_background(
        lambda: ddb.transact_write_items(TransactItems=[put(table, "hot", v={"S": "1"})])
    )
    wait_admitted(proxy, "TransactWriteItems")
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(TransactItems=[put(table, "other"), add(table, "hot")])
    first.join()
    assert not isinstance(outcome[0], ClientError)  # exactly one cancelled: the second
    error = refused.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert "[None, TransactionConflict]" in error["Error"]["Message"]
    assert [r["Code"] for r in error["CancellationReasons"]] == ["None", "TransactionConflict"]
    assert "Item" not in ddb.get_item(TableName=table, Key=key("other"))  # nothing applied
    assert ddb.get_item(TableName=table, Key=key("hot"))["Item"]["v"] == {"S": "1"}
    assert proxy.physics.stats().transaction_conflicts == 1


def test_a_plain_write_during_a_transaction_conflicts(proxy, ddb, table) -> None:
    proxy.physics.configure(latency_ms=400)
    first, outcome = in_background(
        lambda: ddb.transact_write_items(TransactItems=[add(table, "hot"), add(table, "x")])
    )
    wait_admitted(proxy, "TransactWriteItems")
    with pytest.raises(ClientError) as refused:
        ddb.put_item(TableName=table, Item={**key("hot"), "n": {"N": "100"}})
    ddb.put_item(TableName=table, Item=key("hot", "another-sort-key"))  # another item: fine
    first.join()
    assert not isinstance(outcome[0], ClientError)
    assert refused.value.response["Error"]["Code"] == "TransactionConflictException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ddb.get_item(TableName=table, Key=key("hot"))["Item"]["n"] == {"N": "1"}
    assert proxy.physics.stats().write_conflicts == 1


def test_a_transaction_sent_again_with_its_token_is_answered_not_applied(proxy, ddb, table) -> None:
    parts = [add(table, "p"), add(table, "q")]
    for _ in range(3):
        ddb.transact_write_items(TransactItems=parts, ClientRequestToken="same-token")
    counts = [ddb.get_item(TableName=table, Key=key(pk))["Item"]["n"]["N"] for pk in "pq"]
    assert counts == ["1", "1"]
    with pytest.raises(ClientError, match="IdempotentParameterMismatch"):
        ddb.transact_write_items(TransactItems=[add(table, "r")], ClientRequestToken="same-token")
    ddb.transact_write_items(TransactItems=parts, ClientRequestToken="another-token")
    assert ddb.get_item(TableName=table, Key=key("p"))["Item"]["n"]["N"] == "2"


def test_transactions_on_different_items_do_not_conflict(proxy, ddb, table) -> None:
    proxy.physics.configure(latency_ms=300)
    first, outcome = in_background(
        lambda: ddb.transact_write_items(TransactItems=[add(table, "p", "1"), add(table, "q")])
    )
    wait_admitted(proxy, "TransactWriteItems")
    # Same partition key, other sort key: another item.
    ddb.transact_write_items(TransactItems=[add(table, "p", "2"), add(table, "r")])
    first.join()
    assert not isinstance(outcome[0], ClientError)
    assert proxy.physics.stats().transaction_conflicts == 0


def test_a_burst_past_the_item_limit_is_throttled(proxy, ddb, table) -> None:
    requests.post(proxy.url + "/_physics/config", json={"item_wcu_limit": 20}, timeout=10)
    big = {"blob": {"S": "x" * 2500}}  # about 2.5 KB: 3 WCU a write, 6 in a transaction
    outcomes = []
    for _ in range(10):  # 6 fit in 20 WCU; the 7th within the same second does not
        try:
            outcomes.append(ddb.put_item(TableName=table, Item={**key("hot"), **big}))
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
            outcomes.append(exc)
    refused = sum(isinstance(o, ClientError) for o in outcomes)
    assert refused >= 1 and not isinstance(outcomes[5], ClientError)
    ddb.put_item(TableName=table, Item={**key("cold"), **big})  # the limit is per item
    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(TransactItems=[put(table, "cold2"), put(table, "hot", **big)])
    reasons = cancelled.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ThrottlingError"]
    stats = requests.get(proxy.url + "/_physics/stats", timeout=10).json()
    assert stats["throttled"] == refused + 1
    assert 18 <= stats["peak_item_wcu"] <= 20 and '"hot"' in stats["peak_item"]
    assert stats["write_units"] == 3 * (10 - refused) + 3


def test_parallel_transactions_are_applied_atomically(proxy, ddb, table) -> None:
    """Counters a and b move together. Transactions whose condition fails are mixed in: moto
    cancels them by restoring whole tables, which, unserialised, would undo concurrent writes."""

    def one(i: int) -> str:
        doomed = {"ConditionCheck": {"TableName": table, "Key": key(f"ghost{i}"),
                                     "ConditionExpression": "attribute_exists(pk)"}}  # fmt: skip
        parts = [add(table, "a"), add(table, "b")] if i % 2 else [put(table, f"t{i}"), doomed]
        try:
            ddb.transact_write_items(TransactItems=parts)
            return "ok"
        except ClientError as exc:
            return exc.response["CancellationReasons"][1]["Code"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, range(200)))
    succeeded = results[1::2].count("ok")
    assert succeeded > 0 and results[0::2] == ["ConditionalCheckFailed"] * 100
    assert succeeded + results[1::2].count("TransactionConflict") == 100
    a = ddb.get_item(TableName=table, Key=key("a"), ConsistentRead=True)["Item"]["n"]["N"]
    b = ddb.get_item(TableName=table, Key=key("b"), ConsistentRead=True)["Item"]["n"]["N"]
    assert int(a) == int(b) == succeeded
    assert proxy.physics.stats().transaction_conflicts == 100 - succeeded


def test_stats_reset_and_config_over_http(proxy, ddb, table) -> None:
    ddb.put_item(TableName=table, Item=key("a"))
    stats = requests.get(proxy.url + "/_physics/stats", timeout=10).json()
    assert stats["calls"]["PutItem"] == 1 and stats["write_units"] == 1
    assert stats["peak_item_wcu"] == 1 and stats["item_wcu_limit"] == 1000
    reply = requests.post(proxy.url + "/_physics/config", json={"latency_ms": 5}, timeout=10)
    assert reply.json()["latency_ms"] == 5 and proxy.physics.latency_ms == 5
    assert requests.post(proxy.url + "/_physics/reset", timeout=10).json()["calls"] == {}
    assert proxy.physics.stats().write_units == 0
    assert (
        requests.post(proxy.url + "/_physics/config", json={"x": 1}, timeout=10).status_code == 400
    )
    assert requests.get(proxy.url + "/_physics/nothing", timeout=10).status_code == 404
    # Not DynamoDB: forwarded untouched, and not counted.
    topic = client(proxy.url, "sns").create_topic(Name="physics")["TopicArn"]
    assert topic.endswith(":physics") and proxy.physics.stats().calls == {}


def test_the_command_line_serves_until_killed(moto) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "loopback.dynamo_physics", "--upstream", moto.url]
    cmd += ["--port", str(port), "--latency-ms", "8", "--item-wcu-limit", "50"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/_physics/stats", proc=proc)
        stats = requests.get(url + "/_physics/stats", timeout=10).json()
        assert stats["latency_ms"] == 8 and stats["item_wcu_limit"] == 50
        assert client(url).list_tables()["ResponseMetadata"]["HTTPStatusCode"] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
