"""API tokens: staff issue their own at /search/tokens; scripts send them as Bearer tokens."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from leads.models import ApiToken
from leads.tests.factories import lead, sign_in


def issue(client, name: str = "CRM sync") -> str:
    html = client.post("/search/tokens", {"name": name}).content.decode()
    found = re.search(r'<code class="token" id="new-token">([^<]+)</code>', html)
    assert found, html
    return found.group(1)


def someone_elses_token() -> ApiToken:
    other = User.objects.create(username="bob", is_staff=True)
    return ApiToken.objects.create(
        user=other, name="Bob's", prefix="wl_x", digest="0" * 64, created_at="2026-11-20T12:00Z"
    )


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.django_db
class TestTokensPage:
    def test_it_issues_a_token_shown_once_and_stored_as_a_digest(self, client):
        token = issue(sign_in(client))
        assert token.startswith("wl_") and len(token) > 40
        stored = ApiToken.objects.get()
        assert stored.name == "CRM sync"
        assert token not in (stored.digest, stored.prefix)
        assert token.startswith(stored.prefix)
        page = client.get("/search/tokens").content.decode()
        assert token not in page
        assert "CRM sync" in page

    def test_it_lists_only_your_own_tokens(self, client):
        someone_elses_token()
        page = sign_in(client).get("/search/tokens").content.decode()
        assert "Bob&#x27;s" not in page
        assert "You have no tokens." in page

    def test_it_needs_a_name(self, client):
        response = sign_in(client).post("/search/tokens", {"name": ""})
        assert response.status_code == 400
        assert ApiToken.objects.count() == 0

    def test_it_limits_how_many_tokens_one_has(self, client):
        sign_in(client)
        for i in range(20):
            issue(client, f"t{i}")
        response = client.post("/search/tokens", {"name": "one more"})
        assert response.status_code == 400
        assert b"At most 20 tokens; revoke one first." in response.content
        assert ApiToken.objects.count() == 20

    def test_it_revokes_only_your_own_tokens(self, client):
        theirs = someone_elses_token()
        sign_in(client).post("/search/tokens", {"revoke": theirs.pk})
        assert ApiToken.objects.filter(pk=theirs.pk).exists()

    def test_it_is_for_staff_only(self, client):
        assert client.get("/search/tokens").status_code == 302
        assert sign_in(client, staff=False).post("/search/tokens", {"name": "x"}).status_code == 403
        assert ApiToken.objects.count() == 0


class TestTokenAuth:
    def test_a_script_reads_the_api_with_a_token(self, client, store):
        store.add(lead("ann@x.com"))
        token = issue(sign_in(client))
        client.logout()
        response = client.get("/api/leads?domain=x.com", **bearer(token))
        assert response.status_code == 200
        assert [item["email"] for item in response.json()["items"]] == ["ann@x.com"]
        assert ApiToken.objects.get().last_used_at is not None

    def test_it_refuses_an_unknown_token(self, client, store):
        for value in ["wl_" + "a" * 43, "not-even-ours", ""]:
            response = client.get("/api/domains", **bearer(value))
            assert response.status_code == 401
            assert response.json() == {"error": "Unknown or revoked token."}

    def test_it_refuses_a_revoked_token(self, client, store):
        token = issue(sign_in(client))
        client.post("/search/tokens", {"revoke": ApiToken.objects.get().pk})
        client.logout()
        assert client.get("/api/daily", **bearer(token)).status_code == 401

    def test_it_refuses_the_token_of_someone_who_lost_staff_access(self, client, store):
        token = issue(sign_in(client))
        client.logout()
        User.objects.filter(username="staff").update(is_staff=False)
        assert client.get("/api/daily", **bearer(token)).status_code == 403
        User.objects.filter(username="staff").update(is_active=False)
        assert client.get("/api/daily", **bearer(token)).status_code == 401

    def test_it_opens_no_page_but_the_api(self, client, store):
        token = issue(sign_in(client))
        client.logout()
        assert client.get("/search", **bearer(token)).status_code == 302
