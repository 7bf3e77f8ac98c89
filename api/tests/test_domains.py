"""GET /api/domains: leads per domain with the preview split, from the counters."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.tests.builders import one_of_each, stored_legacy
from leads.store import get_store
from leads.tests.factories import add_confirmed, lead, sign_in


@pytest.fixture
def staff_client(client, db):
    get_store.cache_clear()
    client.force_login(User.objects.create_user("staff", password="pw-staff-1", is_staff=True))
    return client


def add(email: str, preview: bool = False) -> None:
    get_store().add(lead(email, preview=preview))


NONE = {"pending": 0, "confirmed": 0, "unsubscribed": 0, "invited": 0, "joined": 0}


class TestApiDomains:
    def test_it_counts_leads_per_domain(self, staff_client):
        add("a@x.com", preview=True)
        add("b@x.com")
        add("c@notx.com", preview=True)
        response = staff_client.get("/api/domains")
        assert response.status_code == 200
        assert response.json() == [
            {"domain": "notx.com", "total": 1, "preview_yes": 1, **NONE, "pending": 1},
            {"domain": "x.com", "total": 2, "preview_yes": 1, **NONE, "pending": 2},
        ]

    def test_it_reads_the_counters_not_the_leads(self, staff_client):
        for i in range(20):
            add(f"u{i}@x.com")
        with CaptureQueriesContext(connection) as queries:
            staff_client.get("/api/domains")
        lead_reads = [q["sql"] for q in queries if "leads_lead" in q["sql"]]
        assert lead_reads == []

    def test_it_is_empty_without_leads(self, staff_client):
        assert staff_client.get("/api/domains").json() == []


class TestApiDomainStatuses:
    def test_it_counts_each_status_beside_the_total(self, client, store):
        one_of_each(store)
        add_confirmed(store, lead("ann@y.org", minutes=5))
        assert sign_in(client).get("/api/domains").json() == [
            {"domain": "x.com", "total": 4, "preview_yes": 2, "pending": 1, "confirmed": 1,
             "unsubscribed": 2, "invited": 0, "joined": 0},
            {"domain": "y.org", "total": 1, "preview_yes": 0, "pending": 0, "confirmed": 1,
             "unsubscribed": 0, "invited": 0, "joined": 0},
        ]  # fmt: skip

    def test_legacy_leads_are_the_total_less_the_status_figures(self, client, store):
        stored_legacy(store, "old@x.com")
        store.add(lead("new@x.com"))
        (row,) = sign_in(client).get("/api/domains").json()
        assert (row["total"], row["pending"]) == (2, 1)
        figures = ["pending", "confirmed", "unsubscribed", "invited", "joined"]
        assert row["total"] - sum(row[name] for name in figures) == 1


class TestApiDomainsGate:
    def test_it_refuses_anonymous_callers(self, client, db):
        assert client.get("/api/domains").status_code == 401

    def test_it_refuses_users_who_are_not_staff(self, client, db):
        client.force_login(User.objects.create_user("plain", password="pw-plain-1"))
        assert client.get("/api/domains").status_code == 403
