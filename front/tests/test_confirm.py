"""/confirm/<token>: the confirmation mail's link shows a button; its POST confirms."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from front.tests.joiners import BAD_TOKENS, EMAIL, stored
from leads import links


def confirm_url(lead) -> str:
    return f"/confirm/{links.token(lead, links.CONFIRM)}"


class TestConfirm:
    def test_a_get_shows_the_button_and_confirms_nothing(self, client, store, settings):
        settings.CONSENT_TEXT = "Write to me <please>."
        ann = stored(store, name="Zed")
        response = client.get(confirm_url(ann))
        assert response.status_code == 200
        html = response.content.decode()
        assert '<form method="post">' in html and 'name="csrfmiddlewaretoken"' in html
        assert ">Confirm</button>" in html
        assert "a•••@x.com" in html and "Zed" not in html
        assert "Write to me &lt;please&gt;." in html
        assert "no-store" in response["Cache-Control"]
        assert store.get(EMAIL) == ann
        assert ann.status == "pending"

    def test_the_button_confirms_with_the_consent_of_the_request(self, client, store, settings):
        settings.CONSENT_TEXT, settings.CONSENT_VERSION = "I want in.", "7"
        ann = stored(store)
        url = confirm_url(ann)
        response = client.post(url, REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Firefox/1")
        assert response.status_code == 302
        assert response["Location"] == url
        lead = store.get(EMAIL)
        assert lead is not None
        assert lead.status == "confirmed"
        assert lead.confirmed_at is not None
        assert lead.consent is not None
        assert (lead.consent.text, lead.consent.version) == ("I want in.", "7")
        assert (lead.consent.ip, lead.consent.user_agent) == ("198.51.100.4", "Firefox/1")

    def test_after_confirming_it_shows_you_are_confirmed_with_the_manage_link(self, client, store):
        ann = stored(store)
        page = client.get(client.post(confirm_url(ann))["Location"])
        assert page.status_code == 200
        html = page.content.decode()
        assert "You are confirmed!" in html
        manage = re.search(r'href="/me/([^"/]+)"', html)
        assert manage and links.lead_for(manage[1], links.MANAGE, store).email == EMAIL

    def test_confirming_twice_is_fine(self, client, store):
        ann = stored(store)
        client.post(confirm_url(ann))
        first = store.get(EMAIL)
        again = client.post(confirm_url(ann))
        assert again.status_code == 302
        assert store.get(EMAIL) == first
        assert "You are confirmed!" in client.get(again["Location"]).content.decode()

    def test_it_refuses_a_post_without_the_csrf_token(self, store):
        ann = stored(store)
        response = Client(enforce_csrf_checks=True).post(confirm_url(ann))
        assert response.status_code == 403
        assert store.get(EMAIL) == ann

    def test_it_refuses_other_methods(self, client, store):
        ann = stored(store)
        assert client.put(confirm_url(ann)).status_code == 405
        assert store.get(EMAIL) == ann


class TestExpiredLink:
    def test_it_offers_to_send_a_new_link_and_confirms_nothing(self, client, store, settings):
        ann = stored(store)
        url = confirm_url(ann)
        settings.CONFIRM_LINK_DAYS = -1
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 410
            html = response.content.decode()
            assert "This link has expired" in html
            assert "a•••@x.com" in html
            assert 'action="/resend"' in html
            assert f'value="{links.resend_token(EMAIL)}"' in html
            assert ">Send me a new link</button>" in html
        assert store.get(EMAIL) == ann


@pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
class TestBadLink:
    def test_a_get_is_a_clear_400(self, client, store, make):
        token = make(store, stored(store), links.CONFIRM)
        before = store.get(EMAIL)
        response = client.get(f"/confirm/{token}")
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
        assert store.get(EMAIL) == before

    def test_a_post_changes_nothing(self, client, store, make):
        token = make(store, stored(store), links.CONFIRM)
        before = store.get(EMAIL)
        assert client.post(f"/confirm/{token}").status_code == 400
        assert store.get(EMAIL) == before
