"""The geometry of the staff charts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from leads.brand import contrast
from leads.store import STATUSES, DayCount, DomainCount
from staff.charts import MIN_SLOTS, PLOT, day_chart, domain_chart


class TestDomainChart:
    def test_it_keeps_the_top_domains_largest_first(self):
        counts = [DomainCount(f"d{i:02d}.com", total=i + 1, preview_yes=i // 2) for i in range(15)]
        chart = domain_chart(counts, top=10)
        assert [bar.domain for bar in chart.bars] == [f"d{i:02d}.com" for i in range(14, 4, -1)]
        assert chart.bars[0].percent == 100
        assert chart.bars[0].preview_percent == round(100 * 7 / 15, 2)
        assert chart.bars[-1].percent == round(100 * 6 / 15, 2)  # d05.com: 6 leads
        assert [bar.text_y for bar in chart.bars] == sorted(bar.text_y for bar in chart.bars)

    def test_it_breaks_ties_by_name(self):
        counts = [
            DomainCount("b.com", 2, 0),
            DomainCount("a.com", 2, 0),
            DomainCount("c.com", 3, 1),
        ]
        assert [bar.domain for bar in domain_chart(counts).bars] == ["c.com", "a.com", "b.com"]

    def test_it_writes_internationalised_names_in_unicode_and_shortens_long_ones(self):
        long = "a-very-long-subdomain-of-the.mail.example.com"
        counts = [DomainCount("xn--bcher-kva.example", 2, 0), DomainCount(long, 1, 0)]
        first, second = domain_chart(counts).bars
        assert first.label == first.name == "bücher.example"
        assert second.name == long
        assert len(second.label) == 24 and second.label == "…" + long[-23:]

    def test_it_draws_nothing_without_leads(self):
        assert domain_chart([]).bars == []


class TestDayChart:
    def test_a_first_day_is_one_slot_of_a_week_not_the_whole_width(self):
        chart = day_chart([DayCount(date(2026, 11, 1), 4)])
        assert chart.slots == MIN_SLOTS
        (bar,) = chart.bars
        assert (bar.x, bar.height, bar.y) == (0.1, PLOT, 0)
        assert chart.growth_points == "0,100.0 1,0.0"  # from nothing to 4 over that one day

    def test_columns_scale_to_the_busiest_day_and_the_line_grows_from_the_base(self):
        series = [
            DayCount(date(2026, 11, 1) + timedelta(days=i), n) for i, n in enumerate([4, 0, 2])
        ]
        chart = day_chart(series, base=4)
        assert [bar.height for bar in chart.bars] == [100, 0, 50]
        assert [bar.cumulative for bar in chart.bars] == [8, 8, 10]
        assert chart.cumulative_max == 10 and chart.max_total == 4
        assert chart.growth_points == "0,60.0 1,20.0 2,20.0 3,0.0"

    def test_the_confirmed_part_stands_at_the_foot_of_its_column_on_the_same_scale(self):
        series = [
            DayCount(date(2026, 11, 1), 4, confirmed=1, pending=3),
            DayCount(date(2026, 11, 2), 2),
        ]
        first, second = day_chart(series).bars
        assert (first.height, first.confirmed_height, first.confirmed_y) == (100, 25, 75)
        assert (first.confirmed, first.pending) == (1, 3)
        assert (second.confirmed_height, second.confirmed_y) == (0, PLOT)

    def test_a_long_range_has_a_slot_a_day(self):
        series = [DayCount(date(2026, 1, 1) + timedelta(days=i), 1) for i in range(90)]
        assert day_chart(series).slots == 90

    def test_it_draws_nothing_without_signups(self):
        chart = day_chart([])
        assert chart.bars == [] and chart.first_day is None


ROOT = Path(__file__).resolve().parents[2]
SITE_CSS = ROOT / "leads/static/leads/site.css"
STAFF_CSS = ROOT / "staff/static/staff/staff.css"


def colour(css: Path, name: str, prop: str = "(?:fill|stroke|background)") -> str:
    rule = rf"\.{name} \{{[^}}]*?(?<![\w-]){prop}: (#[0-9a-f]{{6}})"  # not border-color
    found = re.search(rule, css.read_text())
    assert found, name
    return found.group(1)


class TestChartColours:
    def test_every_graphic_has_3_to_1_contrast_against_the_page(self):
        graphics = [
            colour(SITE_CSS, name)
            for name in ["bar-total", "bar-preview", "growth-line", "key-total"]
        ] + [
            colour(STAFF_CSS, name)
            for name in ["bar-signups", "bar-confirmed", "key-signups", "key-confirmed"]
        ]
        for found in graphics:
            assert contrast(found, "#ffffff") >= 3, found

    def test_the_two_parts_of_a_bar_have_3_to_1_between_them(self):
        assert contrast(colour(SITE_CSS, "bar-total"), colour(SITE_CSS, "bar-preview")) >= 3
        signups, confirmed = colour(STAFF_CSS, "bar-signups"), colour(STAFF_CSS, "bar-confirmed")
        assert contrast(signups, confirmed) >= 3
        assert colour(STAFF_CSS, "key-signups") == signups
        assert colour(STAFF_CSS, "key-confirmed") == confirmed

    @pytest.mark.parametrize("status", STATUSES)
    def test_every_status_badge_has_4_5_to_1_text(self, status):
        text = colour(STAFF_CSS, f"badge-{status}", "color")
        background = colour(STAFF_CSS, f"badge-{status}", "background")
        assert contrast(text, background) >= 4.5
