"""`manage.py rebuildcounts`: every counter rewritten from the leads, on both backends; and
`manage.py adoptlabtable`, which gives the leads the lab's code wrote what they need first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from leads import models
from leads.store import DayCount, DomainCount, Lead
from leads.tests.factories import T0

pytestmark = pytest.mark.postgres


def run(command: str = "rebuildcounts") -> list[str]:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue().splitlines()


def adopt() -> list[str]:
    return run("adoptlabtable")


def spoil_counters(store) -> None:
    """Counters that drifted: a wrong total, and a domain that no lead backs."""
    if store.__class__.__name__ == "SqlLeadStore":
        models.Counter.objects.filter(kind="domain").update(total=99)
        models.Counter.objects.create(kind="domain", key="ghost.com", total=5, preview_yes=1)
        return
    for key, total in (("x.com", "99"), ("ghost.com", "5")):
        item = {"kind": {"S": "domain"}, "key": {"S": key}, "total": {"N": total}}
        store.client.boto.put_item(TableName=store.counters_table, Item=item)


def lab_lead(store, email: str, preview: str = "No") -> None:
    """A lead as the lab's code wrote it: its three attributes, the email as typed."""
    item = {"email": {"S": email}, "name": {"S": "Lab"}, "preview": {"S": preview}}
    store.client.boto.put_item(TableName=store.leads_table, Item=item)


class TestRebuildCounts:
    def test_it_rewrites_every_counter_from_the_leads(self, store):
        store.add(Lead("Ann", "ann@x.com", True, T0))
        store.add(Lead("Bob", "bob@x.com", False, T0))
        spoil_counters(store)
        assert adopt() == ["Filled signup time, domain and day on 0 older leads."]
        assert run() == [
            "Counted 2 leads.",
            "Wrote 3 counters; set 1 stale to zero.",
        ]
        assert store.domain_counts() == [DomainCount("x.com", 2, 1, pending=2)]
        assert store.daily_counts() == [DayCount(date(2026, 11, 20), 2, pending=2)]
        assert store.total() == 2
        assert run()[-1] == "Wrote 3 counters; set 0 stale to zero."


# Only another program (the lab's code) writes leads that lack our attributes, into DynamoDB.
@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
class TestDynamoRebuildCounts:
    def test_it_fills_what_the_lab_wrote_and_skips_what_is_no_lead(self, store):
        lab_lead(store, "Ann@X.com", "Yes")
        lab_lead(store, "not-an-email")
        store.add(Lead("Bob", "bob@x.com", False, T0))
        assert run() == [
            "Counted 1 leads.",
            "Wrote 3 counters; set 0 stale to zero.",
            "Skipped 1 items without a valid email address.",
            "Did not count 1 leads the lab's code wrote: run `manage.py adoptlabtable` to adopt "
            "them.",
        ]
        assert adopt() == [
            "Filled signup time, domain and day on 1 older leads.",
            "Skipped 1 items without a valid email address.",
        ]
        assert run() == [
            "Counted 2 leads.",
            "Wrote 4 counters; set 0 stale to zero.",
            "Skipped 1 items without a valid email address.",
        ]
        assert store.domain_counts() == [DomainCount("x.com", 2, 1, pending=1)]
        # The lab kept the address as typed; ours are lower-case, as a signup or an erasure
        # normalises what it is given.
        assert {i.email for i in store.search(domain="x.com").items} == {"ann@x.com", "bob@x.com"}
        assert adopt()[0] == "Filled signup time, domain and day on 0 older leads."
        assert store.add(Lead("Ann", "ann@x.com", True, T0)) is False  # known: not stored twice
        assert store.delete("ann@x.com") is True
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]

    def test_a_moved_lead_met_again_on_a_later_page_is_counted_once(self, store, monkeypatch):
        lab_lead(store, "Ann@X.com")
        lab_lead(store, "Bea@X.com")
        call = store.client.call

        def small_pages(operation, **params):  # so that the scan goes on after each move
            return call(operation, **({**params, "Limit": 1} if operation == "scan" else params))

        monkeypatch.setattr(store.client, "call", small_pages)
        adopted, counted = adopt(), run()
        monkeypatch.undo()
        assert adopted == ["Filled signup time, domain and day on 2 older leads."]
        assert counted[0] == "Counted 2 leads."
        assert store.domain_counts() == [DomainCount("x.com", 2, 0)]
        assert store.total() == 2

    def test_a_lab_address_with_a_quoted_at_sign_pages_like_any_other(self, store):
        lab_lead(store, '"a@b"@x.com')
        for i in range(2):
            store.add(Lead("Ann", f"u{i}@x.com", False, T0))
        adopt()
        for filters in ({}, {"domain": "x.com"}):
            emails, cursor = [], None
            while True:
                page = store.search(cursor=cursor, limit=1, **filters)
                emails += [lead.email for lead in page.items]
                if page.next is None:
                    break
                cursor = page.next
            assert sorted(emails) == ['"a@b"@x.com', "u0@x.com", "u1@x.com"]

    def test_it_removes_the_labs_copy_of_a_lead_who_signed_up_again_through_us(self, store):
        lab_lead(store, "Ann@X.com", "Yes")
        store.add(Lead("Ann", "ann@x.com", False, T0))
        assert adopt() == [
            "Filled signup time, domain and day on 0 older leads.",
            "Removed 1 lab copies of leads who signed up again through us.",
        ]
        assert run() == ["Counted 1 leads.", "Wrote 3 counters; set 0 stale to zero."]
        assert store.get("ann@x.com") == Lead("Ann", "ann@x.com", False, T0)
        assert (
            store.client.boto.get_item(
                TableName=store.leads_table, Key={"email": {"S": "Ann@X.com"}}
            ).get("Item")
            is None
        )
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]

    def test_signups_and_erasures_during_the_scan_are_neither_lost_nor_undone(
        self, store, monkeypatch
    ):
        store.add(Lead("Ann", "ann@x.com", True, T0))
        store.add(Lead("Bob", "bob@y.com", False, T0))
        lab_lead(store, "lab@z.com")
        adopt()
        call = store.client.call

        def meanwhile(operation, **params):
            response = call(operation, **params)
            if operation == "scan" and "LastEvaluatedKey" not in response:
                # The scan has read every lead; the counters are not written yet.
                store.add(Lead("New", "new@new.com", True, T0 + timedelta(days=1)))
                store.delete("bob@y.com")
            return response

        monkeypatch.setattr(store.client, "call", meanwhile)
        lines = run()
        monkeypatch.undo()

        assert lines[0] == "Counted 3 leads."  # as the scan saw them: ann, bob and the lab's
        assert lines[-1].startswith("Left 2 counters as they were")  # y.com and T0's day
        assert store.domain_counts() == [
            DomainCount("new.com", 1, 1, pending=1),
            DomainCount("x.com", 1, 1, pending=1),
            DomainCount("z.com", 1, 0),  # the lab's: legacy,
        ]
        today = datetime.now(UTC).date()  # the lab's lead is stamped with the adoption's time
        assert store.daily_counts() == [
            DayCount(T0.date(), 1, pending=1),
            DayCount(T0.date() + timedelta(days=1), 1, pending=1),
            DayCount(today, 1),
        ]
        assert store.total() == 3
        assert {lead.email for lead in store.iter_leads()} == {
            "ann@x.com",
            "new@new.com",
            "lab@z.com",
        }
        # At a quiet moment a second run finds every counter as it should be.
        assert run()[1:] == ["Wrote 7 counters; set 0 stale to zero."]
