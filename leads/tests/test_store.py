"""The store port's contract. Every backend runs this file unchanged (see `store` in conftest)."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta

import pytest

from leads.store import AdoptionReport, DayCount, DomainCount, InvalidCursor
from leads.store.base import decode_cursor, encode_cursor
from leads.tests.factories import T0, confirmed, lead

pytestmark = pytest.mark.postgres


def all_pages(store, **filters) -> list[str]:
    emails, cursor = [], None
    while True:
        page = store.search(cursor=cursor, **filters)
        emails += [item.email for item in page.items]
        if page.next is None:
            return emails
        cursor = page.next


class TestAdd:
    def test_it_stores_a_new_lead(self, store):
        assert store.add(lead("ann@x.com", preview=True, name="Ann <b>")) is True
        assert store.get("ann@x.com") == lead("ann@x.com", preview=True, name="Ann <b>")

    def test_it_never_overwrites_a_known_email(self, store):
        store.add(lead("ann@x.com", name="First"))
        assert store.add(lead("ann@x.com", name="Second", preview=True, minutes=5)) is False
        assert store.get("ann@x.com").name == "First"
        assert store.total() == 1
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]

    def test_it_returns_none_for_an_unknown_email(self, store):
        assert store.get("nobody@x.com") is None

    def test_it_counts_per_domain_with_the_preview_split(self, store):
        store.add(lead("a@x.com", preview=True))
        store.add(lead("b@x.com", preview=False))
        store.add(lead("c@y.org", preview=True))
        assert store.domain_counts() == [
            DomainCount("x.com", 2, 1, pending=2),
            DomainCount("y.org", 1, 1, pending=1),
        ]
        assert store.total() == 3

    def test_it_counts_per_day(self, store):
        store.add(lead("a@x.com"))
        store.add(lead("b@x.com", minutes=60 * 24))
        store.add(lead("c@x.com", minutes=60 * 24 + 1))
        assert store.daily_counts() == [
            DayCount(date(2026, 11, 20), 1, pending=1),
            DayCount(date(2026, 11, 21), 2, pending=2),
        ]

    def test_it_starts_empty(self, store):
        assert store.total() == 0
        assert store.domain_counts() == []
        assert store.daily_counts() == []
        assert store.search().items == []


class TestSearch:
    def test_it_lists_newest_first(self, store):
        for i in range(3):
            store.add(lead(f"u{i}@x.com", minutes=i))
        page = store.search()
        assert [item.email for item in page.items] == ["u2@x.com", "u1@x.com", "u0@x.com"]
        assert page.next is None

    def test_it_keeps_created_at_in_utc(self, store):
        store.add(lead("a@x.com"))
        created_at = store.search().items[0].created_at
        assert created_at == T0
        assert created_at.utcoffset() == timedelta(0)

    def test_it_matches_the_domain_exactly(self, store):
        for email in ["a@x.com", "b@notx.com", "c@x.com.au", "d@sub.x.com", "e@x.com"]:
            store.add(lead(email))
        assert sorted(all_pages(store, domain="x.com")) == ["a@x.com", "e@x.com"]

    def test_it_filters_on_preview(self, store):
        store.add(lead("a@x.com", preview=True))
        store.add(lead("b@x.com", preview=False))
        store.add(lead("c@y.com", preview=True))
        assert sorted(all_pages(store, preview=True)) == ["a@x.com", "c@y.com"]
        assert all_pages(store, preview=False) == ["b@x.com"]
        assert all_pages(store, domain="x.com", preview=True) == ["a@x.com"]

    def test_pages_return_every_lead_exactly_once_in_order(self, store):
        # Same-minute ties included: the order is (created_at, email), both descending.
        for i in range(23):
            store.add(lead(f"u{i:02d}@x.com", minutes=i // 2, preview=i % 3 == 0))
        expected = [
            f"u{i:02d}@x.com"
            for i in sorted(range(23), key=lambda i: (i // 2, f"u{i:02d}"), reverse=True)
        ]
        assert all_pages(store, limit=5) == expected
        assert all_pages(store, domain="x.com", limit=4) == expected
        expected_preview = [e for e in expected if int(e[1:3]) % 3 == 0]
        assert all_pages(store, preview=True, limit=3) == expected_preview

    def test_a_page_holds_at_most_limit_leads(self, store):
        for i in range(7):
            store.add(lead(f"u{i}@x.com", minutes=i))
        page = store.search(limit=3)
        assert len(page.items) <= 3
        assert page.next is not None

    def test_it_rejects_a_cursor_it_did_not_hand_out(self, store):
        with pytest.raises(InvalidCursor):
            store.search(cursor="not-a-cursor!")

    def test_it_rejects_a_deeply_nested_cursor(self, store):
        with pytest.raises(InvalidCursor):
            store.search(cursor=base64.urlsafe_b64encode(b"[" * 5000).decode())

    @pytest.mark.parametrize(
        "forge",
        [
            pytest.param(lambda text: text.replace("@", "\ud800@"), id="lone-surrogate"),
            # PostgreSQL cannot hold a NUL in text: a crafted one is bad input, not an outage.
            pytest.param(lambda text: text.replace("@", "\x00@"), id="nul"),
            pytest.param(lambda text: text.replace("@", "\x01@"), id="control-character"),
            pytest.param(lambda text: text.replace("@", "\u2028@"), id="line-separator"),
            pytest.param(
                lambda text: re.sub(
                    r"\d{4}-\d\d-\d\dT[\d:.]+(Z|\+00:00)", "0001-01-01T00:00+14:00", text
                ),
                id="time-before-year-one-in-utc",
            ),
        ],
    )
    def test_it_rejects_a_tampered_cursor(self, store, forge):
        for i in range(3):
            store.add(lead(f"u{i}@x.com", minutes=i))

        def tamper(value):
            if isinstance(value, dict):
                return {key: tamper(item) for key, item in value.items()}
            return forge(value) if isinstance(value, str) else value

        cursor = store.search(limit=1).next
        with pytest.raises(InvalidCursor):
            store.search(cursor=encode_cursor(tamper(decode_cursor(cursor))))

    def test_iter_leads_reads_every_matching_lead(self, store):
        for i in range(5):
            store.add(lead(f"u{i}@x.com", minutes=i))
        store.add(lead("z@y.com"))
        assert [item.email for item in store.iter_leads(domain="x.com")] == [
            f"u{i}@x.com" for i in reversed(range(5))
        ]


class TestDelete:
    def test_it_erases_the_lead_and_lowers_its_counters(self, store):
        store.add(lead("a@x.com", preview=True))
        store.add(lead("b@x.com", preview=True, minutes=1))
        assert store.delete("a@x.com") is True
        assert store.get("a@x.com") is None
        assert all_pages(store) == ["b@x.com"]
        assert store.domain_counts() == [DomainCount("x.com", 1, 1, pending=1)]
        assert store.daily_counts() == [DayCount(date(2026, 11, 20), 1, pending=1)]
        assert store.total() == 1

    def test_deleting_twice_changes_nothing(self, store):
        store.add(lead("a@x.com"))
        store.add(lead("b@y.com"))
        assert store.delete("a@x.com") is True
        assert store.delete("a@x.com") is False
        assert store.total() == 1
        assert store.domain_counts() == [DomainCount("y.com", 1, 0, pending=1)]

    def test_a_deleted_email_can_sign_up_again(self, store):
        store.add(lead("a@x.com", name="Old"))
        store.delete("a@x.com")
        assert store.add(lead("a@x.com", name="New", minutes=3)) is True
        assert store.get("a@x.com").name == "New"
        assert store.total() == 1


class TestPending:
    """The owner's notifications: queued when a lead confirms, not when it signs up."""

    def test_a_signup_is_not_pending_notification_until_it_confirms(self, store):
        store.add(lead("a@x.com"))
        assert store.pending() == []
        confirmed(store, "a@x.com")
        assert [item.email for item in store.pending()] == ["a@x.com"]

    def test_confirmed_leads_are_pending_oldest_signup_first(self, store):
        store.add(lead("b@x.com", minutes=1))
        store.add(lead("a@x.com"))
        confirmed(store, "b@x.com")
        confirmed(store, "a@x.com")
        assert [item.email for item in store.pending()] == ["a@x.com", "b@x.com"]

    def test_marking_notified_takes_a_lead_out_of_pending(self, store):
        for email in ("a@x.com", "b@x.com"):
            store.add(lead(email, minutes=email < "b"))
            confirmed(store, email)
        store.mark_notified("a@x.com")
        assert [item.email for item in store.pending()] == ["b@x.com"]

    def test_a_duplicate_does_not_become_pending_again(self, store):
        store.add(lead("a@x.com"))
        confirmed(store, "a@x.com")
        store.mark_notified("a@x.com")
        store.add(lead("a@x.com", minutes=2))
        assert store.pending() == []

    def test_pending_before_a_time_leaves_younger_leads_out(self, store):
        for email, minutes in (("a@x.com", 0), ("b@x.com", 5)):
            store.add(lead(email, minutes=minutes))
            confirmed(store, email)
        assert [item.email for item in store.pending(before=T0 + timedelta(minutes=5))] == [
            "a@x.com"
        ]
        assert store.pending(before=T0) == []

    def test_pending_respects_the_limit(self, store):
        for i in range(5):
            store.add(lead(f"u{i}@x.com", minutes=i))
            confirmed(store, f"u{i}@x.com")
        assert len(store.pending(limit=2)) == 2


