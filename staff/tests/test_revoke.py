"""The lead lookup's line and invitation details, its Invite and Revoke invitation buttons, and
/search/revoke, that button's POST. On both backends."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from api.tests.builders import line_up, refer
from leads import invites
from leads.invites import Redeemed
from leads.tests.factories import T0, sign_in

REVOKE = 'action="/search/revoke"'
INVITE = 'action="/search/invite"'


def lookup(client: Client, email: str) -> str:
    return client.get(f"/search?email={email}").content.decode()


class TestLookup:
    def test_a_waiting_lead_shows_its_place_and_credits_and_can_be_invited(self, client, store):
        line_up(store, "a@x.com", "b@x.com", "c@x.com")
        refer(store, "c@x.com", "friend@y.org", ip="203.0.113.5")
        html = lookup(sign_in(client), "c@x.com")
        assert "<dt>Place in line</dt><dd>1</dd>" in html
        assert "<dt>Credited referrals</dt><dd>1</dd>" in html
        assert INVITE in html and REVOKE not in html

    def test_an_invited_lead_can_have_its_invitation_revoked(self, client, store, settings):
        line_up(store, "a@x.com")
        store.invite("a@x.com", at=T0)
        html = lookup(sign_in(client), "a@x.com")
        assert "Place in line" not in html
        assert INVITE not in html and REVOKE in html
        expiry = (T0 + timedelta(days=settings.INVITE_DAYS)).strftime("%Y-%m-%d %H:%M")
        assert "the code works until <time datetime=" in html and expiry in html
        assert ">Revoke invitation<span" in html

    def test_a_revoked_or_joined_lead_has_no_revoke_button(self, client, store):
        line_up(store, "a@x.com", "b@x.com")
        store.invite("a@x.com", at=T0)
        store.revoke_invite("a@x.com")
        store.invite("b@x.com", at=T0)
        store.join("b@x.com", at=T0 + timedelta(hours=1))
        client = sign_in(client)
        html = lookup(client, "a@x.com")
        assert "; revoked</dd>" in html and REVOKE not in html
        html = lookup(client, "b@x.com")
        assert "<dt>Joined (UTC)</dt>" in html and REVOKE not in html and INVITE not in html

    def test_a_lead_who_stopped_mail_cannot_be_invited_from_here_either(self, client, store):
        line_up(store, "a@x.com")
        store.unsubscribe("a@x.com", at=T0)
        store.settle()
        html = lookup(sign_in(client), "a@x.com")
        assert "<dt>Place in line</dt><dd>1</dd>" in html
        assert INVITE not in html


class TestList:
    def test_an_invited_lead_in_a_list_has_its_revoke_button(self, client, store):
        line_up(store, "a@x.com", "b@x.com", "c@x.com")
        store.invite("a@x.com", at=T0)
        store.invite("b@x.com", at=T0)
        store.revoke_invite("b@x.com")
        html = sign_in(client).get("/search?domain=x.com").content.decode()
        assert html.count(REVOKE) == 1
        assert 'Revoke invitation<span class="visually-hidden"> of a@x.com</span>' in html


class TestRevoke:
    def test_it_revokes_the_code_and_goes_back(self, client, store):
        line_up(store, "a@x.com")
        code = invites.code_for(store.invite("a@x.com", at=T0))
        response = sign_in(client).post(
            "/search/revoke", {"email": "a@x.com", "next": "/search?email=a@x.com"}, follow=True
        )
        assert response.redirect_chain == [("/search?email=a@x.com", 302)]
        html = response.content.decode()
        assert "Revoked the invitation of a@x.com; its code no longer works." in html
        assert REVOKE not in html
        assert invites.redeem("a@x.com", code, at=T0 + timedelta(hours=1)) is Redeemed.GONE
        assert store.get("a@x.com").status == "invited"

    def test_nothing_to_revoke_changes_nothing(self, client, store):
        line_up(store, "a@x.com")
        client = sign_in(client)
        for email in ["a@x.com", "nobody@x.com"]:
            response = client.post("/search/revoke", {"email": email}, follow=True)
            assert f"{email} has no invitation to revoke; nothing changed." in (
                response.content.decode()
            )
        assert store.get("a@x.com").status == "confirmed"

    def test_it_needs_the_csrf_token(self, store):
        line_up(store, "a@x.com")
        store.invite("a@x.com", at=T0)
        client = sign_in(Client(enforce_csrf_checks=True))
        assert client.post("/search/revoke", {"email": "a@x.com"}).status_code == 403
        assert store.get("a@x.com").invite_revoked is False

    def test_it_is_for_staff_only(self, client, store):
        line_up(store, "a@x.com")
        store.invite("a@x.com", at=T0)
        assert client.post("/search/revoke", {"email": "a@x.com"}).status_code == 302
        response = sign_in(client, staff=False).post("/search/revoke", {"email": "a@x.com"})
        assert response.status_code == 403
        assert store.get("a@x.com").invite_revoked is False
