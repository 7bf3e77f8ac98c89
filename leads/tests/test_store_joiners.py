"""The store port's contract for a joiner's own changes and the outbox, on every backend."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from leads.store import Consent, DayCount, DomainCount
from leads.tests.factories import CONSENT, T0, add_confirmed, confirmed, lead

pytestmark = pytest.mark.postgres
DAY = T0.date().isoformat()


def only_due(store):
    (due,) = store.outbox()
    return due


class TestSignupAsks:
    def test_a_new_lead_is_pending_with_one_ask_to_answer(self, store):
        assert store.add(lead("ann@x.com")) is True
        found = store.get("ann@x.com")
        assert (found.status, found.confirmed_at, found.consent) == ("pending", None, None)
        due = only_due(store)
        assert (due.lead.email, due.asks, due.answered, due.notify, due.mail) == (
            "ann@x.com",
            1,
            0,
            False,
            frozenset(),
        )

    def test_a_known_address_asks_again_and_changes_nothing_else(self, store):
        store.add(lead("ann@x.com", name="First"))
        assert store.add(lead("ann@x.com", name="Second", preview=True, minutes=5)) is False
        assert store.get("ann@x.com") == lead("ann@x.com", name="First")
        assert only_due(store).asks == 2
        assert store.total() == 1

    def test_ask_records_one_more_for_a_stored_lead_only(self, store):
        store.add(lead("ann@x.com"))
        assert store.ask("ann@x.com") is True
        assert only_due(store).asks == 2
        assert store.ask("nobody@x.com") is False
        assert store.ask("") is False
        assert store.get("nobody@x.com") is None


class TestConfirm:
    def test_it_records_when_and_the_consent_and_queues_welcome_and_notification(self, store):
        store.add(lead("ann@x.com", preview=True))
        at = T0 + timedelta(hours=2)
        consent = Consent(text="I agree.", version="7", ip="2001:db8::1", user_agent="Firefox")
        found = store.confirm("ann@x.com", consent=consent, at=at)
        assert (found.status, found.confirmed_at, found.consent) == ("confirmed", at, consent)
        assert store.get("ann@x.com") == found
        due = only_due(store)
        assert (due.notify, due.mail) == (True, frozenset({"welcome"}))

    def test_it_moves_the_counters_from_pending_to_confirmed(self, store):
        store.add(lead("ann@x.com", preview=True))
        store.add(lead("bob@x.com"))
        confirmed(store, "ann@x.com")
        assert store.domain_counts() == [DomainCount("x.com", 2, 1, pending=1, confirmed=1)]
        assert store.daily_counts() == [DayCount(date(2026, 11, 20), 2, pending=1, confirmed=1)]

    def test_confirming_twice_changes_nothing(self, store):
        store.add(lead("ann@x.com"))
        first = confirmed(store, "ann@x.com")
        later = Consent(text="Other", version="2", ip="203.0.113.9", user_agent="x")
        again = store.confirm("ann@x.com", consent=later, at=T0 + timedelta(days=1))
        assert again == first
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, confirmed=1)]

    def test_an_unknown_address_is_none_and_stores_nothing(self, store):
        assert store.confirm("nobody@x.com", consent=CONSENT, at=T0) is None
        assert store.confirm("", consent=CONSENT, at=T0) is None
        assert store.get("nobody@x.com") is None
        assert store.total() == 0

    def test_confirming_after_stopping_mail_turns_mail_back_on(self, store):
        store.add(lead("ann@x.com"))
        store.unsubscribe("ann@x.com", at=T0)
        found = confirmed(store, "ann@x.com")
        assert (found.status, found.unsubscribed_at) == ("confirmed", None)


class TestUnsubscribe:
    def test_it_stops_mail_keeps_the_lead_and_drops_what_was_queued(self, store):
        add_confirmed(store, lead("ann@x.com"))
        store.add(lead("ann@x.com", minutes=1))  # an ask to answer, beside the welcome mail
        found = store.unsubscribe("ann@x.com", at=T0 + timedelta(hours=1))
        assert (found.status, found.unsubscribed_at) == ("unsubscribed", T0 + timedelta(hours=1))
        due = only_due(store)  # the owner's notification is not mail to the lead: still due
        assert (due.notify, due.mail, due.unanswered) == (True, frozenset(), False)
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, unsubscribed=1)]

    def test_twice_keeps_the_first_time_and_unknown_is_none(self, store):
        store.add(lead("ann@x.com"))
        store.unsubscribe("ann@x.com", at=T0)
        assert store.unsubscribe("ann@x.com", at=T0 + timedelta(days=1)).unsubscribed_at == T0
        assert store.unsubscribe("nobody@x.com", at=T0) is None
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, unsubscribed=1)]
        assert store.outbox() == []


class TestSetPreview:
    def test_it_changes_the_answer_and_the_preview_count(self, store):
        add_confirmed(store, lead("ann@x.com"))
        assert store.set_preview("ann@x.com", True).preview is True
        assert store.domain_counts() == [DomainCount("x.com", 1, 1, confirmed=1)]
        store.set_preview("ann@x.com", True)  # the same answer again: nothing moves
        store.set_preview("ann@x.com", False)
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, confirmed=1)]
        assert store.set_preview("nobody@x.com", True) is None


class TestDeleteByStatus:
    def test_erasing_a_confirmed_lead_lowers_its_status_figure(self, store):
        add_confirmed(store, lead("ann@x.com"))
        store.add(lead("bob@x.com"))
        assert store.delete("ann@x.com") is True
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]
        assert [due.lead.email for due in store.outbox()] == ["bob@x.com"]


class TestOutboxMarks:
    def test_answering_the_asks_counts_the_days_mails_and_empties_the_outbox(self, store):
        store.add(lead("ann@x.com"))
        due = only_due(store)
        assert store.mark_answered(due, mailed=True, today=DAY) is True
        assert store.outbox() == []
        store.ask("ann@x.com")
        again = only_due(store)
        assert (again.asks, again.answered, again.mailed_on(DAY), again.mailed_on("x")) == (
            2,
            1,
            1,
            0,
        )
        assert store.mark_answered(again, mailed=False, today=DAY) is True
        store.ask("ann@x.com")
        assert only_due(store).mailed_on(DAY) == 1  # not mailed: the day's count stays

    def test_a_stale_answer_is_refused_and_later_asks_stay(self, store):
        store.add(lead("ann@x.com"))
        due = only_due(store)
        store.add(lead("ann@x.com", minutes=1))  # asked again after the worker read
        assert store.mark_answered(due, mailed=True, today=DAY) is True
        assert only_due(store).unanswered  # the second ask still wants its answer
        assert store.mark_answered(due, mailed=True, today=DAY) is False  # answered already

    def test_each_mark_takes_its_own_thing_off(self, store):
        store.add(lead("ann@x.com"))
        store.mark_answered(only_due(store), mailed=True, today=DAY)
        confirmed(store, "ann@x.com")
        store.mark_notified("ann@x.com")
        assert only_due(store).mail == frozenset({"welcome"})
        store.mark_mailed("ann@x.com", "welcome")
        store.mark_mailed("ann@x.com", "welcome")  # twice is harmless
        assert store.outbox() == []

    def test_a_mark_while_something_else_is_due_takes_off_just_that(self, store):
        store.add(lead("ann@x.com"))
        confirmed(store, "ann@x.com")  # an ask, the welcome and the notification are all due
        store.mark_mailed("ann@x.com", "welcome")
        assert only_due(store).mail == frozenset()
        assert store.mark_answered(only_due(store), mailed=True, today=DAY) is True
        due = only_due(store)
        assert (due.notify, due.unanswered, due.mailed_on(DAY)) == (True, False, 1)

    def test_unsubscribing_keeps_the_owners_messages_about_the_lead(self, store):
        add_confirmed(store, lead("ann@x.com"))
        store.settle()
        store.invite("ann@x.com", at=T0)
        store.unsubscribe("ann@x.com", at=T0)
        assert only_due(store).mail == frozenset({"owner:invited"})

    def test_notify_only_and_before_and_limit(self, store):
        store.add(lead("a@x.com"))
        add_confirmed(store, lead("b@x.com", minutes=1))
        add_confirmed(store, lead("c@x.com", minutes=2))
        assert [d.lead.email for d in store.outbox()] == ["a@x.com", "b@x.com", "c@x.com"]
        assert [d.lead.email for d in store.outbox(notify_only=True)] == ["b@x.com", "c@x.com"]
        before = T0 + timedelta(minutes=2)
        assert [d.lead.email for d in store.outbox(before=before)] == ["a@x.com", "b@x.com"]
        assert len(store.outbox(limit=2)) == 2
