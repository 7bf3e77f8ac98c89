"""/me/<token>: what we hold, the preview answer, stopping mail, the download and erasure."""

from __future__ import annotations

import json
import uuid
from dataclasses import fields

import pytest
from django.test import Client

from conftest import MotoServer
from front.tests.joiners import BAD_TOKENS, EMAIL, stored
from leads import links
from leads.store import Lead, get_store
from leads.tests.factories import CONSENT, T0, confirmed


def me(lead) -> str:
    """A manage link (its token holds the second it was made: keep one to compare with)."""
    return f"/me/{links.token(lead, links.MANAGE)}"


class TestManagePage:
    def test_it_shows_everything_we_hold(self, client, store):
        stored(store, name="<b>Ann</b>", preview=True)
        ann = confirmed(store, EMAIL, at=T0.replace(hour=13))
        response = client.get(me(ann))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        for shown in (
            "&lt;b&gt;Ann&lt;/b&gt;",
            EMAIL,
            "<dd>Yes</dd>",
            "20 November 2026, 12:00",  # signed up
            "20 November 2026, 13:00",  # confirmed
            "Confirmed: you are on the list",
            CONSENT.text,
            "version 1",
            CONSENT.ip,
            CONSENT.user_agent,
        ):
            assert shown in html, shown
        assert "<b>Ann</b>" not in html

    def test_a_pending_lead_has_no_confirmation_yet(self, client, store):
        html = client.get(me(stored(store))).content.decode()
        assert "Not yet" in html and "Waiting for you to confirm" in html

    def test_its_erase_button_is_a_post_labelled_delete_my_data(self, client, store):
        ann = stored(store)
        url = me(ann)
        html = client.get(url).content.decode()
        form = html.partition(f'<form method="post" action="{url}/delete">')[2]
        assert form.partition("</form>")[0].count(">Delete my data</button>") == 1


class TestPreview:
    def test_it_changes_the_answer(self, client, store):
        ann = stored(store, preview=True)
        url = me(ann)
        response = client.post(url + "/preview", {"previewAccess": "No"})
        assert response.status_code == 302
        assert response["Location"] == url + "?done=preview"
        assert store.get(EMAIL).preview is False
        page = client.get(response["Location"]).content.decode()
        assert "Your answer is saved." in page
        assert 'value="No" checked' in page

    @pytest.mark.parametrize("data", [{}, {"previewAccess": "maybe"}, {"previewAccess": "yes"}])
    def test_it_refuses_a_bad_answer_and_changes_nothing(self, client, store, data):
        ann = stored(store, preview=True)
        response = client.post(me(ann) + "/preview", data)
        assert response.status_code == 400
        assert 'id="previewAccess-error">' in response.content.decode()
        assert store.get(EMAIL) == ann


class TestStopMail:
    def test_it_unsubscribes_and_keeps_the_place(self, client, store):
        ann = stored(store)
        url = me(ann)
        response = client.post(url + "/unsubscribe")
        assert response["Location"] == url + "?done=unsubscribed"
        lead = store.get(EMAIL)
        assert lead.status == "unsubscribed" and lead.unsubscribed_at is not None
        page = client.get(response["Location"]).content.decode()
        assert "we will send you no more mail" in page
        assert "We send you no mail." in page


