"""GET /api/domains: leads per domain with the preview split, from the counters."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.store import get_store
from leads.tests.factories import lead


@pytest.fixture
def staff_client(client, db):
    get_store.cache_clear()
    client.force_login(User.objects.create_user("staff", password="pw-staff-1", is_staff=True))
    return client


def add(email: str, preview: bool = False) -> None:
    get_store().add(lead(email, preview=preview))


class TestApiDomains:
    def test_it_counts_leads_per_domain(self, staff_client):
        add("a@x.com", preview=True)
        add("b@x.com")
        add("c@notx.com", preview=True)
        response = staff_client.get("/api/domains")
        assert response.status_code == 200
        assert response.json() == [
            {"domain": "notx.com", "total": 1, "preview_yes": 1},
            {"domain": "x.com", "total": 2, "preview_yes": 1},
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


class TestApiDomainsGate:
    def test_it_refuses_anonymous_callers(self, client, db):
        assert client.get("/api/domains").status_code == 401

    def test_it_refuses_users_who_are_not_staff(self, client, db):
        client.force_login(User.objects.create_user("plain", password="pw-plain-1"))
        assert client.get("/api/domains").status_code == 403
