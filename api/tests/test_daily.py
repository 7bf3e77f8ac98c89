"""GET /api/daily: signups per UTC day, from the counters."""

from __future__ import annotations

from api.tests.builders import one_of_each
from leads.tests.factories import add_confirmed, lead, sign_in

NONE = {"pending": 0, "confirmed": 0, "unsubscribed": 0, "invited": 0, "joined": 0}


class TestApiDaily:
    def test_it_lists_signups_per_day_oldest_first(self, client, store):
        store.add(lead("a@x.com", minutes=60 * 24 * 2))
        store.add(lead("b@x.com"))
        store.add(lead("c@y.org", minutes=1))
        response = sign_in(client).get("/api/daily")
        assert response.status_code == 200
        assert response.json() == [
            {"day": "2026-11-20", "total": 2, **NONE, "pending": 2},
            {"day": "2026-11-22", "total": 1, **NONE, "pending": 1},
        ]

    def test_it_counts_each_status_on_the_day_of_the_signup(self, client, store):
        one_of_each(store)  # on 2026-11-20
        add_confirmed(store, lead("ann@y.org", minutes=60 * 24))
        assert sign_in(client).get("/api/daily").json() == [
            {"day": "2026-11-20", "total": 4, **NONE, "pending": 1, "confirmed": 1,
             "unsubscribed": 2},
            {"day": "2026-11-21", "total": 1, **NONE, "confirmed": 1},
        ]  # fmt: skip

    def test_it_leaves_out_days_emptied_by_erasure(self, client, store):
        store.add(lead("a@x.com"))
        store.delete("a@x.com")
        assert sign_in(client).get("/api/daily").json() == []

    def test_it_only_answers_get(self, client, store):
        response = sign_in(client).post("/api/daily")
        assert response.status_code == 405