class TestDownload:
    def test_it_downloads_everything_as_a_json_attachment(self, client, store):
        stored(store, name="Zoë", preview=True)
        ann = confirmed(store, EMAIL)
        response = client.get(me(ann) + "/data.json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == 'attachment; filename="my-waitlist-data.json"'
        assert "no-store" in response["Cache-Control"]
        held = json.loads(response.content)
        assert set(held) == {f.name for f in fields(Lead)} | {"status"}
        assert {name: held[name] for name in DOWNLOADED} == {
            "name": "Zoë",
            "email": EMAIL,
            "preview": True,
            "status": "confirmed",
            "created_at": "2026-11-20T12:00:00+00:00",
            "confirmed_at": "2026-11-20T12:00:00+00:00",
            "unsubscribed_at": None,
            "consent": {
                "text": "I want in.",
                "version": "1",
                "ip": "192.0.2.7",
                "user_agent": "pytest",
            },
        }


DOWNLOADED = [
    "name",
    "email",
    "preview",
    "status",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
    "consent",
]


class TestErase:
    def test_the_first_step_asks_and_erases_nothing(self, client, store):
        ann = stored(store)
        response = client.post(me(ann) + "/delete")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="confirm" value="yes"' in html and "Yes, delete it all" in html
        assert store.get(EMAIL) == ann

    def test_the_second_step_erases_and_lowers_the_counters(self, client, store):
        ann = stored(store)
        stored(store, "bo@x.com")
        assert store.total() == 2
        response = client.post(me(ann) + "/delete", {"confirm": "yes"})
        assert response.status_code == 302
        assert response["Location"] == "/me/deleted"
        assert "Your data is gone" in client.get("/me/deleted").content.decode()
        assert store.get(EMAIL) is None
        assert store.total() == 1
        assert [(c.domain, c.total) for c in store.domain_counts()] == [("x.com", 1)]

    def test_the_old_link_then_is_a_bad_link(self, client, store):
        ann = stored(store)
        client.post(me(ann) + "/delete", {"confirm": "yes"})
        for response in (client.get(me(ann)), client.post(me(ann) + "/delete", {"confirm": "yes"})):
            assert response.status_code == 400
            assert "This link does not work" in response.content.decode()


ACTIONS = [
    ("/preview", {"previewAccess": "No"}),
    ("/unsubscribe", {}),
    ("/delete", {"confirm": "yes"}),
]
# Every URL of a manage link: (method, path after the token, body).
URLS = [("get", "", {}), ("get", "/data.json", {}), *(("post", a, d) for a, d in ACTIONS)]


class TestGuards:
    @pytest.mark.parametrize(("action", "data"), ACTIONS)
    def test_each_change_needs_the_csrf_token(self, store, action, data):
        ann = stored(store, preview=True)
        response = Client(enforce_csrf_checks=True).post(me(ann) + action, data)
        assert response.status_code == 403
        assert store.get(EMAIL) == ann

    @pytest.mark.parametrize(("action", "data"), ACTIONS)
    def test_a_get_changes_nothing(self, client, store, action, data):
        ann = stored(store, preview=True)
        assert client.get(me(ann) + action, data).status_code == 405
        assert store.get(EMAIL) == ann

    @pytest.mark.parametrize(("method", "action", "data"), URLS)
    def test_an_expired_link_offers_a_new_one_and_changes_nothing(
        self, client, store, settings, method, action, data
    ):
        ann = stored(store, preview=True)
        settings.MANAGE_LINK_DAYS = -1
        response = getattr(client, method)(me(ann) + action, data)
        assert response.status_code == 410
        assert 'action="/resend"' in response.content.decode()
        assert store.get(EMAIL) == ann


@pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
@pytest.mark.parametrize(("method", "action", "data"), URLS)
def test_a_bad_link_is_a_clear_400_that_changes_nothing(client, store, make, method, action, data):
    token = make(store, stored(store, preview=True), links.MANAGE)
    before = store.get(EMAIL)
    response = getattr(client, method)(f"/me/{token}{action}", data)
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert store.get(EMAIL) == before


class TestOutage:
    def test_it_answers_503_while_dynamodb_is_down(self, client, settings, db, monkeypatch):
        emulator = MotoServer()  # its own, so that stopping it disturbs no other test
        emulator.start()
        try:
            monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
            settings.LEADS_BACKEND = "dynamodb"
            settings.LEADS_TABLE = f"leads-{uuid.uuid4().hex[:12]}"
            settings.COUNTERS_TABLE = f"{settings.LEADS_TABLE}-counters"
            get_store.cache_clear()
            get_store().setup()
            ann = stored(get_store())
        finally:
            emulator.stop()
        try:
            pages = [client.get(me(ann)), client.post(me(ann) + "/unsubscribe")]
            pages.append(client.get(f"/confirm/{links.token(ann, links.CONFIRM)}"))
            pages.append(client.post(f"/unsubscribe/{links.token(ann, links.UNSUBSCRIBE)}"))
            pages.append(client.post("/resend", {"token": links.resend_token(EMAIL)}))
        finally:
            get_store.cache_clear()
        for page in pages:
            assert page.status_code == 503
            assert "try again" in page.content.decode()
            assert page["Retry-After"] == "30"
