"""/unsubscribe/<token>: every mail's List-Unsubscribe link, one-click POST (RFC 8058) or page."""

from __future__ import annotations

import pytest
from django.test import Client

from front.tests.joiners import BAD_TOKENS, EMAIL, stored
from leads import links

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
FORM = "application/x-www-form-urlencoded"


def unsubscribe_url(lead) -> str:
    return f"/unsubscribe/{links.token(lead, links.UNSUBSCRIBE)}"


def provider() -> Client:
    """A mail provider's POST: no cookie, no CSRF token."""
    return Client(enforce_csrf_checks=True)


class TestOneClick:
    def test_a_providers_post_unsubscribes_without_cookie_or_csrf_token(self, store):
        ann = stored(store)
        response = provider().post(
            unsubscribe_url(ann), "List-Unsubscribe=One-Click", content_type=FORM
        )
        assert response.status_code == 200
        assert "You are unsubscribed" in response.content.decode()
        lead = store.get(EMAIL)
        assert lead.status == "unsubscribed" and lead.unsubscribed_at is not None
        assert lead.created_at == ann.created_at  # the same lead: it keeps its place

    def test_a_multipart_body_works_too(self, store):
        ann = stored(store)
        assert provider().post(unsubscribe_url(ann), ONE_CLICK).status_code == 200
        assert store.get(EMAIL).status == "unsubscribed"

    def test_twice_is_fine(self, store):
        ann = stored(store)
        provider().post(unsubscribe_url(ann), ONE_CLICK)
        first = store.get(EMAIL)
        again = provider().post(unsubscribe_url(ann), ONE_CLICK)
        assert again.status_code == 200
        assert store.get(EMAIL) == first

    @pytest.mark.parametrize(
        ("body", "content_type"),
        [
            ("", FORM),
            ("List-Unsubscribe=Yes", FORM),
            ("List-Unsubscribe=one-click", FORM),
            ("Unsubscribe=One-Click", FORM),
            ('{"List-Unsubscribe": "One-Click"}', "application/json"),
            ("List-Unsubscribe=One-Click", "text/plain"),
        ],
        ids=["empty", "other-value", "lower-case", "other-field", "json", "text"],
    )
    def test_a_post_without_the_one_click_field_is_a_clear_400(self, store, body, content_type):
        ann = stored(store)
        response = provider().post(unsubscribe_url(ann), body, content_type=content_type)
        assert response.status_code == 400
        assert "Nothing was changed" in response.content.decode()
        assert store.get(EMAIL) == ann


class TestPage:
    def test_a_get_shows_the_button_and_changes_nothing(self, client, store):
        ann = stored(store)
        response = client.get(unsubscribe_url(ann))
        assert response.status_code == 200
        html = response.content.decode()
        assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in html
        assert ">Unsubscribe</button>" in html
        assert store.get(EMAIL) == ann

    def test_the_button_unsubscribes(self, client, store):
        ann = stored(store)
        response = client.post(unsubscribe_url(ann), ONE_CLICK)
        assert response.status_code == 200
        assert store.get(EMAIL).status == "unsubscribed"
        html = client.get(unsubscribe_url(ann)).content.decode()
        assert "You are unsubscribed" in html and "<button" not in html.partition("<main")[2]

    def test_it_refuses_other_methods(self, client, store):
        ann = stored(store)
        assert client.put(unsubscribe_url(ann)).status_code == 405
        assert store.get(EMAIL) == ann

    def test_an_expired_link_changes_nothing(self, store, settings):
        ann = stored(store)
        url = unsubscribe_url(ann)
        settings.MANAGE_LINK_DAYS = -1
        response = provider().post(url, ONE_CLICK)
        assert response.status_code == 410
        assert store.get(EMAIL) == ann


@pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_link_is_a_clear_400_that_changes_nothing(store, make, method):
    token = make(store, stored(store), links.UNSUBSCRIBE)
    before = store.get(EMAIL)
    response = getattr(provider(), method)(f"/unsubscribe/{token}", ONE_CLICK)
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert store.get(EMAIL) == before
