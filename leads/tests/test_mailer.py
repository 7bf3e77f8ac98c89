"""leads/mailer.py: one mail at a time at SES's rate, through moto's server; throttling, outages
and refused addresses from a proxy in front of it, answering as SES does."""

from __future__ import annotations

import smtplib
import time

import pytest
from django.core.mail import EmailMultiAlternatives

from conftest import free_port
from leads import ses
from leads.mailer import MAX_HOLD, Mailer, Rejected, RetryLater, Sent, UnconfiguredBackend, classify
from leads.ses import Failure
from leads.tests.ses_outbox import (
    OUTAGE,
    QUOTA,
    SENDER,
    THROTTLED,
    FaultySes,
    SesOutbox,
    not_verified,
)
from waitlist.mailurl import SES


class Clock:
    """Time that passes only when the mailer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def mail(to: str = "ann@x.com", subject: str = "Hello") -> EmailMultiAlternatives:
    return EmailMultiAlternatives(subject, "Hi.\n", f"Waitlist <{SENDER}>", [to])


@pytest.fixture
def outbox(ses_server, settings):
    settings.EMAIL_BACKEND = SES
    return SesOutbox(ses_server.url)


@pytest.fixture
def faulty(outbox, ses_server, ses_at):
    """Start a proxy in front of moto's SES with `fault` and point SES at it."""
    proxies: list[FaultySes] = []

    def start(fault) -> FaultySes:
        proxy = FaultySes(ses_server.url, fault)
        proxies.append(proxy)
        ses_at(proxy.url)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()


def mailer(clock: Clock, **kwargs) -> Mailer:
    return Mailer(clock=clock, sleep=clock.sleep, jitter=lambda: 1.0, **kwargs)


