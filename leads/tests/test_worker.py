"""The worker's loop (`manage.py runworker`): the counters and the owner's notifications, each
in its own thread, until it is stopped; a failure it cannot wait out ends it."""

from __future__ import annotations

import threading
import time

import pytest

from leads import signups, worker
from leads.tests.factories import CONSENT


def eventually(check, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the worker did not get there"
        time.sleep(0.05)


# The worker's threads see what the test wrote: DynamoDB's (the SQL test database is one
# transaction the test holds open).
@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
class TestWorker:
    def test_it_settles_the_counts_and_tells_the_owner_until_stopped(self, store, inbox, settings):
        settings.DOUBLE_OPT_IN = False  # confirmed at once: the owner hears of each
        stop = threading.Event()
        loop = threading.Thread(target=worker.run, args=(stop,), kwargs={"interval": 0.05})
        loop.start()
        try:
            for i in range(5):
                signups.sign_up(name="N", email=f"u{i}@x.com", preview=i == 0, consent=CONSENT)
            # The class's own reads: the tests' stores settle before each count otherwise.
            eventually(lambda: type(store).total(store) == 5 and store.pending() == [])
        finally:
            stop.set()
            loop.join(timeout=10)
        assert not loop.is_alive()
        assert sorted(m["Subject"] for m in inbox.read()) == [
            f"New signup: u{i}@x.com" for i in range(5)
        ]
        assert type(store).counts_as_of(store) is not None

    def test_a_failure_it_cannot_wait_out_stops_it_and_is_raised(self, store, monkeypatch):
        def broken() -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(store, "settle", broken)
        with pytest.raises(RuntimeError, match="a bug"):
            worker.run(threading.Event(), interval=0.01)
