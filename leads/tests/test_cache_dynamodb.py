"""The rate limits' counters in DynamoDB (CACHE_URL=dynamodb://, leads/store/dynamodb/cache.py):
Django's cache contract on moto's server, and exact limits when requests arrive together at
several gunicorn workers and processes, through the physics proxy (DynamoDB applies one item's
writes one at a time; moto's threaded server does not)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import boto3
import pytest

from conftest import AppServer, MotoServer
from leads.store import get_store
from leads.store.dynamodb.cache import KIND, DynamoCache
from leads.tests.test_cache import LIMIT, REQUESTS, burst, increments_from_processes
from leads.tests.test_settings import PRODUCTION, run, setting
from loopback import DynamoPhysicsProxy
from waitlist.cache import cache_settings

dynamodb_only = pytest.mark.parametrize("store", ["dynamodb"], indirect=True)


@pytest.fixture
def cache(store) -> DynamoCache:
    return DynamoCache("", {})


@dynamodb_only
class TestContract:
    def test_add_takes_a_free_key_once(self, cache):
        assert cache.add("k", 1, 60) is True
        assert cache.add("k", 5, 60) is False
        assert cache.get("k") == 1

    def test_incr_adds_in_place_and_says_the_new_value(self, cache):
        cache.add("k", 1, 60)
        assert [cache.incr("k") for _ in range(3)] == [2, 3, 4]
        assert cache.incr("k", 10) == 14
        assert cache.get("k") == 14

    def test_incr_of_a_missing_key_is_a_value_error_and_writes_nothing(self, cache):
        with pytest.raises(ValueError, match="not found"):
            cache.incr("absent")
        assert cache.has_key("absent") is False

    def test_an_item_past_its_time_counts_as_missing_before_dynamodb_deletes_it(self, cache):
        cache.set("k", 7, -1)  # already over: time to live deletes such items days later
        assert cache.get("k", "gone") == "gone"
        assert cache.has_key("k") is False
        with pytest.raises(ValueError):
            cache.incr("k")
        assert cache.add("k", 1, 60) is True  # a new window takes the key over
        assert cache.get("k") == 1

    def test_values_other_than_numbers_round_trip(self, cache):
        value = {"who": "ann", "tries": [1, 2], "ok": True}
        cache.set("k", value, 60)
        assert cache.get("k") == value
        cache.set("b", True, 60)
        assert cache.get("b") is True

    def test_delete_touch_and_no_timeout(self, cache):
        cache.set("k", 1, None)
        assert cache.touch("k", 60) is True
        assert cache.touch("absent", 60) is False
        assert cache.delete("k") is True
        assert cache.delete("k") is False
        assert cache.get("k") is None

    def test_keys_are_items_of_their_own_in_the_counters_table(self, cache, store):
        cache.add("k", 1, 60)
        item = store.client.get_item(store.counters_table, cache._key("k", None))
        assert item["kind"]["S"] == KIND + cache.make_key("k")
        assert int(item["expires"]["N"]) > time.time() + 50

    def test_createtables_turns_on_time_to_live_on_expires(self, store, moto):
        client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto.url)
        ttl = client.describe_time_to_live(TableName=store.counters_table)
        assert ttl["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "ENABLED",
            "AttributeName": "expires",
        }


class TestSettings:
    def test_cache_url_names_the_backend(self):
        env = {**PRODUCTION, "CACHE_URL": "dynamodb://", "LEADS_BACKEND": "dynamodb"}
        backend = setting("CACHES['default']['BACKEND']", **env)
        assert backend == "'leads.store.dynamodb.cache.DynamoCache'"

    def test_it_is_refused_without_the_dynamodb_store(self):
        result = run("", **PRODUCTION, CACHE_URL="dynamodb://", LEADS_BACKEND="sql")
        assert result.returncode != 0
        assert "CACHE_URL=dynamodb:// needs LEADS_BACKEND=dynamodb" in result.stderr


@pytest.fixture
def physics(moto: MotoServer) -> Iterator[DynamoPhysicsProxy]:
    proxy = DynamoPhysicsProxy(moto.url, latency_ms=2).start()
    yield proxy
    proxy.stop()


def dynamo_limit_server(app_server, physics, **rates: str) -> AppServer:
    table = f"leads-{uuid.uuid4().hex[:12]}"
    server = app_server(
        workers=4,
        LEADS_BACKEND="dynamodb",
        LEADS_TABLE=table,
        COUNTERS_TABLE=f"{table}-counters",
        AWS_ENDPOINT_URL=physics.url,
        CACHE_URL="dynamodb://",
        **rates,
    )
    server.manage("createtables")
    return server


class TestSharedRateLimit:
    def test_increments_from_processes_running_at_once_all_count(self, app_server, physics):
        server = dynamo_limit_server(app_server, physics)
        assert increments_from_processes(server, 100) == "400"

    def test_parallel_signups_from_one_address_get_exactly_the_limit(self, app_server, physics):
        server = dynamo_limit_server(app_server, physics, SIGNUP_RATE_LIMIT=f"{LIMIT}/d")
        codes = burst(
            server,
            "/signup",
            lambda n: {"name": "N", "email": f"u{n}@x.example", "previewAccess": "No"},
        )
        assert codes == {200: LIMIT, 429: REQUESTS - LIMIT}
        # Django's database holds no counter: the limit lives in DynamoDB only.
        count = "from django.db import connection; c = connection.cursor(); "
        count += "c.execute('SELECT COUNT(*) FROM django_cache'); print(c.fetchone()[0])"
        assert server.manage("shell", "-v", "0", "-c", count).stdout.strip() == "0"


@pytest.fixture
def stack_settings(moto: MotoServer, settings) -> Iterator[None]:
    """The stack's settings (DynamoDB store, rate limits in it) and no database access at all:
    pytest-django refuses any query of a test that does not ask for `db`."""
    get_store.cache_clear()
    table = f"leads-{uuid.uuid4().hex[:12]}"
    settings.LEADS_BACKEND, settings.LEADS_TABLE = "dynamodb", table
    settings.COUNTERS_TABLE = f"{table}-counters"
    settings.CACHES = cache_settings("dynamodb://")
    settings.SIGNUP_RATE_LIMIT = "2/m"
    get_store().setup()
    yield
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto.url)
    for name in (table, settings.COUNTERS_TABLE):
        client.delete_table(TableName=name)
    get_store.cache_clear()


class TestVisitorsNeverTouchTheDatabase:
    def test_the_landing_page_and_signups_up_to_the_limit_run_on_dynamodb_alone(
        self, client, stack_settings
    ):
        assert client.get("/").status_code == 200
        codes = [
            client.post(
                "/signup",
                {"name": "N", "email": f"v{n}@x.example", "previewAccess": "No"},
                headers={"Accept": "application/json"},
            ).status_code
            for n in range(3)
        ]
        assert codes == [200, 200, 429]
