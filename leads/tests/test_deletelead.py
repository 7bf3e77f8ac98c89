"""`manage.py deletelead EMAIL`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leads.store import DomainCount
from leads.tests.factories import lead


def deletelead(email: str) -> str:
    out = StringIO()
    call_command("deletelead", email, stdout=out)
    return out.getvalue()


class TestDeleteLead:
    def test_it_erases_the_lead_and_its_counts(self, store):
        store.add(lead("ann@x.com", preview=True))
        store.add(lead("bob@x.com", minutes=1))
        assert deletelead("ann@x.com") == "Deleted the lead ann@x.com.\n"
        assert store.get("ann@x.com") is None
        assert store.total() == 1
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]

    def test_it_normalises_the_address_as_the_signup_form_does(self, store):
        store.add(lead("ann@xn--bcher-kva.example"))
        assert (
            deletelead("  Ann@Bücher.Example ") == "Deleted the lead ann@xn--bcher-kva.example.\n"
        )
        assert store.total() == 0

    def test_it_changes_nothing_the_second_time(self, store):
        store.add(lead("ann@x.com"))
        store.add(lead("bob@x.com"))
        deletelead("ann@x.com")
        assert deletelead("ann@x.com") == "There is no lead ann@x.com; nothing changed.\n"
        assert store.total() == 1
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]

    def test_it_rejects_something_that_is_not_an_address(self, store):
        store.add(lead("ann@x.com"))
        with pytest.raises(CommandError, match=r"Enter a valid email address\."):
            deletelead("ann")
        assert store.total() == 1
