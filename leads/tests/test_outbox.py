"""leads/outbox.py: what each lead in the store's outbox is sent, on both backends, through
Amazon SES on moto's server (each mail read back as SES received it)."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leads import invites, links, outbox
from leads.mailer import Mailer
from leads.outbox import Outbox
from leads.store import LeadStore
from leads.store.records import OWNER_INVITED, OWNER_JOINED
from leads.tests.factories import T0, confirmed, lead
from leads.tests.ses_outbox import SENDER, SesOutbox
from waitlist.mailurl import SES

SUBJECTS = {
    "confirm": "Confirm your email for Rocket Club",
    "already": "You are already on the Rocket Club waitlist",
    "welcome": "You are on the Rocket Club waitlist",
    "invite": "Your invitation to Rocket Club",
}


class Clock:
    """Time that passes only when the mailer sleeps (its pace and backoff)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def ses(ses_server, settings) -> SesOutbox:
    settings.EMAIL_BACKEND = SES
    settings.DEFAULT_FROM_EMAIL = SENDER
    settings.SITE_NAME = settings.MAIL_FROM_NAME = "Rocket Club"
    settings.SITE_URL = "https://signup.example.com"
    return SesOutbox(ses_server.url)


def worker(day: datetime = T0) -> Outbox:
    """An outbox with its own mailer, as a worker process has, on the UTC day of `day`."""
    clock = Clock()
    mailer = Mailer(clock=clock, sleep=clock.sleep, jitter=lambda: 1.0)
    return Outbox(mailer, clock=clock, now=lambda: day)


def received(ses: SesOutbox) -> list[tuple[str, str]]:
    """(to, kind) of each mail SES took since the last call."""
    kinds = {subject: kind for kind, subject in SUBJECTS.items()}
    mails = ses.read()
    ses.seen += len(mails)
    return [(str(m["To"]), kinds[str(m["Subject"])]) for m in mails]


def owed(store: LeadStore) -> list[str]:
    """The leads the outbox still holds mail for (not just messages to the owner)."""
    return [d.lead.email for d in store.outbox() if d.unanswered or d.mail & outbox.MAIL]


class TestAnswers:
    def test_a_signup_gets_the_confirmation_with_its_links_once(self, store, ses):
        store.add(lead("ann@x.com"))
        sender = worker()
        assert sender.send_due().sent == 1
        (mail,) = ses.read()
        assert mail["To"] == "ann@x.com" and mail["Subject"] == SUBJECTS["confirm"]
        text = mail.get_body(("plain",)).get_content()
        unsubscribe = mail["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")
        ann = store.get("ann@x.com")
        for purpose, url in [
            (links.CONFIRM, text.split("https://", 1)[1].split()[0]),  # the first link
            (links.MANAGE, re.findall(r"https://\S+/me/\S+", text)[0]),
            (links.UNSUBSCRIBE, unsubscribe),
        ]:
            assert links.lead_for(url.rstrip("/").rpartition("/")[2], purpose, store) == ann
        assert "7 days" in text
        assert sender.send_due().sent == 0
        assert owed(store) == []

    def test_asks_so_far_get_one_answer(self, store, ses):
        store.add(lead("ann@x.com"))
        store.add(lead("ann@x.com"))
        assert store.ask("ann@x.com") is True
        worker().send_due()
        assert received(ses) == [("ann@x.com", "confirm")]

    def test_a_known_address_is_told_it_is_on_the_list(self, store, ses):
        store.add(lead("ann@x.com"))
        sender = worker()
        sender.send_due()
        confirmed(store, "ann@x.com")
        sender.send_due()
        store.add(lead("ann@x.com", name="Someone else"))
        sender.send_due()
        assert received(ses) == [
            ("ann@x.com", "confirm"),
            ("ann@x.com", "welcome"),
            ("ann@x.com", "already"),
        ]

    def test_a_welcome_queued_beside_the_asks_is_their_answer(self, store, ses):
        store.add(lead("ann@x.com", name="Ann Lee"))
        confirmed(store, "ann@x.com")  # before the worker came round: as DOUBLE_OPT_IN=False does
        assert worker().send_due().sent == 1
        (mail,) = ses.read()
        assert mail["Subject"] == SUBJECTS["welcome"]
        assert "Hi Ann Lee," in mail.get_body(("plain",)).get_content()
        assert owed(store) == []

    def test_the_welcome_says_the_place_and_carries_the_referral_link(self, store, ses):
        for email in ("a@x.com", "b@x.com"):
            store.add(lead(email))
            confirmed(store, email)
        store.settle()
        assert worker().send_due().sent == 2
        text = {m["To"]: m.get_body(("plain",)).get_content() for m in ses.read()}
        assert "You are number 2 in line, with 1 person ahead of you." in text["b@x.com"]
        code = store.get("b@x.com").ref_code
        assert f"https://signup.example.com/?ref={code}" in text["b@x.com"]
        assert "You are number 1 in line." in text["a@x.com"]

    def test_it_leaves_the_owners_notification_to_the_notify_loop(self, store, ses):
        store.add(lead("ann@x.com"))
        confirmed(store, "ann@x.com")
        worker().send_due()
        assert [found.email for found in store.pending()] == ["ann@x.com"]


