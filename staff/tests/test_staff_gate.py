"""The staff gate on every staff path: anonymous to the login page, non-staff 403, staff in."""

from __future__ import annotations

import pytest

from leads.tests.factories import lead, sign_in

PAGES = [
    "/search",
    "/search?domain=x.com",
    "/search/export.csv",
    "/search/delete?email=ann@x.com",
    "/search/tokens",
    "/search/line",
    "/search/invite-next",
    "/search/invite-next?count=5",
    "/search/referrals",
]
API = ["/api/leads", "/api/domains", "/api/daily", "/api/line", "/api/openapi.json"]


@pytest.mark.django_db
class TestStaffGate:
    @pytest.mark.parametrize("url", PAGES)
    def test_it_sends_anonymous_visitors_to_the_login_page(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/search")

    def test_it_keeps_the_query_in_next(self, client):
        response = client.get("/search?domain=x.com")
        assert response["Location"] == "/accounts/login/?next=/search%3Fdomain%3Dx.com"

    @pytest.mark.parametrize("url", PAGES)
    def test_it_refuses_users_who_are_not_staff(self, client, store, url):
        store.add(lead("ann@x.com"))  # a lead to leak, if the gate leaked
        response = sign_in(client, staff=False).get(url)
        assert response.status_code == 403
        assert b"ann@x.com" not in response.content

    @pytest.mark.parametrize("url", PAGES)
    def test_it_lets_staff_in(self, client, store, url):
        response = sign_in(client).get(url)
        assert response.status_code == 200

    def test_it_refuses_a_post_delete_from_anonymous_visitors(self, client, store):
        store.add(lead("ann@x.com"))
        response = client.post("/search/delete", {"email": "ann@x.com"})
        assert response.status_code == 302
        assert store.get("ann@x.com") is not None

    def test_it_refuses_a_post_delete_from_users_who_are_not_staff(self, client, store):
        store.add(lead("ann@x.com"))
        response = sign_in(client, staff=False).post("/search/delete", {"email": "ann@x.com"})
        assert response.status_code == 403
        assert store.get("ann@x.com") is not None

    @pytest.mark.parametrize("url", API)
    def test_it_answers_401_to_anonymous_api_calls(self, client, url):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json() == {"error": "Sign in as staff first."}

    @pytest.mark.parametrize("url", API)
    def test_it_answers_403_to_api_calls_from_users_who_are_not_staff(self, client, url):
        response = sign_in(client, staff=False).get(url)
        assert response.status_code == 403
        assert response.json() == {"error": "Staff only."}

    @pytest.mark.parametrize("url", API)
    def test_it_answers_api_calls_from_staff(self, client, store, url):
        response = sign_in(client).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
