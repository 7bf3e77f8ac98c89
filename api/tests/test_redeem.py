"""POST /api/invites/redeem: a code with its email joins once; used 409, expired or revoked 410,
no such pair 404, a malformed body 400. On both backends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.test import Client

from api.tests.builders import line_up
from leads import invites
from leads.tests.factories import sign_in


def redeem(client: Client, body: object):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/api/invites/redeem", data, content_type="application/json")


def invited(store, email: str = "ann@x.com", *, at: datetime | None = None) -> str:
    """`email` waits in line and is invited: its code, as the invitation mail shows it."""
    line_up(store, email)
    found = store.invite(email, at=at or datetime.now().astimezone())
    return invites.code_for(found)


class TestRedeem:
    def test_the_first_time_the_lead_joins(self, client, store):
        code = invited(store)
        response = redeem(sign_in(client), {"code": code, "email": "ann@x.com"})
        assert response.status_code == 200
        assert response.json() == {"status": "joined"}
        assert store.get("ann@x.com").status == "joined"

    def test_the_email_is_normalised_as_the_signup_form_does_and_the_code_as_typed(
        self, client, store
    ):
        code = invited(store, "ann@xn--bcher-kva.example")
        typed = " " + code.lower().replace("-", " ") + " "
        response = redeem(sign_in(client), {"code": typed, "email": "Ann@BÜCHER.example"})
        assert response.status_code == 200
        assert store.get("ann@xn--bcher-kva.example").status == "joined"

    def test_a_used_code_is_a_409(self, client, store):
        code = invited(store)
        client = sign_in(client)
        redeem(client, {"code": code, "email": "ann@x.com"})
        response = redeem(client, {"code": code, "email": "ann@x.com"})
        assert response.status_code == 409
        assert response.json() == {"error": "This invitation was redeemed already."}

    def test_a_revoked_code_is_a_410(self, client, store):
        code = invited(store)
        store.revoke_invite("ann@x.com")
        response = redeem(sign_in(client), {"code": code, "email": "ann@x.com"})
        assert response.status_code == 410
        assert response.json() == {"error": "This invitation expired or was revoked."}
        assert store.get("ann@x.com").status == "invited"

    def test_an_expired_code_is_a_410(self, client, store, settings):
        long_ago = datetime.now().astimezone() - timedelta(days=settings.INVITE_DAYS, seconds=1)
        code = invited(store, at=long_ago)
        response = redeem(sign_in(client), {"code": code, "email": "ann@x.com"})
        assert response.status_code == 410
        assert store.get("ann@x.com").status == "invited"

    @pytest.mark.parametrize(
        ("code", "email"),
        [
            ("AAAA-BBBB-CCCC", "ann@x.com"),  # forged
            ("ann's", "bob@x.com"),  # ann's code with another invited lead's email
            ("bob's", "ann@x.com"),  # ... and the other way round
            ("ann's", "nobody@x.com"),  # ... or with an address nobody has
            ("ann's", "ann@y.org"),
        ],
    )
    def test_a_code_and_email_that_do_not_match_are_a_404(self, client, store, code, email):
        codes = {"ann's": invited(store, "ann@x.com"), "bob's": invited(store, "bob@x.com")}
        response = redeem(sign_in(client), {"code": codes.get(code, code), "email": email})
        assert response.status_code == 404
        assert response.json() == {"error": "No invitation has this code and email."}
        assert store.get("ann@x.com").status == store.get("bob@x.com").status == "invited"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"email": "ann@x.com"}, "code"),
            ({"code": "ABCD-EFGH-JKMN"}, "email"),
            ({"code": 12, "email": "ann@x.com"}, "code"),
            ({"code": "ABCD-EFGH-JKMN", "email": ["ann@x.com"]}, "email"),
            ({"code": None, "email": "ann@x.com"}, "code"),
            ({"code": "", "email": "ann@x.com"}, "code"),
            ({"code": "A" * 65, "email": "ann@x.com"}, "code"),
            ({"code": "ABCD\x00EFGH", "email": "ann@x.com"}, "code"),
            ({"code": "ABCD-EFGH-JKMN", "email": "a" * 250 + "@x.com"}, "email"),
            ({"code": "ABCD-EFGH-JKMN", "email": "nobody"}, "email"),
            ({"code": "ABCD-EFGH-JKMN", "email": "ann@x..com"}, "email"),
            ({"code": "ABCD-EFGH-JKMN", "email": "ann\u202e@x.com"}, "email"),
            ({"code": "ABCD-EFGH-JKMN", "email": "ann@x.com", "extra": 1}, "__all__"),
            ("", "__all__"),
            ("null", "__all__"),
            ("{", "__all__"),
            (json.dumps({"code": "x" * 5000, "email": "ann@x.com"}), "__all__"),
        ],
    )
    def test_a_malformed_body_is_a_400(self, client, store, body, field):
        code = invited(store)
        response = redeem(sign_in(client), body)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]
        assert store.get("ann@x.com").status == "invited"
        assert redeem(client, {"code": code, "email": "ann@x.com"}).status_code == 200

    def test_anonymous_callers_and_users_who_are_not_staff_are_refused(self, client, store):
        code = invited(store)
        body = {"code": code, "email": "ann@x.com"}
        assert redeem(client, body).status_code == 401
        assert redeem(sign_in(client, staff=False), body).status_code == 403
        assert store.get("ann@x.com").status == "invited"

    def test_a_session_needs_the_csrf_token(self, store):
        code = invited(store)
        client = sign_in(Client(enforce_csrf_checks=True))
        response = redeem(client, {"code": code, "email": "ann@x.com"})
        assert response.status_code == 403
        assert store.get("ann@x.com").status == "invited"