class TestDailyCap:
    def test_past_three_answers_in_a_day_asks_are_answered_unmailed(self, store, ses, caplog):
        caplog.set_level(logging.INFO, logger="leads.outbox")
        store.add(lead("ann@x.com"))
        sender = worker()
        for _ in range(5):
            store.ask("ann@x.com")
            sender.send_due()
        assert received(ses) == [("ann@x.com", "confirm")] * 3
        assert owed(store) == []
        assert "ann@x.com" not in caplog.text  # logged, by a tag of the address only
        assert outbox.tag("ann@x.com") in caplog.text

    def test_the_next_utc_day_answers_again(self, store, ses):
        store.add(lead("ann@x.com"))
        for _ in range(3):
            worker().send_due()
            store.ask("ann@x.com")
        assert worker().send_due().sent == 0
        store.ask("ann@x.com")
        assert worker(T0 + timedelta(days=1)).send_due().sent == 1
        assert len(received(ses)) == 4

    def test_the_welcome_goes_whatever_the_days_answers(self, store, ses):
        store.add(lead("ann@x.com"))
        for _ in range(3):
            worker().send_due()
            store.ask("ann@x.com")
        confirmed(store, "ann@x.com")
        worker().send_due()
        assert received(ses)[-1] == ("ann@x.com", "welcome")

    def test_each_address_has_its_own_three(self, store, ses):
        for email in ("ann@x.com", "bob@x.com"):
            store.add(lead(email))
        sender = worker()
        for _ in range(3):
            sender.send_due()
            store.ask("ann@x.com")
            store.ask("bob@x.com")
        assert (
            sorted(received(ses)) == [("ann@x.com", "confirm")] * 3 + [("bob@x.com", "confirm")] * 3
        )


class TestStoppedMail:
    def test_an_unsubscribed_lead_is_never_mailed(self, store, ses):
        store.add(lead("ann@x.com"))
        store.unsubscribe("ann@x.com", at=T0)
        store.ask("ann@x.com")
        assert worker().send_due().dropped == 1
        assert received(ses) == []
        assert owed(store) == []

    def test_its_queued_welcome_is_dropped(self, store, ses):
        store.add(lead("ann@x.com"))
        confirmed(store, "ann@x.com")
        store.unsubscribe("ann@x.com", at=T0)
        worker().send_due()
        assert received(ses) == []
        assert owed(store) == []

    def test_the_others_are_mailed_as_usual(self, store, ses):
        for email in ("ann@x.com", "bob@x.com"):
            store.add(lead(email))
        store.unsubscribe("ann@x.com", at=T0)
        worker().send_due()
        assert received(ses) == [("bob@x.com", "confirm")]


