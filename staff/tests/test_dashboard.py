"""The dashboard's figures, from the counters: today, the week against the week before, the
share that asked for preview, the range of days, and the figures the store may offer later."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.store import DayCount, DomainCount, LeadStore
from leads.tests.factories import add_leads, lead, sign_in
from staff import dashboard

TODAY = date(2026, 11, 30)


class CountersOnly(LeadStore):
    """A store that has only counters: what the dashboard may read."""

    def __init__(self, days: dict[date, int], domains: list[DomainCount]) -> None:
        self.days, self.domains = days, domains

    def daily_counts(self) -> list[DayCount]:
        return [DayCount(day, n) for day, n in sorted(self.days.items())]

    def domain_counts(self) -> list[DomainCount]:
        return self.domains

    def total(self) -> int:
        return sum(self.days.values())


def board(store: LeadStore, range_key: str = "30") -> dashboard.Dashboard:
    counts = store.domain_counts()
    return dashboard.build(store, counts=counts, range_key=range_key, today=TODAY)


def days_ago(*pairs: tuple[int, int]) -> dict[date, int]:
    return {TODAY - timedelta(days=ago): n for ago, n in pairs}


class TestFigures:
    def test_today_this_week_and_the_week_before(self):
        store = CountersOnly(days_ago((0, 3), (6, 2), (7, 4), (13, 1), (14, 50)), [])
        figures = board(store)
        assert (figures.today, figures.this_week, figures.week_before) == (3, 5, 5)
        assert figures.total == 60
        assert (figures.change, figures.change_percent) == (0, 0)

    def test_the_change_after_an_empty_week_has_no_percentage(self):
        figures = board(CountersOnly(days_ago((1, 4)), []))
        assert (figures.change, figures.change_percent) == (4, None)

    def test_the_share_that_asked_for_preview(self):
        domains = [DomainCount("x.com", 6, 3), DomainCount("y.org", 2, 0)]
        figures = board(CountersOnly(days_ago((0, 8)), domains))
        assert (figures.preview_yes, figures.preview_percent) == (3, 38)
        assert board(CountersOnly({}, [])).preview_percent is None

    @pytest.mark.parametrize(("range_key", "slots"), [("7", 7), ("30", 30), ("90", 90)])
    def test_a_range_ends_today_and_starts_from_the_leads_before_it(self, range_key, slots):
        store = CountersOnly(days_ago((0, 1), (20, 2), (60, 4), (200, 8)), [])
        chart = board(store, range_key).chart
        assert len(chart.bars) == slots and chart.last_day == TODAY
        before = {"7": 14, "30": 12, "90": 8}[range_key]
        assert chart.bars[0].cumulative - chart.bars[0].total == before
        assert chart.cumulative_max == 15

    def test_all_starts_at_the_first_signup(self):
        chart = board(CountersOnly(days_ago((0, 1), (200, 8)), []), "all").chart
        assert chart.first_day == TODAY - timedelta(days=200) and len(chart.bars) == 201

    def test_a_first_day_alone_is_one_day_of_the_range(self):
        chart = board(CountersOnly(days_ago((0, 5)), []), "all").chart
        assert len(chart.bars) == 1 and chart.slots == 7


class TestStatusFigures:
    def test_confirmed_and_pending_show_from_the_first_lead(self):
        figures = board(CountersOnly(days_ago((0, 1)), [DomainCount("x.com", 1, 0, pending=1)]))
        assert [(f.label, f.value, f.note) for f in figures.statuses] == [
            ("Confirmed", 0, "0% of all"),
            ("Pending confirmation", 1, ""),
        ]

    def test_they_add_up_every_domain_and_the_rest_only_once_some_lead_has_them(self):
        domains = [
            DomainCount("x.com", 9, 0, pending=2, confirmed=3, unsubscribed=1),
            DomainCount("y.org", 4, 0, confirmed=2, invited=1),
        ]  # 3 legacy leads at x.com, 1 at y.org
        figures = board(CountersOnly(days_ago((0, 13)), domains)).statuses
        assert [(f.label, f.value) for f in figures] == [
            ("Confirmed", 5),
            ("Pending confirmation", 2),
            ("Unsubscribed", 1),
            ("Invited", 1),
            ("Legacy", 4),
        ]
        assert figures[0].note == "38% of all"
        assert figures[-1].note == "stored before confirmation existed"


class TestDashboardPage:
    def test_it_leads_with_the_figures_and_both_charts(self, client, store):
        now = datetime.now(UTC)
        store.add(lead("a@x.com", preview=True, at=now))
        store.add(lead("b@x.com", at=now - timedelta(days=1)))
        store.add(lead("c@y.org", at=now - timedelta(days=9)))
        html = sign_in(client).get("/search").content.decode()
        assert "<h1>Dashboard</h1>" in html
        assert '<span class="figure-label">Today</span> <strong class="figure">1</strong>' in html
        assert '<strong class="figure">2</strong>' in html  # this week
        assert "+1 (+100%) vs the week before (1)" in html
        assert '<strong class="figure">33%</strong>' in html
        assert html.count('<svg class="chart-svg"') == 3  # growth, per day, top domains
        assert 'aria-current="true">30 days</a>' in html

    def test_it_shows_the_range_asked_for(self, client, store):
        store.add(lead("a@x.com", at=datetime.now(UTC)))
        html = sign_in(client).get("/search?range=7").content.decode()
        assert html.count('class="bar-signups"') == 7
        assert 'aria-current="true">7 days</a>' in html
        assert "range=7" in html  # the table's sort links keep it

    def test_it_rejects_an_unknown_range(self, client, store):
        assert sign_in(client).get("/search?range=365").status_code == 400

    @pytest.mark.parametrize("store", ["sql"], indirect=True)  # it counts SQL statements
    def test_it_reads_the_counters_never_the_leads(self, client, store, settings):
        add_leads(store, 30)
        with CaptureQueriesContext(connection) as queries:
            assert sign_in(client).get("/search?range=all").status_code == 200
        assert not [q["sql"] for q in queries if "leads_lead" in q["sql"]]
