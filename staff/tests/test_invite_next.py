"""/search/invite-next: GET shows who would be invited and asks to confirm, its POST invites
them; bad input is a form error and changes nothing. On both backends."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from api.tests.builders import line_up
from leads.tests.factories import T0, sign_in

LINE = ("a@x.com", "b@y.org", "c@xn--bcher-kva.example", "d@y.org", "e@x.com")


def shown(html: str) -> list[str]:
    return re.findall(r'<td data-label="Email">([^<]+)</td>', html)


def statuses(store) -> list[str]:
    return [store.get(email).status for email in LINE]


class TestInviteNext:
    def test_it_shows_an_empty_form_first(self, client, store):
        html = sign_in(client).get("/search/invite-next").content.decode()
        assert 'name="count"' in html and 'max="1000"' in html
        assert 'action="/search/invite-next"' in html and 'method="get"' in html
        assert "would be invited" not in html

    def test_step_one_shows_who_would_be_invited_and_changes_nothing(self, client, store):
        line_up(store, *LINE)
        store.unsubscribe("a@x.com", at=T0)
        html = sign_in(client).get("/search/invite-next?count=2").content.decode()
        assert shown(html) == ["b@y.org", "c@bücher.example"]  # a stopped mail: passed over
        assert "These <strong>2</strong> leads would be invited" in html
        assert '<form method="post" action="/search/invite-next" class="confirm">' in html
        assert '<input type="hidden" name="count" value="2">' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert ">Invite 2 leads</button>" in html
        assert statuses(store) == ["unsubscribed", *["confirmed"] * 4]

    def test_step_two_invites_them_and_says_how_many(self, client, store):
        line_up(store, *LINE)
        response = sign_in(client).post("/search/invite-next", {"count": "2"}, follow=True)
        assert "Invited 2 leads." in response.content.decode()
        assert statuses(store) == ["invited", "invited", *["confirmed"] * 3]
        store.settle()
        assert store.place("c@xn--bcher-kva.example") == 1

    def test_only_a_domain_or_only_preview(self, client, store):
        line_up(store, *LINE, preview=("d@y.org", "e@x.com"))
        client = sign_in(client)
        html = client.get("/search/invite-next?count=5&domain=BÜCHER.example").content.decode()
        assert shown(html) == ["c@bücher.example"]
        assert 'name="domain" value="xn--bcher-kva.example"' in html
        html = client.get("/search/invite-next?count=5&preview=on").content.decode()
        assert shown(html) == ["d@y.org", "e@x.com"]
        assert '<input type="hidden" name="preview" value="on">' in html
        html = client.get("/search/invite-next?count=5&domain=y.org&preview=on").content.decode()
        assert shown(html) == ["d@y.org"]
        response = client.post(
            "/search/invite-next", {"count": "5", "domain": "y.org", "preview": "on"}, follow=True
        )
        assert "Invited 1 lead: nobody else waiting matches." in response.content.decode()
        assert statuses(store) == ["confirmed", "confirmed", "confirmed", "invited", "confirmed"]

    def test_nobody_matching(self, client, store):
        line_up(store, *LINE)
        client = sign_in(client)
        html = client.get("/search/invite-next?count=3&domain=z.example").content.decode()
        assert "Nobody waiting matches; nobody would be invited." in html
        assert 'method="post" action="/search/invite-next"' not in html
        response = client.post("/search/invite-next", {"count": "3", "domain": "z.example"})
        assert (
            "Nobody waiting matches any more" in client.get(response["Location"]).content.decode()
        )

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"count": "0"}, "Invite from 1 to 1000 at a time."),
            ({"count": "1001"}, "Invite from 1 to 1000 at a time."),
            ({"count": "-5"}, "Invite from 1 to 1000 at a time."),
            ({"count": "ten"}, "Enter a whole number."),
            ({"count": ""}, "This field is required."),
            ({"domain": "x.com"}, "This field is required."),
            ({"count": "2", "domain": "bad..domain"}, "Enter a domain such as example.com."),
            ({"count": "2", "domain": "x" * 254}, "at most 253 characters"),
        ],
    )
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_bad_input_is_a_form_error_and_changes_nothing(
        self, client, store, data, message, method
    ):
        line_up(store, *LINE)
        response = getattr(sign_in(client), method)("/search/invite-next", data)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert 'class="field-error"' in html
        assert 'aria-invalid="true"' in html
        assert "would be invited" not in html
        assert statuses(store) == ["confirmed"] * 5

    def test_it_needs_the_csrf_token(self, store):
        line_up(store, *LINE)
        client = sign_in(Client(enforce_csrf_checks=True))
        assert client.post("/search/invite-next", {"count": "2"}).status_code == 403
        assert statuses(store) == ["confirmed"] * 5

    def test_it_is_for_staff_only(self, client, store):
        line_up(store, *LINE)
        response = client.post("/search/invite-next", {"count": "2"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        anonymous_preview = client.get("/search/invite-next?count=2")
        assert anonymous_preview.status_code == 302
        client = sign_in(client, staff=False)
        assert client.post("/search/invite-next", {"count": "2"}).status_code == 403
        response = client.get("/search/invite-next?count=2")
        assert response.status_code == 403
        assert b"a@x.com" not in response.content
        assert statuses(store) == ["confirmed"] * 5
