"""The owner's notifications through SNS (moto's server), read back from a subscribed queue:
sent by the worker, one a signup while they trickle in, one digest for a burst."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from leads import notify, signups, worker
from leads.store import Lead
from leads.tests.factories import CONSENT, lead


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://signup.example.com"
    # Most tests here sign up and confirm in one go: the owner hears of a lead once it confirms.
    settings.DOUBLE_OPT_IN = False


def pacer(limit: int = 20) -> worker.Pacer:
    return worker.Pacer(limit, timedelta(minutes=5))


class TestNewSignup:
    def test_it_publishes_one_message_with_the_leads_details(self, store, inbox):
        assert (
            signups.sign_up(name="Ann Lee", email="ann@x.com", preview=True, consent=CONSENT)
            is True
        )
        assert inbox.read() == []  # not on the visitor's request
        assert worker.notify_pending(pacer()) == 1
        (message,) = inbox.read()
        lead = store.get("ann@x.com")
        assert message["TopicArn"] == inbox.topic
        assert message["Subject"] == "New signup: ann@x.com"
        body = message["Message"].splitlines()
        assert "Name: Ann Lee" in body
        assert "Email: ann@x.com" in body
        assert "Preview access: Yes" in body
        assert f"Signed up: {lead.created_at.isoformat()}" in body
        assert "Staff search: https://signup.example.com/search?domain=x.com" in body
        assert store.pending() == []

    def test_with_double_opt_in_the_owner_hears_of_the_lead_once_it_confirms(
        self, store, inbox, settings
    ):
        settings.DOUBLE_OPT_IN = True
        signups.sign_up(name="Ann", email="ann@x.com", preview=False, consent=CONSENT)
        assert worker.notify_pending(pacer()) == 0
        assert store.get("ann@x.com").status == "pending"
        store.confirm("ann@x.com", consent=CONSENT, at=timezone.now())
        assert worker.notify_pending(pacer()) == 1
        assert [m["Subject"] for m in inbox.read()] == ["New signup: ann@x.com"]

    def test_a_duplicate_publishes_nothing(self, store, inbox):
        signups.sign_up(name="Ann", email="ann@x.com", preview=False, consent=CONSENT)
        worker.notify_pending(pacer())
        inbox.read()
        assert (
            signups.sign_up(name="Other", email="ann@x.com", preview=True, consent=CONSENT) is False
        )
        assert worker.notify_pending(pacer()) == 0
        assert inbox.read() == []

    def test_a_failed_publish_leaves_the_lead_pending(self, store, inbox, settings):
        settings.NEW_SIGNUP_TOPIC = inbox.topic.replace(inbox.topic.rpartition(":")[2], "gone")
        assert (
            signups.sign_up(name="Ann", email="ann@x.com", preview=False, consent=CONSENT) is True
        )
        assert worker.notify_pending(pacer()) == 0
        assert [lead.email for lead in store.pending()] == ["ann@x.com"]
        assert inbox.read() == []


class TestDigest:
    def test_a_burst_past_the_rate_is_one_digest_with_the_counts_by_domain(self, store, inbox):
        for i in range(25):
            email = f"u{i}@{'hot.example' if i < 15 else 'y.org'}"
            signups.sign_up(name="N", email=email, preview=False, consent=CONSENT)
        assert worker.notify_pending(pacer(limit=20)) == 25
        (message,) = inbox.read()
        assert message["Subject"] == "25 new signups in the last minute"
        body = message["Message"].splitlines()
        assert body[body.index("By domain:") + 1 :][:2] == ["  hot.example: 15", "  y.org: 10"]
        assert store.pending() == []

    def test_signups_that_trickle_in_get_a_message_each_until_the_rate(self, store, inbox):
        slow = pacer(limit=3)
        for i in range(3):
            signups.sign_up(name="N", email=f"u{i}@x.com", preview=False, consent=CONSENT)
            assert worker.notify_pending(slow) == 1
        signups.sign_up(name="N", email="late@x.com", preview=False, consent=CONSENT)
        assert worker.notify_pending(slow) == 0  # no room left in the window: it waits
        assert len(inbox.read()) == 3
        assert [lead.email for lead in store.pending()] == ["late@x.com"]
        later = timezone.now() + timedelta(minutes=5)
        assert worker.notify_pending(slow, now=later) == 1
        assert [m["Subject"] for m in inbox.read()] == ["New signup: late@x.com"]

    def test_without_a_topic_it_logs(self, settings, caplog):
        settings.NEW_SIGNUP_TOPIC = ""
        lead = Lead("Ann", "ann@x.com", False, datetime(2026, 11, 20, tzinfo=UTC))
        with caplog.at_level(logging.INFO, logger="leads.notify"):
            notify.new_signup(lead)
        assert "New signup: ann@x.com" in caplog.text
        assert "Preview access: No" in caplog.text


# Every character str.splitlines() breaks on, as a mail client that breaks lines on them would.
LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


class TestForgedFields:
    @pytest.mark.parametrize("brk", LINE_BREAKS, ids=[repr(b) for b in LINE_BREAKS])
    def test_a_stored_name_cannot_add_lines_to_the_message(self, store, inbox, brk):
        # Straight into the store (as the lab's table holds it): the form never saw this name.
        forged = f"Ann{brk}Email: boss@x.com{brk}Preview access: Yes{brk}"
        store.add(lead("ann@x.com", name=forged))
        subject, body = notify.message_for(store.get("ann@x.com"))
        lines = body.splitlines()
        assert [line for line in lines if line.startswith("Email:")] == ["Email: ann@x.com"]
        assert [line for line in lines if line.startswith("Preview access:")] == [
            "Preview access: No"
        ]
        assert len(lines) == 8
        assert len(subject.splitlines()) == 1

    def test_the_published_message_shows_what_was_escaped(self, store, inbox):
        store.add(lead("ann@x.com", name="Ann\u2028Email: boss@x.com\u202e"))
        notify.new_signup(store.get("ann@x.com"))
        (message,) = inbox.read()
        assert "Name: Ann\\u2028Email: boss@x.com\\u202e" in message["Message"].splitlines()


class TestOwnerEvents:
    """Invitations and redemptions reach the owner too, a message a kind and round."""

    def test_invitations_and_a_redemption_are_one_message_each(self, store, inbox):
        for email in ("a@x.com", "b@x.com"):
            signups.sign_up(name="N", email=email, preview=False, consent=CONSENT)
        store.settle()
        worker.notify_pending(pacer())
        inbox.read()
        for email in ("a@x.com", "b@x.com"):
            store.invite(email, at=timezone.now())
        assert worker.notify_events(pacer()) == 2
        assert [m["Subject"] for m in inbox.read()] == ["Invited: 2 leads"]
        store.join("a@x.com", at=timezone.now())
        assert worker.notify_events(pacer()) == 1
        (message,) = inbox.read()
        assert message["Subject"] == "Joined: a@x.com"
        assert worker.notify_events(pacer()) == 0
        assert not any(d.mail & worker.EVENTS for d in store.outbox())

    def test_a_failed_publish_keeps_them_queued(self, store, inbox, settings):
        signups.sign_up(name="N", email="a@x.com", preview=False, consent=CONSENT)
        store.settle()
        store.invite("a@x.com", at=timezone.now())
        settings.NEW_SIGNUP_TOPIC = inbox.topic.replace(inbox.topic.rpartition(":")[2], "gone")
        assert worker.notify_events(pacer()) == 0
        assert any("owner:invited" in d.mail for d in store.outbox(notify_only=True))
