"""GET /api/leads: one page of leads for staff, newest first, with a cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from api.tests.builders import one_of_each, stored_legacy
from api.views import lead_json
from leads.store import STATUSES, Lead, get_store
from leads.tests.factories import T0, lead, sign_in

MORNING = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def staff_client(client, db):
    get_store.cache_clear()
    user = User.objects.create_user("staff", password="pw-staff-1", is_staff=True)
    client.force_login(user)
    return client


def add(email: str, minutes: int = 0, preview: bool = False, name: str = "Ann") -> None:
    get_store().add(lead(email, preview=preview, minutes=minutes, name=name, at=MORNING))


class TestApiLeads:
    def test_it_lists_leads_newest_first(self, staff_client):
        add("a@x.com", 0, preview=True, name="<b>Ann</b>")
        add("b@y.com", 1)
        response = staff_client.get("/api/leads")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "items": [
                {"name": "Ann", "email": "b@y.com", "preview": False,
                 "created_at": "2026-11-20T09:31:00Z", "status": "pending",
                 "confirmed_at": None, "position": None, "referrals": 0},
                {"name": "<b>Ann</b>", "email": "a@x.com", "preview": True,
                 "created_at": "2026-11-20T09:30:00Z", "status": "pending",
                 "confirmed_at": None, "position": None, "referrals": 0},
            ],
            "next": None,
        }  # fmt: skip

    def test_it_filters_by_exact_domain_and_preview(self, staff_client):
        add("a@x.com", 0, preview=True)
        add("b@notx.com", 1, preview=True)
        add("c@x.com", 2, preview=False)
        add("d@x.com.au", 3, preview=True)
        emails = lambda r: [i["email"] for i in r.json()["items"]]  # noqa: E731
        assert emails(staff_client.get("/api/leads?domain=x.com")) == ["c@x.com", "a@x.com"]
        assert emails(staff_client.get("/api/leads?domain=X.COM&preview=Yes")) == ["a@x.com"]
        assert emails(staff_client.get("/api/leads?preview=No")) == ["c@x.com"]

    def test_it_pages_with_the_cursor(self, staff_client):
        for i in range(5):
            add(f"u{i}@x.com", i)
        seen, url = [], "/api/leads?limit=2"
        while url:
            body = staff_client.get(url).json()
            assert len(body["items"]) <= 2
            seen += [i["email"] for i in body["items"]]
            url = body["next"] and f"/api/leads?limit=2&cursor={body['next']}"
        assert seen == [f"u{i}@x.com" for i in reversed(range(5))]

    def test_it_serves_50_a_page_by_default(self, staff_client):
        for i in range(55):
            add(f"u{i:02d}@x.com", i)
        body = staff_client.get("/api/leads").json()
        assert len(body["items"]) == 50
        assert body["next"]

    @pytest.mark.parametrize(
        "query",
        [
            "limit=0",
            "limit=201",
            "limit=ten",
            "limit=",
            "preview=maybe",
            "cursor=%25%25bad",
            "domain=a%00b.com",  # Django's CharField refuses NUL, idna other control characters
            "domain=a%01b.com",
            # The outside probe's: {"t": "2026-12-01T00:00:00+00:00", "e": "a\u0000b"}, which
            # PostgreSQL refused as text, and the refusal answered 503 as if it were down.
            pytest.param(
                "cursor=eyJ0IjoiMjAyNi0xMi0wMVQwMDowMDowMCswMDowMCIsImUiOiJhXHUwMDAwYiJ9",
                id="nul-in-cursor",
                marks=pytest.mark.postgres,
            ),
        ],
    )
    def test_it_rejects_bad_parameters(self, staff_client, query):
        response = staff_client.get(f"/api/leads?{query}")
        assert response.status_code == 400
        assert response.json()["errors"]

    def test_it_allows_200_a_page(self, staff_client):
        assert staff_client.get("/api/leads?limit=200").status_code == 200


class TestApiLeadStatus:
    def test_each_lead_says_its_status_and_when_it_confirmed(self, client, store):
        one_of_each(store)
        items = sign_in(client).get("/api/leads").json()["items"]
        assert [(i["email"], i["status"], i["confirmed_at"]) for i in items] == [
            ("quiet@x.com", "unsubscribed", None),
            ("stopped@x.com", "unsubscribed", "2026-11-20T12:02:01Z"),
            ("confirmed@x.com", "confirmed", "2026-11-20T12:01:01Z"),
            ("pending@x.com", "pending", None),
        ]

    def test_a_lead_stored_before_confirmation_existed_is_legacy(self, client, store):
        stored_legacy(store, "old@x.com")
        (item,) = sign_in(client).get("/api/leads").json()["items"]
        assert (item["email"], item["status"], item["confirmed_at"]) == (
            "old@x.com",
            "legacy",
            None,
        )

    @pytest.mark.parametrize(
        ("stage", "stopped", "status"),
        [
            (None, False, "legacy"),
            ("pending", True, "unsubscribed"),
            ("invited", False, "invited"),
            ("invited", True, "invited"),  # an invitation outranks stopped mail
            ("joined", False, "joined"),
        ],
    )
    def test_it_writes_every_status(self, stage, stopped, status):
        found = Lead(
            "Ann", "a@x.com", False, T0, stage=stage, unsubscribed_at=T0 if stopped else None
        )
        assert lead_json(found)["status"] == status
        assert status in STATUSES

    def test_it_writes_the_confirmation_time_in_utc(self):
        from zoneinfo import ZoneInfo

        at = datetime(2026, 11, 20, 13, 0, 1, tzinfo=ZoneInfo("Europe/Madrid"))
        found = Lead("Ann", "a@x.com", False, T0, stage="confirmed", confirmed_at=at)
        assert lead_json(found)["confirmed_at"] == "2026-11-20T12:00:01Z"


class TestApiLeadsGate:
    def test_it_refuses_anonymous_callers(self, client, db):
        add("a@x.com")
        response = client.get("/api/leads")
        assert response.status_code == 401
        assert "a@x.com" not in response.content.decode()

    def test_it_refuses_users_who_are_not_staff(self, client, db):
        add("a@x.com")
        client.force_login(User.objects.create_user("plain", password="pw-plain-1"))
        response = client.get("/api/leads")
        assert response.status_code == 403
        assert "a@x.com" not in response.content.decode()

    def test_it_is_never_cached(self, staff_client):
        assert "no-store" in staff_client.get("/api/leads")["Cache-Control"]
