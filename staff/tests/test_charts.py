"""The geometry of the staff charts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from leads.brand import contrast
from leads.store import DomainCount
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
        chart = day_chart([(date(2026, 11, 1), 4)])
        assert chart.slots == MIN_SLOTS
        (bar,) = chart.bars
        assert (bar.x, bar.height, bar.y) == (0.1, PLOT, 0)
        assert chart.growth_points == "0,100.0 1,0.0"  # from nothing to 4 over that one day

    def test_columns_scale_to_the_busiest_day_and_the_line_grows_from_the_base(self):
        series = [(date(2026, 11, 1) + timedelta(days=i), n) for i, n in enumerate([4, 0, 2])]
        chart = day_chart(series, base=4)
        assert [bar.height for bar in chart.bars] == [100, 0, 50]
        assert [bar.cumulative for bar in chart.bars] == [8, 8, 10]
        assert chart.cumulative_max == 10 and chart.max_total == 4
        assert chart.growth_points == "0,60.0 1,20.0 2,20.0 3,0.0"

    def test_a_long_range_has_a_slot_a_day(self):
        series = [(date(2026, 1, 1) + timedelta(days=i), 1) for i in range(90)]
        assert day_chart(series).slots == 90

    def test_it_draws_nothing_without_signups(self):
        chart = day_chart([])
        assert chart.bars == [] and chart.first_day is None


class TestChartColours:
    def test_every_graphic_has_3_to_1_contrast_against_the_page(self):
        css = (Path(__file__).resolve().parents[2] / "leads/static/leads/site.css").read_text()
        rules = {
            name: re.search(rf"\.{name} \{{[^}}]*(?:fill|stroke|background): (#[0-9a-f]{{6}})", css)
            for name in ["bar-total", "bar-preview", "bar-day", "growth-line", "key-total"]
        }
        for name, found in rules.items():
            assert found, name
            assert contrast(found.group(1), "#ffffff") >= 3, name
        total, preview = rules["bar-total"], rules["bar-preview"]
        assert total and preview
        assert contrast(total.group(1), preview.group(1)) >= 3  # the two parts of a bar