class TestPacing:
    def test_it_reads_the_send_rate_from_ses(self, outbox):
        assert ses.max_send_rate() == 1.0  # moto's, a new account's

    def test_at_n_a_second_m_mails_take_at_least_m_minus_1_over_n_seconds(self, outbox):
        sender = Mailer()  # the real clock, and moto's rate: 1 a second
        start = time.monotonic()
        outcomes = [sender.send(mail(f"u{i}@x.com")) for i in range(3)]
        assert time.monotonic() - start >= (3 - 1) / 1.0  # a lower bound only
        assert all(isinstance(o, Sent) for o in outcomes)
        assert len(outbox.read()) == 3

    def test_it_sends_at_the_rate_it_reads(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        clock = Clock()
        sender = mailer(clock, rate=lambda: 4.0)
        assert [sender.send(mail()) for _ in range(5)] == [Sent()] * 5
        assert clock.sleeps == [0.25] * 4

    def test_mail_rate_caps_any_transport(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        settings.MAIL_RATE = "30/m"
        clock = Clock()
        sender = mailer(clock, rate=lambda: None)
        for _ in range(3):
            sender.send(mail())
        assert clock.sleeps == [2.0, 2.0]

    def test_without_a_rate_it_does_not_wait(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        clock = Clock()
        sender = mailer(clock, rate=lambda: None)
        assert [sender.send(mail()) for _ in range(3)] == [Sent()] * 3
        assert clock.sleeps == []

    def test_it_reads_the_rate_again_every_few_minutes(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        readings = iter([1.0, 10.0])
        clock = Clock()
        sender = mailer(clock, rate=lambda: next(readings))
        sender.send(mail())
        clock.now += 301
        sender.send(mail())
        sender.send(mail())
        assert clock.sleeps == [pytest.approx(0.1)]

    def test_it_paces_at_a_new_accounts_rate_while_ses_cannot_be_asked(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

        def unreachable() -> float:
            raise ses.SesError("down")

        clock = Clock()
        sender = mailer(clock, rate=unreachable)
        sender.send(mail())
        sender.send(mail())
        assert clock.sleeps == [1.0]


class TestThrottling:
    def test_it_retries_a_throttled_send_paced_then_sends_it_once(self, faulty, outbox):
        proxy = faulty(lambda to, call: THROTTLED if call <= 2 else None)
        clock = Clock()
        assert isinstance(mailer(clock).send(mail()), Sent)
        assert proxy.sends == 3  # ours alone: botocore does not retry on its own
        assert len(outbox.read()) == 1
        assert sum(clock.sleeps) >= 1.0 + 2.0  # the backoff, at least

    def test_throttling_slows_the_pace_until_the_rate_is_read_again(self, faulty, outbox):
        faulty(lambda to, call: THROTTLED if call == 1 else None)
        clock = Clock()
        sender = mailer(clock)  # moto's rate: 1 a second
        sender.send(mail())
        clock.sleeps.clear()
        sender.send(mail())
        assert clock.sleeps == [pytest.approx(2.0)]  # half the rate
        clock.now += 301
        clock.sleeps.clear()
        sender.send(mail())
        sender.send(mail())
        assert clock.sleeps == [pytest.approx(1.0)]

    def test_long_throttling_is_try_later_then_sent_once(self, faulty, outbox):
        throttled = {"on": True}
        proxy = faulty(lambda to, call: THROTTLED if throttled["on"] else None)
        clock = Clock()
        sender = mailer(clock)
        outcome = sender.send(mail())
        assert isinstance(outcome, RetryLater) and "Maximum sending rate" in outcome.reason
        assert 0 < outcome.after <= MAX_HOLD
        assert proxy.sends == 3
        assert outbox.read() == []
        again = sender.send(mail())  # before `after`: no call at all
        assert isinstance(again, RetryLater) and proxy.sends == 3
        throttled["on"] = False
        clock.now += outcome.after
        assert isinstance(sender.send(mail()), Sent)
        assert len(outbox.read()) == 1

    def test_a_spent_daily_quota_waits_long_without_retrying(self, faulty, outbox):
        proxy = faulty(lambda to, call: QUOTA)
        outcome = mailer(Clock()).send(mail())
        assert isinstance(outcome, RetryLater) and outcome.after >= 900
        assert proxy.sends == 1


class TestOutage:
    def test_ses_down_is_try_later_and_nothing_is_lost(self, outbox, ses_at, ses_server):
        ses_at(f"http://127.0.0.1:{free_port()}")
        clock = Clock()
        sender = mailer(clock)
        message = mail()
        outcome = sender.send(message)
        assert isinstance(outcome, RetryLater)
        assert clock.sleeps == [1.0, 2.0]  # three tries, backing off
        ses_at(ses_server.url)
        assert isinstance(sender.send(message), RetryLater)  # still within `after`
        clock.now += outcome.after
        assert isinstance(sender.send(message), Sent)
        (received,) = outbox.read()
        assert received["Subject"] == "Hello"

    def test_ses_failing_on_its_side_is_retried(self, faulty, outbox):
        proxy = faulty(lambda to, call: OUTAGE if call == 1 else None)
        assert isinstance(mailer(Clock()).send(mail()), Sent)
        assert proxy.sends == 2
        assert len(outbox.read()) == 1

    def test_without_email_url_mail_stays_queued(self):
        outcome = mailer(Clock(), connection=UnconfiguredBackend(), rate=lambda: None).send(mail())
        assert isinstance(outcome, RetryLater) and "EMAIL_URL" in outcome.reason


class TestRefused:
    def test_a_refused_address_is_rejected_and_the_next_mail_goes(self, faulty, outbox):
        proxy = faulty(lambda to, call: not_verified(to[0]) if to == ["bad@y.com"] else None)
        sender = mailer(Clock())
        outcome = sender.send(mail("bad@y.com"))
        assert isinstance(outcome, Rejected) and "bad@y.com" in outcome.reason
        assert proxy.sends == 1  # not retried
        assert isinstance(sender.send(mail("ann@x.com")), Sent)
        assert [m["To"] for m in outbox.read()] == ["ann@x.com"]

    def test_an_unverified_sender_is_the_settings_fault_not_the_addresses(self, outbox):
        # moto refuses a From it has no identity for, as SES does: every mail would be refused.
        message = EmailMultiAlternatives("Hi", "Hi.\n", "nobody@unverified.example", ["a@x.com"])
        outcome = mailer(Clock()).send(message)
        assert isinstance(outcome, RetryLater) and outcome.after >= 300
        assert outbox.read() == []

    def test_a_malformed_address_is_rejected(self, outbox):
        assert isinstance(mailer(Clock()).send(mail("not an address")), Rejected)


class TestClassify:
    @pytest.mark.parametrize(
        ("error", "failure"),
        [
            (smtplib.SMTPRecipientsRefused({"a@x.com": (550, b"no such user")}), Failure.REJECTED),
            (smtplib.SMTPDataError(554, b"rejected as spam"), Failure.REJECTED),
            (smtplib.SMTPDataError(451, b"try again"), Failure.OUTAGE),
            (smtplib.SMTPSenderRefused(550, b"not yours", SENDER), Failure.SETUP),
            (smtplib.SMTPAuthenticationError(535, b"bad password"), Failure.SETUP),
            (smtplib.SMTPServerDisconnected("gone"), Failure.OUTAGE),
            (ConnectionRefusedError(111, "refused"), Failure.OUTAGE),
        ],
    )
    def test_smtp_answers(self, error, failure):
        assert classify(error, sender=SENDER)[0] is failure

    def test_a_rejection_naming_another_address_that_ends_like_the_sender_is_the_addresses(self):
        assert ses.failure("MessageRejected", "failed: xhello@waitlist.example", sender=SENDER) is (
            Failure.REJECTED
        )
        assert ses.failure("MessageRejected", f"failed: {SENDER}.", sender=SENDER) is Failure.SETUP
