"""The worker's mail loop (`manage.py runworker`), a thread beside the counters and the owner's
notifications: it sends what signups queue, and SES down holds neither of the others back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import free_port
from leads import signups, worker
from leads.tests.factories import CONSENT, confirmed, lead
from leads.tests.test_outbox import owed, received, ses

__all__ = ["ses"]  # the fixture, shared with test_outbox.py


def eventually(check, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the worker did not get there"
        time.sleep(0.05)


@pytest.fixture
def running(store) -> Iterator[threading.Thread]:
    stop = threading.Event()
    loop = threading.Thread(target=worker.run, args=(stop,), kwargs={"interval": 0.05})
    loop.start()
    yield loop
    stop.set()
    loop.join(timeout=15)
    assert not loop.is_alive(), "the worker did not stop"


# The worker's threads see what the test wrote: DynamoDB's (the SQL test database is one
# transaction the test holds open).
@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
class TestWorker:
    def test_it_sends_what_signups_queue_within_seconds(self, store, ses, inbox, running):
        mails: list[tuple[str, str]] = []

        def arrived(n: int) -> bool:
            mails.extend(received(ses))
            return len(mails) >= n

        for i in range(3):
            signups.sign_up(name="N", email=f"u{i}@x.com", preview=False, consent=CONSENT)
        eventually(lambda: arrived(3))
        assert sorted(mails) == [(f"u{i}@x.com", "confirm") for i in range(3)]
        confirmed(store, "u0@x.com")
        eventually(lambda: arrived(4))
        assert mails[3:] == [("u0@x.com", "welcome")]
        eventually(lambda: [m["Subject"] for m in inbox.read()] == ["New signup: u0@x.com"])

    def test_ses_down_holds_back_neither_counts_nor_notifications(
        self, store, ses, inbox, ses_at, ses_server
    ):
        ses_at(f"http://127.0.0.1:{free_port()}")
        store.add(lead("ann@x.com"))
        confirmed(store, "ann@x.com")  # before the worker starts: it sees the welcome due
        stop = threading.Event()
        loop = threading.Thread(target=worker.run, args=(stop,), kwargs={"interval": 0.05})
        loop.start()
        try:
            eventually(lambda: type(store).total(store) == 1 and store.pending() == [])
            assert received(ses) == [] and owed(store) == ["ann@x.com"]
            ses_at(ses_server.url)
            eventually(lambda: owed(store) == [])  # after the mailer's hold: a few seconds
        finally:
            stop.set()
            loop.join(timeout=15)
        assert not loop.is_alive()
        assert received(ses) == [("ann@x.com", "welcome")]


class TestSendmail:
    def test_it_sends_what_is_due_once(self, store, ses, capsys):
        store.add(lead("ann@x.com"))
        call_command("sendmail")
        assert "Sent 1 mails; 0 refused" in capsys.readouterr().out
        assert received(ses) == [("ann@x.com", "confirm")]
        call_command("sendmail")
        assert "Sent 0 mails" in capsys.readouterr().out

    def test_it_fails_while_mail_is_held(self, store, ses, ses_at):
        ses_at(f"http://127.0.0.1:{free_port()}")
        store.add(lead("ann@x.com"))
        with pytest.raises(CommandError, match="Mail is held"):
            call_command("sendmail")
        assert owed(store) == ["ann@x.com"]
