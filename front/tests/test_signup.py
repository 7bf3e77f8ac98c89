"""POST /signup: validation, normalisation, duplicates, bots, rate limits, CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from leads.store import get_store

JSON: dict[str, Any] = {"HTTP_ACCEPT": "application/json"}
GOOD = {"name": "Ann Lee", "email": "ann@example.com", "previewAccess": "Yes"}


@pytest.fixture(autouse=True)
def _sql(db):
    get_store.cache_clear()


def post(client: Client, data: dict, **extra):
    return client.post("/signup", data, **extra)


def stored() -> list[str]:
    return [lead.email for lead in get_store().iter_leads()]


class TestSignup:
    def test_it_stores_a_lead_and_answers_json(self, client):
        response = post(client, GOOD, **JSON)
        assert response.status_code == 200
        assert "message" in response.json()
        lead = get_store().get("ann@example.com")
        assert lead is not None
        assert (lead.name, lead.preview) == ("Ann Lee", True)
        assert get_store().total() == 1

    def test_it_redirects_a_plain_form_post_to_the_thanks_page(self, client):
        response = post(client, GOOD)
        assert response.status_code == 302
        assert response["Location"] == "/thanks"
        assert stored() == ["ann@example.com"]

    def test_it_trims_and_lower_cases(self, client):
        data = {"name": "  Ann  ", "email": "  Ann@Example.COM ", "previewAccess": "No"}
        assert post(client, data, **JSON).status_code == 200
        lead = get_store().get("ann@example.com")
        assert lead is not None
        assert (lead.name, lead.preview) == ("Ann", False)

    def test_it_turns_an_internationalised_domain_into_ascii(self, client):
        data = {**GOOD, "email": "Jose@Bücher.example"}
        assert post(client, data, **JSON).status_code == 200
        assert stored() == ["jose@xn--bcher-kva.example"]

    def test_it_answers_a_known_email_exactly_as_a_new_one(self, client):
        first = post(client, GOOD, **JSON)
        second = post(client, {**GOOD, "name": "Impostor", "previewAccess": "No"}, **JSON)
        assert (first.status_code, first.content) == (second.status_code, second.content)
        first_form = post(client, {**GOOD, "email": "new@example.com"})
        second_form = post(client, {**GOOD, "email": "NEW@example.com"})
        assert (first_form.status_code, first_form["Location"]) == (
            second_form.status_code,
            second_form["Location"],
        )

    def test_it_never_overwrites_a_known_email(self, client):
        post(client, GOOD, **JSON)
        post(client, {**GOOD, "name": "Impostor", "previewAccess": "No"}, **JSON)
        lead = get_store().get("ann@example.com")
        assert lead is not None
        assert (lead.name, lead.preview) == ("Ann Lee", True)
        assert get_store().total() == 1

    def test_it_stores_markup_in_a_name_as_typed(self, client):
        post(client, {**GOOD, "name": "<script>alert(1)</script>"}, **JSON)
        lead = get_store().get("ann@example.com")
        assert lead is not None
        assert lead.name == "<script>alert(1)</script>"

    def test_a_filled_honeypot_looks_accepted_but_stores_nothing(self, client):
        response = post(client, {**GOOD, "website": "http://spam.example"}, **JSON)
        assert response.status_code == 200
        assert stored() == []
        # The answer names the address (masked), so a person's answer for the same one matches.
        assert response.json() == post(client, GOOD, **JSON).json()
        assert stored() == ["ann@example.com"]

    def test_it_refuses_a_get(self, client):
        assert client.get("/signup").status_code == 405


BAD_INPUTS = [
    ("missing name", {"email": "a@example.com", "previewAccess": "Yes"}, "name"),
    ("missing email", {"name": "Ann", "previewAccess": "Yes"}, "email"),
    ("missing previewAccess", {"name": "Ann", "email": "a@example.com"}, "previewAccess"),
    ("nothing at all", {}, "name"),
    ("empty name", {**GOOD, "name": ""}, "name"),
    ("blank name", {**GOOD, "name": "   "}, "name"),
    ("empty email", {**GOOD, "email": ""}, "email"),
    ("name too long", {**GOOD, "name": "x" * 101}, "name"),
    ("email too long", {**GOOD, "email": "a" * 64 + "@" + "b" * 186 + ".com"}, "email"),
    ("email without @", {**GOOD, "email": "ann.example.com"}, "email"),
    ("email without domain", {**GOOD, "email": "ann@"}, "email"),
    ("email without user", {**GOOD, "email": "@example.com"}, "email"),
    ("two @", {**GOOD, "email": "a@b@example.com"}, "email"),
    ("space inside email", {**GOOD, "email": "a nn@example.com"}, "email"),
    ("header injection", {**GOOD, "email": "a@example.com\r\nBcc: x@evil.example"}, "email"),
    ("newline in email", {**GOOD, "email": "a@example.com\nx"}, "email"),
    ("bad domain label", {**GOOD, "email": "a@-bad-.example"}, "email"),
    ("unknown previewAccess", {**GOOD, "previewAccess": "Maybe"}, "previewAccess"),
    ("lower-case previewAccess", {**GOOD, "previewAccess": "yes"}, "previewAccess"),
    ("NUL in name", {**GOOD, "name": "An\x00n"}, "name"),
    ("NUL in email", {**GOOD, "email": "a\x00@example.com"}, "email"),
    ("control character in name", {**GOOD, "name": "Ann\x07"}, "name"),
    ("escape in name", {**GOOD, "name": "Ann\x1b[31m"}, "name"),
    ("DEL in name", {**GOOD, "name": "Ann\x7f"}, "name"),
    ("newline in name", {**GOOD, "name": "Ann\nLee"}, "name"),
    *[
        (f"U+{ord(char):04X} in name", {**GOOD, "name": f"Ann{char}Lee"}, "name")
        # Line and paragraph separators, and the bidirectional controls: nobody types them,
        # and they break lines or reorder text in the owner's notification.
        for char in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        "\u200e\u200f\u061c"
    ],
]


@pytest.mark.parametrize(("case", "data", "field"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
class TestBadInput:
    def test_it_answers_400_json_with_a_message_per_field(self, client, case, data, field):
        response = post(client, data, **JSON)
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert errors[field][0]["message"]
        assert stored() == []
        assert get_store().total() == 0

    def test_it_shows_the_form_again_with_its_errors(self, client, case, data, field):
        response = post(client, data)
        assert response.status_code == 400
        assert b'aria-invalid="true"' in response.content or field == "previewAccess"
        assert b'id="signup-dialog"' in response.content
        assert stored() == []


class TestRateLimit:
    def test_it_answers_429_after_too_many_signups(self, client, settings):
        settings.SIGNUP_RATE_LIMIT = "3/m"
        codes = [
            post(client, {**GOOD, "email": f"u{i}@example.com"}, **JSON, REMOTE_ADDR="10.9.0.1")
            for i in range(5)
        ]
        assert [c.status_code for c in codes] == [200, 200, 200, 429, 429]
        assert "error" in codes[-1].json()
        assert len(stored()) == 3

    def test_a_limited_form_post_gets_429_with_the_page(self, client, settings):
        settings.SIGNUP_RATE_LIMIT = "1/m"
        post(client, GOOD, REMOTE_ADDR="10.9.0.2")
        response = post(client, {**GOOD, "email": "b@example.com"}, REMOTE_ADDR="10.9.0.2")
        assert response.status_code == 429
        assert b"Too many signups" in response.content

    def test_a_limited_form_post_keeps_what_was_typed_and_says_how_long_to_wait(
        self, client, settings
    ):
        settings.SIGNUP_RATE_LIMIT = "1/5m"
        post(client, GOOD, REMOTE_ADDR="10.9.0.5")
        typed = {**GOOD, "name": "Bea Lopez", "email": "bea@example.com"}
        response = post(client, typed, REMOTE_ADDR="10.9.0.5")
        assert response.status_code == 429
        assert response["Retry-After"] == "300"
        html = response.content.decode()
        assert "Please try again in 5 minutes." in html
        assert 'value="Bea Lopez"' in html and 'value="bea@example.com"' in html
        limited = post(client, typed, **JSON, REMOTE_ADDR="10.9.0.5")
        assert limited["Retry-After"] == "300"
        assert limited.json()["error"].endswith("Please try again in 5 minutes.")

    def test_it_counts_each_client_address_apart(self, client, settings):
        settings.SIGNUP_RATE_LIMIT = "1/m"
        assert post(client, GOOD, **JSON, REMOTE_ADDR="10.9.0.3").status_code == 200
        other = {**GOOD, "email": "b@example.com"}
        assert post(client, other, **JSON, REMOTE_ADDR="10.9.0.4").status_code == 200

    def test_it_ignores_a_forged_forwarded_for_without_trusted_proxies(self, client, settings):
        settings.SIGNUP_RATE_LIMIT = "1/m"
        settings.TRUSTED_PROXY_COUNT = 0
        post(client, GOOD, **JSON, REMOTE_ADDR="10.9.0.5", HTTP_X_FORWARDED_FOR="1.1.1.1")
        response = post(
            client,
            {**GOOD, "email": "b@example.com"},
            **JSON,
            REMOTE_ADDR="10.9.0.5",
            HTTP_X_FORWARDED_FOR="2.2.2.2",
        )
        assert response.status_code == 429

    def test_it_uses_the_address_the_trusted_proxy_saw(self, client, settings):
        settings.SIGNUP_RATE_LIMIT = "1/m"
        settings.TRUSTED_PROXY_COUNT = 1
        alb = "10.9.0.6"
        # The client may prepend anything; only the entry the load balancer appended counts.
        first = post(client, GOOD, **JSON, REMOTE_ADDR=alb, HTTP_X_FORWARDED_FOR="9.9.9.9, 3.3.3.3")
        other_client = post(
            client,
            {**GOOD, "email": "b@example.com"},
            **JSON,
            REMOTE_ADDR=alb,
            HTTP_X_FORWARDED_FOR="9.9.9.9, 4.4.4.4",
        )
        same_client = post(
            client,
            {**GOOD, "email": "c@example.com"},
            **JSON,
            REMOTE_ADDR=alb,
            HTTP_X_FORWARDED_FOR="8.8.8.8, 3.3.3.3",
        )
        assert [first.status_code, other_client.status_code, same_client.status_code] == [
            200,
            200,
            429,
        ]

    def test_off_disables_the_limit(self, client, settings):
        settings.SIGNUP_RATE_LIMIT = "off"
        for i in range(15):
            data = {**GOOD, "email": f"u{i}@example.com"}
            assert post(client, data, **JSON, REMOTE_ADDR="10.9.0.7").status_code == 200


class TestCsrf:
    def test_it_refuses_a_post_without_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/signup", GOOD, HTTP_ACCEPT="application/json")
        assert response.status_code == 403
        assert stored() == []

    def test_it_accepts_the_token_from_the_landing_page(self):
        client = Client(enforce_csrf_checks=True)
        client.get("/")
        token = client.cookies["csrftoken"].value
        response = client.post("/signup", {**GOOD, "csrfmiddlewaretoken": token}, **JSON)
        assert response.status_code == 200
        assert stored() == ["ann@example.com"]
