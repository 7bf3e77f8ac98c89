"""/search/delete: GET asks to confirm, POST erases the lead and lowers its counters."""

from __future__ import annotations

from datetime import date

from leads.store import DayCount, DomainCount
from leads.tests.factories import lead, sign_in


class TestDelete:
    def test_it_asks_for_confirmation_first(self, client, store):
        store.add(lead("ann@x.com", name="<b>Ann</b>"))
        response = sign_in(client).get("/search/delete?email=Ann@X.com&next=/search?domain=x.com")
        html = response.content.decode()
        assert response.status_code == 200
        assert "&lt;b&gt;Ann&lt;/b&gt;" in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert '<form method="post" action="/search/delete">' in html
        assert 'name="next" value="/search?domain=x.com"' in html
        assert store.get("ann@x.com") is not None  # asking changes nothing

    def test_it_erases_the_lead_and_lowers_every_counter(self, client, store):
        store.add(lead("ann@x.com", preview=True))
        store.add(lead("bob@x.com", preview=True, minutes=1))
        store.add(lead("cy@y.org", minutes=60 * 24))
        response = sign_in(client).post(
            "/search/delete", {"email": "ann@x.com", "next": "/search?domain=x.com"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/search?domain=x.com"
        assert store.get("ann@x.com") is None
        assert store.total() == 2
        assert store.domain_counts() == [
            DomainCount("x.com", 1, 1, pending=1),
            DomainCount("y.org", 1, 0, pending=1),
        ]
        assert store.daily_counts() == [
            DayCount(date(2026, 11, 20), 1, pending=1),
            DayCount(date(2026, 11, 21), 1, pending=1),
        ]
        html = client.get("/search?domain=x.com").content.decode()
        assert "Deleted the lead ann@x.com." in html
        assert "ann@x.com</td>" not in html

    def test_it_drops_a_domain_whose_last_lead_goes(self, client, store):
        store.add(lead("ann@x.com"))
        sign_in(client).post("/search/delete", {"email": "ann@x.com"})
        assert store.domain_counts() == []
        assert store.daily_counts() == []
        assert store.total() == 0

    def test_it_changes_nothing_the_second_time(self, client, store):
        store.add(lead("ann@x.com"))
        store.add(lead("bob@x.com"))
        sign_in(client).post("/search/delete", {"email": "ann@x.com"})
        response = client.post("/search/delete", {"email": "ann@x.com"}, follow=True)
        assert b"There is no lead ann@x.com; nothing changed." in response.content
        assert store.total() == 1
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]

    def test_it_says_so_when_confirming_an_unknown_lead(self, client, store):
        response = sign_in(client).get("/search/delete?email=nobody@x.com")
        assert b"There is no lead nobody@x.com" in response.content
        assert b'method="post"' not in response.content.split(b"<main")[1]

    def test_it_never_redirects_away_from_the_search(self, client, store):
        sign_in(client)
        for target in ["https://evil.example/", "//evil.example/search", "/accounts/logout/"]:
            response = client.post("/search/delete", {"email": "a@x.com", "next": target})
            assert response["Location"] == "/search"

    def test_it_rejects_an_address_without_an_at(self, client, store):
        response = sign_in(client).post("/search/delete", {"email": "nobody"})
        assert response.status_code == 400
        assert b"Enter a valid email address." in response.content

    def test_it_needs_the_csrf_token(self, store):
        from django.test import Client

        client = sign_in(Client(enforce_csrf_checks=True))
        store.add(lead("ann@x.com"))
        response = client.post("/search/delete", {"email": "ann@x.com"})
        assert response.status_code == 403
        assert store.get("ann@x.com") is not None
