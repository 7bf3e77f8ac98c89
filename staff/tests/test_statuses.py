"""Leads' statuses on the staff pages: the dashboard's figures, the counts table and the daily
chart (from the counters), and each lead's status and confirmation time in lists and lookups."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from api.tests.builders import one_of_each, stored_legacy
from leads.tests.factories import add_confirmed, lead, sign_in


def figure(label: str, value: int) -> str:
    return f'<span class="figure-label">{label}</span> <strong class="figure">{value}</strong>'


def badge(status: str, label: str) -> str:
    return f'<span class="badge badge-{status}">{label}</span>'


def num(*values: int) -> str:
    return "".join(f'<td class="num">{value}</td>' for value in values)


class TestDashboard:
    def test_the_figures_count_every_status_from_the_counters(self, client, store):
        one_of_each(store)
        stored_legacy(store, "old@y.org")
        html = sign_in(client).get("/search").content.decode()
        assert figure("Confirmed", 1) in html
        assert "20% of all" in html
        assert figure("Pending confirmation", 1) in html
        assert figure("Unsubscribed", 2) in html
        assert figure("Legacy", 1) in html
        assert "Invited" not in html  # nobody is, yet

    def test_the_domain_table_has_pending_and_confirmed_columns(self, client, store):
        one_of_each(store)
        html = sign_in(client).get("/search").content.decode()
        assert ">Pending</a></th>" in html and ">Confirmed</a></th>" in html
        row = '<th scope="row"><a href="/search?domain=x.com">x.com</a></th>'
        labels = ["Leads", "Preview", "Pending", "Confirmed"]
        cells = [
            f'<td class="num" data-label="{name}">{n}</td>'
            for name, n in zip(labels, [4, 2, 1, 1], strict=True)
        ]
        assert row + "".join(cells) + "</tr>" in html

    def test_it_sorts_by_confirmed_and_by_pending(self, client, store):
        add_confirmed(store, lead("a@a.com"))
        store.add(lead("b@a.com"))
        add_confirmed(store, lead("a@b.com"))
        add_confirmed(store, lead("b@b.com"))
        store.add(lead("a@c.com"))
        store.add(lead("b@c.com"))
        store.add(lead("c@c.com"))
        client = sign_in(client)
        order = lambda sort: re.findall(  # noqa: E731
            r'<th scope="row"><a href="[^"]+">([^<]+)</a>',
            client.get(f"/search?sort={sort}").content.decode(),
        )
        assert order("-confirmed") == ["b.com", "a.com", "c.com"]
        assert order("-pending") == ["c.com", "a.com", "b.com"]
        assert order("confirmed") == ["c.com", "a.com", "b.com"]

    def test_the_daily_chart_shows_the_confirmed_part_of_each_day(self, client, store):
        now = datetime.now(UTC).replace(microsecond=0)
        add_confirmed(store, lead("a@x.com", at=now - timedelta(days=1)))
        store.add(lead("b@x.com", at=now - timedelta(days=1)))
        store.add(lead("c@x.com", at=now - timedelta(days=1)))
        store.add(lead("d@x.com", at=now))
        html = sign_in(client).get("/search?range=7").content.decode()
        assert html.count('class="bar-signups"') == 7
        assert html.count('class="bar-confirmed"') == 1  # a day with nobody confirmed has none
        yesterday = (now - timedelta(days=1)).date().isoformat()
        assert f"<title>{yesterday}: 3, 1 confirmed</title>" in html
        assert f"<td>{yesterday}</td>{num(3, 1, 2, 3)}</tr>" in html  # and pending, on the list
        assert '<span class="key key-confirmed"></span> of them confirmed' in html


class TestLeadList:
    def test_each_lead_shows_its_status_and_when_it_confirmed(self, client, store):
        one_of_each(store)
        html = sign_in(client).get("/search?domain=x.com").content.decode()
        statuses = re.findall(r'<td data-label="Status"><span class="badge badge-(\w+)">', html)
        assert statuses == ["unsubscribed", "unsubscribed", "confirmed", "pending"]
        confirmed = re.findall(r'<td data-label="Confirmed">(.*?)</td>', html)
        not_yet = '<span aria-hidden="true">-</span><span class="visually-hidden">Not confirmed'
        assert confirmed[0].startswith(not_yet) and confirmed[3].startswith(not_yet)
        assert confirmed[2] == (
            '<time datetime="2026-11-20T12:01:01+00:00">2026-11-20 12:01</time>'
        )
        assert "2026-11-20T12:02:01+00:00" in confirmed[1]  # it stopped mail after confirming
        assert '<th scope="col">Status</th>' in html

    def test_a_lead_stored_before_confirmation_existed_is_legacy(self, client, store):
        stored_legacy(store, "old@x.com")
        html = sign_in(client).get("/search?domain=x.com").content.decode()
        assert badge("legacy", "Legacy") in html

    def test_the_confirmation_time_is_in_the_staff_time_zone(self, client, store, settings):
        settings.TIME_ZONE = "Europe/Madrid"
        add_confirmed(store, lead("ann@x.com"))
        html = sign_in(client).get("/search?domain=x.com").content.decode()
        assert "Confirmed (Europe/Madrid)" in html
        assert '<time datetime="2026-11-20T12:00:01+00:00">2026-11-20 13:00</time>' in html


class TestOneLead:
    def test_the_lookup_shows_the_status_and_the_confirmation_time(self, client, store):
        one_of_each(store)
        html = sign_in(client).get("/search?email=confirmed@x.com").content.decode()
        assert f"<dt>Status</dt><dd>{badge('confirmed', 'Confirmed')}</dd>" in html
        assert '<dd><time datetime="2026-11-20T12:01:01+00:00">' in html
        html = client.get("/search?email=quiet@x.com").content.decode()
        assert f"<dt>Status</dt><dd>{badge('unsubscribed', 'Unsubscribed')}</dd>" in html
        assert "Not confirmed" in html

    def test_the_deletion_page_shows_the_status(self, client, store):
        store.add(lead("ann@x.com"))
        html = sign_in(client).get("/search/delete?email=ann@x.com").content.decode()
        assert f"<dt>Status</dt><dd>{badge('pending', 'Pending')}</dd>" in html

    def test_the_staff_pages_load_their_stylesheet(self, client, store):
        store.add(lead("ann@x.com"))
        client = sign_in(client)
        for url in ["/search", "/search?domain=x.com", "/search/delete?email=ann@x.com"]:
            assert re.search(r'<link rel="stylesheet" href="[^"]*staff/staff\.[^"]*css">',
                             client.get(url).content.decode()), url  # fmt: skip
