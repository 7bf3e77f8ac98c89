"""leads/outbox.py when things go wrong, on both backends: SES down, throttling, a crash between
a send and its mark, a refused address, the settings' faults. SES is moto's server, its faults
a proxy in front of it that answers as SES does; every mail is read back as SES received it."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import free_port
from leads.mailer import RetryLater
from leads.store import StoreUnavailable
from leads.tests.factories import lead
from leads.tests.ses_outbox import THROTTLED, FaultySes, not_verified
from leads.tests.test_outbox import owed, received, ses, worker
from waitlist.mailurl import UNCONFIGURED

__all__ = ["ses"]  # the fixture, shared with test_outbox.py

ALL = ["ann@x.com", "bob@x.com", "cy@x.com"]


@pytest.fixture
def three(store):
    for i, email in enumerate(ALL):
        store.add(lead(email, minutes=i))
    return store


@pytest.fixture
def faulty(ses, ses_server, ses_at):
    """A proxy in front of moto's SES with `fault(recipients, call)`, and SES pointed at it."""
    proxies: list[FaultySes] = []

    def start(fault) -> FaultySes:
        proxy = FaultySes(ses_server.url, fault)
        proxies.append(proxy)
        ses_at(proxy.url)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()


def sent_once(mails: list[tuple[str, str]]) -> bool:
    return sorted(Counter(to for to, _ in mails).items()) == [(email, 1) for email in sorted(ALL)]


class TestSesDown:
    def test_ses_down_then_up_sends_every_mail_once(self, three, ses, ses_at, ses_server):
        ses_at(f"http://127.0.0.1:{free_port()}")
        sender = worker()
        done = sender.send_due()
        assert isinstance(done.held, RetryLater) and done.sent == 0
        assert sorted(owed(three)) == ALL  # nothing lost, nothing marked
        assert sender.send_due().sent == 0  # held: not even tried
        ses_at(ses_server.url)
        sender.clock.now += done.held.after  # type: ignore[attr-defined]
        assert sender.send_due().sent == 3
        assert sender.send_due().sent == 0
        assert sent_once(received(ses))
        assert owed(three) == []

    def test_a_signup_meanwhile_is_sent_with_the_rest(self, three, ses, ses_at, ses_server):
        ses_at(f"http://127.0.0.1:{free_port()}")
        sender = worker()
        held = sender.send_due().held
        three.add(lead("dee@x.com", minutes=5))
        ses_at(ses_server.url)
        sender.clock.now += held.after  # type: ignore[attr-defined,union-attr]
        assert sender.send_due().sent == 4


class TestThrottled:
    def test_throttled_sends_are_paced_retried_and_none_is_lost(self, three, faulty, ses):
        proxy = faulty(lambda to, call: THROTTLED if call % 2 == 1 else None)
        sender = worker()
        start = sender.clock()
        assert sender.send_due().sent == 3
        assert proxy.sends == 6  # each mail: throttled once, then taken
        assert sender.clock() - start >= 2 * 2.0  # the pace halved: one each 2 s at the most
        assert sent_once(received(ses))

    def test_throttled_past_the_retries_the_round_ends_and_resumes(self, three, faulty, ses):
        proxy = faulty(lambda to, call: THROTTLED if call <= 3 else None)
        sender = worker()
        done = sender.send_due()
        assert done.held is not None and done.sent == 0 and proxy.sends == 3
        sender.clock.now += done.held.after  # type: ignore[attr-defined]
        assert sender.send_due().sent == 3
        assert sent_once(received(ses))


class TestCrash:
    def test_a_crash_between_send_and_mark_sends_that_mail_once_more(self, three, ses, monkeypatch):
        mark = three.mark_answered

        def crash(due, **kwargs):
            if due.lead.email == "bob@x.com":
                raise StoreUnavailable("the worker died here")
            return mark(due, **kwargs)

        monkeypatch.setattr(three, "mark_answered", crash)
        with pytest.raises(StoreUnavailable):
            worker().send_due()
        monkeypatch.setattr(three, "mark_answered", mark)
        restarted = worker()  # a new process: it remembers nothing
        restarted.send_due()
        assert restarted.send_due().sent == 0
        assert sorted(to for to, _ in received(ses)) == [
            "ann@x.com",
            "bob@x.com",
            "bob@x.com",  # sent, not marked: sent once more, at most
            "cy@x.com",
        ]


class TestRefused:
    def test_a_refused_address_is_marked_and_the_others_go(self, store, faulty, ses, caplog):
        for i, email in enumerate(["ann@x.com", "bad@y.com", "bob@x.com"]):
            store.add(lead(email, minutes=i))
        proxy = faulty(lambda to, call: not_verified(to[0]) if to == ["bad@y.com"] else None)
        done = worker().send_due()
        assert (done.sent, done.rejected) == (2, 1)
        assert [to for to, _ in received(ses)] == ["ann@x.com", "bob@x.com"]
        assert owed(store) == []
        assert worker().send_due().sent == 0 and proxy.sends == 3  # not tried again
        assert "not verified" in caplog.text and "bad@y.com" not in caplog.text  # why, not whom

    def test_an_unverified_sender_drops_nothing(self, three, ses, settings):
        # moto refuses a From with no identity, as SES does: the settings' fault, every mail's.
        settings.DEFAULT_FROM_EMAIL = "nobody@unverified.example"
        done = worker().send_due()
        assert done.held is not None and (done.sent, done.rejected) == (0, 0)
        assert sorted(owed(three)) == ALL

    def test_without_email_url_mail_stays_queued(self, three, ses, settings):
        settings.EMAIL_BACKEND = UNCONFIGURED
        done = worker().send_due()
        assert done.held is not None and "EMAIL_URL" in done.held.reason
        assert sorted(owed(three)) == ALL