class TestPing:
    def test_it_answers_when_the_store_is_up(self, store):
        store.ping()


class TestMaintenance:
    def test_setup_is_safe_to_rerun(self, store):
        store.add(lead("a@x.com"))
        assert store.setup()
        assert store.get("a@x.com") == lead("a@x.com")
        assert store.total() == 1

    def test_rebuild_counts_matches_what_add_and_delete_counted(self, store):
        store.add(lead("a@x.com", preview=True))
        store.add(lead("b@x.com", minutes=60 * 24))
        store.add(lead("c@y.org", preview=True))
        store.add(lead("d@z.net"))
        store.delete("d@z.net")
        counted = (store.domain_counts(), store.daily_counts(), store.total())
        report = store.rebuild_counts()
        assert (report.leads, report.unadopted, report.skipped) == (3, 0, 0)
        assert report.counters == 2 + 2 + 1  # domains, days, total
        assert (store.domain_counts(), store.daily_counts(), store.total()) == counted
        assert store.rebuild_counts() == report

    def test_adopting_finds_nothing_the_lab_wrote_among_our_own_leads(self, store):
        store.add(lead("a@x.com"))
        assert store.adopt_lab_leads() == AdoptionReport(adopted=0, merged=0, skipped=0)
        assert store.total() == 1

    def test_rebuild_counts_on_an_empty_store(self, store):
        report = store.rebuild_counts()
        assert (report.leads, report.counters) == (0, 0)
        assert store.total() == 0
        assert store.domain_counts() == []