class TestTheOutboxIndex:
    def test_a_lead_read_again_as_it_was_is_not_mailed_twice(self, store, ses, monkeypatch):
        store.add(lead("ann@x.com"))
        as_it_was = store.outbox()
        sender = worker()
        sender.send_due()
        # The index has not caught up with the marks yet (DynamoDB's are eventually consistent).
        monkeypatch.setattr(store, "outbox", lambda limit=100, **kwargs: as_it_was)
        assert sender.send_due().sent == 0
        assert received(ses) == [("ann@x.com", "confirm")]

    def test_a_new_ask_after_the_marks_is_answered(self, store, ses):
        store.add(lead("ann@x.com"))
        sender = worker()
        sender.send_due()
        store.ask("ann@x.com")  # "send it again", a second later
        assert sender.send_due().sent == 1
        assert received(ses) == [("ann@x.com", "confirm")] * 2

    def test_leads_awaiting_only_their_notification_do_not_hold_mail_back(self, store, ses):
        for i in range(5):
            store.add(lead(f"u{i}@x.com", minutes=i))
            confirmed(store, f"u{i}@x.com")
        worker().send_due()  # the welcomes; their notifications stay (SNS down, say)
        store.add(lead("new@x.com", minutes=10))
        assert worker().send_due(batch=2).sent == 1
        assert received(ses)[-1] == ("new@x.com", "confirm")

    def test_a_round_stops_when_asked(self, store, ses):
        for i in range(3):
            store.add(lead(f"u{i}@x.com", minutes=i))
        stop = threading.Event()
        stop.set()
        assert worker().send_due(stop=stop).sent == 0
        assert received(ses) == []


class TestInvitations:
    def test_an_invitation_goes_once_with_its_code(self, store, ses):
        store.add(lead("ann@x.com"))
        confirmed(store, "ann@x.com")
        worker().send_due()
        store.invite("ann@x.com", at=T0)
        sender = worker()
        assert sender.send_due().sent == 1
        assert sender.send_due().sent == 0
        (mail,) = ses.read()[1:]
        assert mail["Subject"] == SUBJECTS["invite"]
        code = invites.code_for(store.get("ann@x.com"))
        assert f"Invitation code: {code}\n" in mail.get_body(("plain",)).get_content()
        assert owed(store) == []

    def test_a_revoked_or_expired_invitation_is_dropped_unsent(self, store, ses, settings):
        for email in ("ann@x.com", "bob@x.com"):
            store.add(lead(email))
            confirmed(store, email)
            store.invite(email, at=T0)
        store.revoke_invite("ann@x.com")
        later = T0 + timedelta(days=settings.INVITE_DAYS)
        assert worker(later).send_due().dropped == 2
        assert received(ses) == [("ann@x.com", "welcome"), ("bob@x.com", "welcome")]
        assert owed(store) == []

    def test_stopping_mail_leaves_the_owners_messages_alone(self, store, ses):
        store.add(lead("ann@x.com"))
        confirmed(store, "ann@x.com")
        store.invite("ann@x.com", at=T0)
        store.unsubscribe("ann@x.com", at=T0)  # no more mail: the invitation's code still works
        assert store.join("ann@x.com", at=T0) is True  # the owner is told
        store.ask("ann@x.com")
        assert worker().send_due().dropped == 1
        assert received(ses) == []
        (due,) = [d for d in store.outbox() if d.lead.email == "ann@x.com"]
        # Both of the owner's messages about it stay queued for the notify loop.
        assert due.mail == {OWNER_INVITED, OWNER_JOINED} and not due.unanswered


def test_the_day_is_utcs(store, ses):
    madrid = ZoneInfo("Europe/Madrid")  # UTC+1 in November
    store.add(lead("ann@x.com"))
    for _ in range(3):
        worker(datetime(2026, 11, 20, 23, 0, tzinfo=UTC)).send_due()
        store.ask("ann@x.com")
    assert worker(datetime(2026, 11, 21, 0, 30, tzinfo=madrid)).send_due().sent == 0
    store.ask("ann@x.com")
    assert worker(datetime(2026, 11, 21, 1, 0, tzinfo=madrid)).send_due().sent == 1
