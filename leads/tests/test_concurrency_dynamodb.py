"""Launch day on the DynamoDB backend: gunicorn and the worker, with DynamoDB's physics.

moto's server models neither DynamoDB's latency nor its transaction conflicts and per-item
limits (and its transactions are not atomic across threads); the loopback physics proxy in
front of it does (loopback/dynamo_physics.py). Through it, signups sent as fast as the clients
can, with duplicates racing and most of them on one day and a third on one domain, are all
taken (no 503 for contention), stored once, and counted exactly once the worker has settled.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from conftest import ROOT, MotoServer
from leads.store import StoreUnavailable
from leads.store.dynamodb import DynamoLeadStore
from leads.tests.factories import lead
from leads.tests.test_concurrency import check_exact, hammer, staff_session
from loopback import DynamoPhysicsProxy

LATENCY_MS = 8  # a call's round trip within a region: DynamoDB answers in single-digit ms


@pytest.fixture
def physics(moto: MotoServer) -> Iterator[DynamoPhysicsProxy]:
    proxy = DynamoPhysicsProxy(moto.url, latency_ms=LATENCY_MS).start()
    yield proxy
    proxy.stop()


def settled(check, timeout: float = 60) -> None:
    """Wait for the worker: `check` passes once the counters hold every signup."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class TestDynamoConcurrency:
    def test_concurrent_signups_with_duplicates_are_stored_once_and_counted_exactly(
        self, app_server, physics, monkeypatch
    ):
        table = f"leads-{uuid.uuid4().hex[:12]}"
        server = app_server(
            workers=4,
            SIGNUP_RATE_LIMIT="off",
            LEADS_BACKEND="dynamodb",
            LEADS_TABLE=table,
            COUNTERS_TABLE=f"{table}-counters",
            AWS_ENDPOINT_URL=physics.url,
        )
        server.manage("createtables")
        physics.physics.reset()
        wanted = hammer(server)  # every answer a 200
        stats = physics.physics.stats()
        assert (stats.transaction_conflicts, stats.write_conflicts, stats.throttled) == (0, 0, 0)

        worker = subprocess.Popen(
            [sys.executable, "manage.py", "runworker", "--interval", "0.2"],
            cwd=ROOT,
            env=server.env,
            stdout=subprocess.DEVNULL,
        )
        try:
            staff = staff_session(server)
            settled(lambda: check_exact(server, wanted, staff))
            monkeypatch.setenv("AWS_ENDPOINT_URL", physics.url)
            store = DynamoLeadStore(leads_table=table, counters_table=f"{table}-counters")
            settled(lambda: assert_notified(store))
            assert type(store).total(store) == len(wanted)
            assert sum(day.total for day in type(store).daily_counts(store)) == len(wanted)
        finally:
            worker.terminate()
            assert worker.wait(timeout=30) == 0  # SIGTERM: the worker finishes its round


def assert_notified(store: DynamoLeadStore) -> None:
    # Signups alone queue no notification: the owner hears of people once they confirm.
    assert store.pending(limit=1000) == []


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
class TestLaunchDay:
    def test_a_burst_on_one_day_and_one_hot_domain_is_taken_whole_and_counted_exactly(
        self, store, physics, monkeypatch
    ):
        monkeypatch.setenv("AWS_ENDPOINT_URL", physics.url)
        store.client.reset()
        now = datetime.now(UTC)
        emails = [
            f"u{i}@hot.example" if i % 10 < 3 else f"u{i}@d{i % 37}.example" for i in range(480)
        ]
        posts = emails + emails[::8]  # some sign up twice, while the first is in flight

        def sign_up(n: int) -> bool | str:
            try:
                signup = lead(posts[n], preview=n % 2 == 0, at=now + timedelta(microseconds=n))
                return store.add(signup)
            except StoreUnavailable as e:
                return str(e)

        physics.physics.reset()
        with ThreadPoolExecutor(48) as pool:
            answers = list(pool.map(sign_up, range(len(posts))))
        assert answers.count(True) == len(emails)
        assert answers.count(False) == len(posts) - len(emails)
        stats = physics.physics.stats()
        assert (stats.transaction_conflicts, stats.write_conflicts, stats.throttled) == (0, 0, 0)
        assert stats.peak_item_wcu <= 1000 / 3  # no item near its limit

        assert store.total() == len(emails)  # settles first (see conftest)
        hot = next(c for c in store.domain_counts() if c.domain == "hot.example")
        assert hot.total == sum(e.endswith("@hot.example") for e in emails)
        assert sum(c.total for c in store.domain_counts()) == len(emails)
        assert sum(d.total for d in store.daily_counts()) == len(emails)

    def test_tallies_racing_each_other_count_every_change_once(self, store, physics, monkeypatch):
        # Through the proxy: moto alone applies two transactions' conditions at once.
        monkeypatch.setenv("AWS_ENDPOINT_URL", physics.url)
        store.client.reset()
        for i in range(60):
            store.add(lead(f"u{i}@x.com", preview=i % 2 == 0, minutes=i))
        store.delete("u0@x.com")
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: store.settle(), range(4)))
        assert store.total() == 59
        (x,) = store.domain_counts()
        assert (x.total, x.preview_yes) == (59, 29)
