"""GET /api/line: the waiting leads in line order with their places; and the place and credited
referrals of every lead in GET /api/leads. On both backends."""

from __future__ import annotations

import pytest

from api.tests.builders import line_up, refer
from leads.tests.factories import T0, lead, sign_in


class TestApiLine:
    def test_it_lists_the_waiting_leads_in_line_order(self, client, store):
        line_up(store, "a@x.com", "b@xn--bcher-kva.example", preview=("b@xn--bcher-kva.example",))
        store.add(lead("pending@x.com", minutes=9))  # not confirmed: not in the line
        assert sign_in(client).get("/api/line").json() == {
            "items": [
                {"position": 1, "email": "a@x.com", "name": "Ann", "domain": "x.com",
                 "preview": False, "referrals": 0, "confirmed_at": "2026-11-20T12:00:01Z"},
                {"position": 2, "email": "b@xn--bcher-kva.example", "name": "Ann",
                 "domain": "xn--bcher-kva.example", "preview": True, "referrals": 0,
                 "confirmed_at": "2026-11-20T12:01:01Z"},
            ],
            "next": None,
        }  # fmt: skip

    def test_a_credited_referral_moves_its_referrer_up(self, client, store, settings):
        settings.REFERRAL_BOOST = 5
        line_up(store, *[f"u{i}@x.com" for i in range(7)])
        refer(store, "u6@x.com", "friend@y.org", ip="203.0.113.5")
        items = sign_in(client).get("/api/line?limit=4").json()["items"]
        assert [(i["position"], i["email"], i["referrals"]) for i in items] == [
            (1, "u0@x.com", 0),
            (2, "u1@x.com", 0),
            (3, "u6@x.com", 1),
            (4, "u2@x.com", 0),
        ]

    def test_it_pages_with_the_cursor_and_leaves_out_the_invited(self, client, store):
        line_up(store, *[f"u{i}@x.com" for i in range(5)])
        store.invite("u1@x.com", at=T0)
        store.settle()
        client, seen, url = sign_in(client), [], "/api/line?limit=2"
        while url:
            body = client.get(url).json()
            seen += [(i["position"], i["email"]) for i in body["items"]]
            url = body["next"] and f"/api/line?limit=2&cursor={body['next']}"
        assert seen == [(1, "u0@x.com"), (2, "u2@x.com"), (3, "u3@x.com"), (4, "u4@x.com")]

    def test_nobody_waiting_is_an_empty_line(self, client, store):
        assert sign_in(client).get("/api/line").json() == {"items": [], "next": None}

    @pytest.mark.parametrize(
        "query", ["limit=0", "limit=201", "limit=x", "limit=", "cursor=%25%25bad"]
    )
    def test_it_rejects_bad_parameters(self, client, store, query):
        response = sign_in(client).get(f"/api/line?{query}")
        assert response.status_code == 400
        assert response.json()["errors"]

    def test_it_rejects_a_cursor_of_the_lead_lists(self, client, store):
        for i in range(3):
            store.add(lead(f"u{i}@x.com", minutes=i))
        cursor = sign_in(client).get("/api/leads?limit=1").json()["next"]
        response = client.get(f"/api/line?cursor={cursor}")
        assert response.status_code == 400
        assert response.json() == {
            "errors": {"cursor": [{"message": "Unknown cursor.", "code": "invalid"}]}
        }

    def test_it_is_for_staff_only(self, client, store):
        line_up(store, "a@x.com")
        assert client.get("/api/line").status_code == 401
        response = sign_in(client, staff=False).get("/api/line")
        assert response.status_code == 403
        assert b"a@x.com" not in response.content


class TestApiLeadsInTheLine:
    def test_each_lead_has_its_position_while_waiting_and_its_referrals(self, client, store):
        line_up(store, "a@x.com", "b@x.com", "c@x.com")
        refer(store, "c@x.com", "friend@y.org", ip="203.0.113.5")
        store.invite("a@x.com", at=T0)
        store.add(lead("pending@x.com", minutes=200))
        store.settle()
        items = sign_in(client).get("/api/leads").json()["items"]
        assert [(i["email"], i["status"], i["position"], i["referrals"]) for i in items] == [
            ("pending@x.com", "pending", None, 0),
            ("friend@y.org", "confirmed", 3, 0),
            ("c@x.com", "confirmed", 1, 1),  # 3 - REFERRAL_BOOST: ahead of b
            ("b@x.com", "confirmed", 2, 0),
            ("a@x.com", "invited", None, 0),
        ]

    def test_an_unsubscribed_lead_keeps_its_position(self, client, store):
        line_up(store, "a@x.com", "b@x.com")
        store.unsubscribe("a@x.com", at=T0)
        store.settle()
        items = sign_in(client).get("/api/leads").json()["items"]
        assert [(i["status"], i["position"]) for i in items] == [
            ("confirmed", 2),
            ("unsubscribed", 1),
        ]
