"""The geometry of the staff charts."""

from __future__ import annotations

from datetime import date, timedelta

from leads.store import DayCount, DomainCount
from staff.charts import daily_chart, domain_chart


class TestDomainChart:
    def test_it_keeps_the_top_domains_longest_first(self):
        counts = [DomainCount(f"d{i:02d}.com", total=i + 1, preview_yes=i // 2) for i in range(15)]
        chart = domain_chart(counts, top=10)
        assert [bar.domain for bar in chart.bars] == [f"d{i:02d}.com" for i in range(14, 4, -1)]
        assert chart.bars[0].width == chart.width - chart.label_width - 50
        assert chart.bars[0].preview_width == round(chart.bars[0].width * 7 / 15, 1)
        assert chart.bars[-1].width == round(chart.bars[0].width * 6 / 15, 1)  # d05.com: 6 leads
        assert [bar.y for bar in chart.bars] == sorted(bar.y for bar in chart.bars)

    def test_it_breaks_ties_by_name(self):
        counts = [
            DomainCount("b.com", 2, 0),
            DomainCount("a.com", 2, 0),
            DomainCount("c.com", 3, 1),
        ]
        assert [bar.domain for bar in domain_chart(counts).bars] == ["c.com", "a.com", "b.com"]

    def test_it_draws_nothing_without_leads(self):
        assert domain_chart([]).bars == []


class TestDailyChart:
    def test_it_fills_the_days_without_signups(self):
        days = [DayCount(date(2026, 11, 1), 4), DayCount(date(2026, 11, 4), 2)]
        chart = daily_chart(days)
        assert [(c.day.day, c.total) for c in chart.columns] == [(1, 4), (2, 0), (3, 0), (4, 2)]
        assert chart.columns[0].height == chart.plot_bottom - chart.plot_top
        assert chart.columns[3].height == chart.columns[0].height / 2
        assert chart.columns[1].height == 0
        assert chart.hidden_days == 0

    def test_it_shows_the_last_days_and_says_how_many_it_left_out(self):
        start = date(2026, 1, 1)
        days = [DayCount(start + timedelta(days=i), 1) for i in range(0, 100, 2)]
        chart = daily_chart(days, shown=60)
        assert len(chart.columns) == 60
        assert chart.last_day == start + timedelta(days=98)
        assert chart.first_day == start + timedelta(days=39)
        assert chart.hidden_days == 20  # days 0, 2, ..., 38

    def test_it_draws_nothing_without_signups(self):
        chart = daily_chart([])
        assert chart.columns == [] and chart.first_day is None
