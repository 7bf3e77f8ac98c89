"""After a signup: "check your inbox" (JSON and /thanks) and its "send it again" (POST /resend)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from leads import links
from leads.store import get_store

JSON: dict[str, Any] = {"HTTP_ACCEPT": "application/json"}
GOOD = {"name": "Ann Lee", "email": "ann@example.com", "previewAccess": "Yes"}
ANN = links.resend_token("ann@example.com")


@pytest.fixture(autouse=True)
def _sql(db):
    get_store.cache_clear()


def without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", html)


def signed_up(client: Client, data: dict) -> tuple[Any, Any]:
    """The redirect of a plain form post and the thanks page it leads to."""
    redirect = client.post("/signup", data)
    return redirect, client.get(redirect["Location"])


def asks(email: str) -> int:
    return next((d.asks for d in get_store().outbox() if d.lead.email == email), 0)


class TestCheckInbox:
    def test_the_json_answer_names_the_normalised_address_masked(self, client):
        data = {**GOOD, "name": "Zed Quux", "email": "  Ann@Bücher.Example "}
        body = client.post("/signup", data, **JSON).json()
        assert "Check your inbox" in body["message"]
        assert "a•••@xn--bcher-kva.example" in body["message"]
        assert body["email"] == "a•••@xn--bcher-kva.example"
        assert links.resend_email(body["resend"]) == "ann@xn--bcher-kva.example"
        for typed in ("Zed", "Quux", "Ann@", "Bücher", "ann@"):
            assert typed not in body["message"]

    def test_the_thanks_page_names_the_address_masked_and_offers_to_send_again(self, client):
        _, page = signed_up(client, {**GOOD, "name": "Zed Quux", "email": "Ann@Example.COM"})
        html = page.content.decode()
        assert "we sent a link to a•••@example.com" in html
        assert f'name="token" value="{ANN}"' in html
        assert 'action="/resend"' in html
        assert "Zed" not in html and "Ann@" not in html and "ann@" not in html
        assert html.partition("<main")[2].count("Thank you") == 1

    @pytest.mark.parametrize("kind", ["form", "json"])
    def test_a_known_address_gets_the_same_answer_as_a_new_one(self, store, kind):
        first, second = Client(), Client()
        typed_again = {
            **GOOD,
            "name": "Impostor",
            "email": "ANN@example.com ",
            "previewAccess": "No",
        }
        if kind == "json":
            new = first.post("/signup", GOOD, **JSON)
            known = second.post("/signup", typed_again, **JSON)
            assert (new.status_code, new.content) == (known.status_code, known.content)
        else:
            new_redirect, new = signed_up(first, GOOD)
            known_redirect, known = signed_up(second, typed_again)
            assert new_redirect.status_code == known_redirect.status_code == 302
            assert new_redirect["Location"] == known_redirect["Location"]
            assert new_redirect.cookies["waitlist_inbox"].output() == (
                known_redirect.cookies["waitlist_inbox"].output()
            )
            assert new.status_code == known.status_code == 200
            assert without_csrf(new.content) == without_csrf(known.content)
        assert [lead.email for lead in store.iter_leads()] == ["ann@example.com"]

    def test_the_thanks_page_alone_names_no_address(self, client):
        html = client.get("/thanks").content.decode()
        assert "Check your inbox" in html
        assert "•••" not in html and 'action="/resend"' not in html

    def test_a_forged_cookie_names_no_address(self, client):
        client.cookies["waitlist_inbox"] = ANN[:-2] + "xx"
        response = client.get("/thanks")
        assert response.status_code == 200
        assert "•••" not in response.content.decode()

    def test_without_double_opt_in_it_says_you_are_on_the_list(self, client, settings):
        settings.DOUBLE_OPT_IN = False
        body = client.post("/signup", GOOD, **JSON).json()
        assert body["message"] == "Thank you! You are on the list; we will be in touch."
        assert "resend" not in body
        _, page = signed_up(client, {**GOOD, "email": "bo@example.com"})
        assert 'action="/resend"' not in page.content.decode()


class TestResend:
    def test_it_asks_for_the_mail_again_and_says_so(self, client):
        client.post("/signup", GOOD)
        before = asks("ann@example.com")
        response = client.post("/resend", {"token": ANN})
        assert response.status_code == 302
        assert response["Location"] == "/thanks?sent=1"
        assert asks("ann@example.com") == before + 1
        html = client.get(response["Location"]).content.decode()
        assert "We are sending a new mail to a•••@example.com" in html

    def test_it_answers_json_to_the_modal(self, client):
        client.post("/signup", GOOD)
        response = client.post("/resend", {"token": ANN}, **JSON)
        assert response.status_code == 200
        assert "a•••@example.com" in response.json()["message"]

    def test_an_unknown_address_gets_the_same_answer_as_a_known_one(self, client):
        client.post("/signup", GOOD)
        amy = links.resend_token("amy@example.com")
        known = Client().post("/resend", {"token": ANN}, **JSON)
        unknown = Client().post("/resend", {"token": amy}, **JSON)
        assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
        known_form = Client().post("/resend", {"token": ANN})
        unknown_form = Client().post("/resend", {"token": amy})
        assert known_form["Location"] == unknown_form["Location"]
        assert get_store().get("amy@example.com") is None

    @pytest.mark.parametrize(
        "token",
        ["", "nonsense", ANN[:-3], ANN + "x", ANN.replace("I", "J", 1)],
        ids=["empty", "nonsense", "truncated", "lengthened", "tampered"],
    )
    def test_it_refuses_a_bad_token_and_asks_nothing(self, client, token):
        client.post("/signup", GOOD)
        before = asks("ann@example.com")
        response = client.post("/resend", {"token": token})
        assert response.status_code == 400
        assert asks("ann@example.com") == before

    def test_it_refuses_a_get(self, client):
        assert client.get("/resend").status_code == 405

    def test_it_refuses_a_post_without_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        assert client.post("/resend", {"token": ANN}).status_code == 403

    def test_it_limits_each_client(self, client, settings):
        settings.SIGNUP_RATE_LIMIT = "2/5m"
        client.post("/signup", GOOD)
        codes = [client.post("/resend", {"token": ANN}, REMOTE_ADDR="10.8.0.1") for _ in range(3)]
        assert [c.status_code for c in codes] == [302, 302, 429]
        assert codes[-1]["Retry-After"] == "300"
        html = codes[-1].content.decode()
        assert "Please try again in 5 minutes." in html
        assert "a•••@example.com" in html  # the page still says where the mail went
        other = client.post("/resend", {"token": ANN}, REMOTE_ADDR="10.8.0.2")
        assert other.status_code == 302
        limited = client.post("/resend", {"token": ANN}, **JSON, REMOTE_ADDR="10.8.0.1")
        assert limited.status_code == 429
        assert limited.json()["error"].endswith("Please try again in 5 minutes.")
