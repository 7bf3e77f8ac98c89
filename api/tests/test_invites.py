"""POST /api/invites: invite the next N of the line, as the staff page does; on both backends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from api import tokens
from api.tests.builders import line_up
from leads.tests.factories import T0, sign_in


def post(client: Client, body: object, **headers: Any):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/api/invites", data, content_type="application/json", **headers)


def token_for(staff: bool = True) -> str:
    user = User.objects.create(username="script" if staff else "plain-script", is_staff=staff)
    return tokens.issue(user, "launch script")


class TestApiInvites:
    def test_it_invites_the_next_n_in_line_order(self, client, store):
        line_up(store, "a@x.com", "b@y.org", "c@x.com")
        response = post(sign_in(client), {"next": 2})
        assert response.status_code == 201
        assert response.json() == {"invited": ["a@x.com", "b@y.org"]}
        assert [store.get(e).status for e in ("a@x.com", "b@y.org", "c@x.com")] == [
            "invited",
            "invited",
            "confirmed",
        ]
        store.settle()
        assert store.place("c@x.com") == 1

    def test_only_a_domain_and_only_preview(self, client, store):
        emails = ("a@x.com", "b@y.org", "c@xn--bcher-kva.example", "d@y.org")
        line_up(store, *emails, preview=("d@y.org",))
        client = sign_in(client)
        response = post(client, {"next": 5, "domain": "BÜCHER.example"})
        assert response.json() == {"invited": ["c@xn--bcher-kva.example"]}
        response = post(client, {"next": 5, "preview": True, "domain": None})
        assert response.json() == {"invited": ["d@y.org"]}
        response = post(client, {"next": 5, "preview": False})
        assert response.json() == {"invited": ["a@x.com", "b@y.org"]}

    def test_leads_who_stopped_mail_are_passed_over(self, client, store):
        line_up(store, "a@x.com", "b@x.com")
        store.unsubscribe("a@x.com", at=T0)
        assert post(sign_in(client), {"next": 2}).json() == {"invited": ["b@x.com"]}
        assert store.get("a@x.com").status == "unsubscribed"

    def test_nobody_waiting_invites_nobody(self, client, store):
        response = post(sign_in(client), {"next": 10})
        assert response.status_code == 201
        assert response.json() == {"invited": []}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "next"),
            ({"next": 0}, "next"),
            ({"next": 1001}, "next"),
            ({"next": "5"}, "next"),
            ({"next": True}, "next"),
            ({"next": 2.5}, "next"),
            ({"next": None}, "next"),
            ({"next": 1, "domain": 5}, "domain"),
            ({"next": 1, "domain": "a" * 254}, "domain"),
            ({"next": 1, "domain": "bad..domain"}, "domain"),
            ({"next": 1, "preview": "yes"}, "preview"),
            ({"next": 1, "preview": 1}, "preview"),
            ({"next": 1, "count": 5}, "__all__"),
            ([1], "__all__"),
            ("not json", "__all__"),
            ('"a string"', "__all__"),
            ("[" * 5000, "__all__"),
            (json.dumps({"next": 1, "domain": "x" * 5000}), "__all__"),  # over MAX_BODY
        ],
    )
    def test_it_rejects_a_bad_body_and_changes_nothing(self, client, store, body, field):
        line_up(store, "a@x.com")
        response = post(sign_in(client), body)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]
        assert store.get("a@x.com").status == "confirmed"

    def test_a_body_that_is_not_utf8_is_a_400(self, client, store):
        response = post(sign_in(client), b'{"next": 1, "domain": "\xff"}')
        assert response.status_code == 400

    def test_only_post(self, client, store):
        assert sign_in(client).get("/api/invites").status_code == 405


class TestApiInvitesGate:
    def test_anonymous_callers_get_401_and_nothing_changes(self, client, store):
        line_up(store, "a@x.com")
        response = post(client, {"next": 1})
        assert response.status_code == 401
        assert store.get("a@x.com").status == "confirmed"

    def test_users_who_are_not_staff_get_403(self, client, store):
        line_up(store, "a@x.com")
        assert post(sign_in(client, staff=False), {"next": 1}).status_code == 403
        by_token = post(client, {"next": 1}, HTTP_AUTHORIZATION=f"Bearer {token_for(False)}")
        assert by_token.json() == {"error": "Staff only."}
        assert store.get("a@x.com").status == "confirmed"

    def test_a_token_needs_no_csrf_token(self, store):
        line_up(store, "a@x.com")
        client = Client(enforce_csrf_checks=True)
        response = post(client, {"next": 1}, HTTP_AUTHORIZATION=f"Bearer {token_for()}")
        assert response.status_code == 201
        assert response.json() == {"invited": ["a@x.com"]}

    def test_a_forged_token_is_a_401(self, store):
        line_up(store, "a@x.com")
        response = post(Client(), {"next": 1}, HTTP_AUTHORIZATION="Bearer wl_forged")
        assert response.status_code == 401
        assert store.get("a@x.com").status == "confirmed"

    def test_a_session_needs_the_csrf_token(self, store):
        line_up(store, "a@x.com")
        client = sign_in(Client(enforce_csrf_checks=True))
        response = post(client, {"next": 1})
        assert response.status_code == 403
        assert "CSRF" in response.json()["error"]
        assert store.get("a@x.com").status == "confirmed"
        client.get("/search")  # any staff page sets the CSRF cookie
        token = client.cookies["csrftoken"].value
        response = post(client, {"next": 1}, HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 201
        assert store.get("a@x.com").status == "invited"
