"""Leads of every status, and lines of them, for the API's and the staff pages' tests, on
either backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from leads import models
from leads.store import LeadStore
from leads.tests.factories import T0, add_confirmed, confirmed, lead


def stored_legacy(store: LeadStore, email: str) -> None:
    """A lead stored before confirmation existed, as each backend comes to hold one: on SQL a
    row from before the stage column (none), on DynamoDB an item the lab's code wrote, adopted.

    The port cannot write one (every signup is pending at least), so this reaches under it.
    """
    if store.__class__.__name__ == "SqlLeadStore":
        store.add(lead(email))
        models.LeadRow.objects.filter(email=email).update(stage=None)
        store.rebuild_counts()
        return
    item = {"email": {"S": email}, "name": {"S": "Lab"}, "preview": {"S": "No"}}
    store.client.boto.put_item(TableName=store.leads_table, Item=item)  # type: ignore[attr-defined]
    store.adopt_lab_leads()


def one_of_each(store: LeadStore) -> None:
    """At x.com, a minute apart: pending, confirmed, unsubscribed after confirming, and
    unsubscribed while pending (preview: the first two)."""
    store.add(lead("pending@x.com", preview=True))
    add_confirmed(store, lead("confirmed@x.com", preview=True, minutes=1))
    add_confirmed(store, lead("stopped@x.com", minutes=2))
    store.unsubscribe("stopped@x.com", at=T0 + timedelta(hours=1))
    store.add(lead("quiet@x.com", minutes=3))
    store.unsubscribe("quiet@x.com", at=T0 + timedelta(hours=1))


def line_up(store: LeadStore, *emails: str, preview: tuple[str, ...] = ()) -> None:
    """Each of `emails` signs up and confirms a minute after the one before, each from a
    network of its own (so that referrals between them are credited): the line in that order."""
    for i, email in enumerate(emails):
        store.add(lead(email, minutes=i, preview=email in preview))
        confirmed(store, email, at=T0 + timedelta(minutes=i, seconds=1), ip=f"198.51.{i}.1")
    store.settle()


def refer(store: LeadStore, referrer: str, referee: str, *, ip: str, minutes: int = 100) -> None:
    """`referee` signs up with `referrer`'s code and confirms from `ip`."""
    found = store.get(referrer)
    assert found is not None
    store.add(replace(lead(referee, minutes=minutes), referred_by=found.ref_code))
    confirmed(store, referee, at=T0 + timedelta(minutes=minutes, seconds=1), ip=ip)
    store.settle()
