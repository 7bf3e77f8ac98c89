"""Geometry of the staff charts, drawn as server-side SVG by our templates.

Only arithmetic lives here: the templates turn these shapes into SVG elements, so the charts
need no script and no third-party library, and satisfy `script-src 'self'`.

Text stays at its CSS size on any screen: the outer <svg> has no viewBox (its units are CSS
pixels) and places labels in pixels or in percentages of its width, while the plots are nested
<svg>s whose viewBox stretches to fit (`preserveAspectRatio="none"`). A day is one slot of at
least `MIN_SLOTS`, so a first day reads as one day, not a block across the whole chart.
A day's column is its signups, the part of them that confirmed drawn over its foot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from leads.store import DayCount, DomainCount
from staff.format import short_domain, unicode_domain

TOP_DOMAINS = 10
MIN_SLOTS = 7
PLOT = 100  # the height of a plot's own coordinates


@dataclass(frozen=True)
class DomainBar:
    domain: str  # as stored (ASCII)
    label: str  # in Unicode, shortened to fit a phone
    name: str  # in Unicode, whole: the tooltip and the table
    total: int
    preview_yes: int
    text_y: int  # baseline of the row's label and number
    bar_y: int
    percent: float  # of the widest bar, which spans the chart
    preview_percent: float


@dataclass(frozen=True)
class DomainChart:
    bars: list[DomainBar]
    height: int
    bar_height: int


@dataclass(frozen=True)
class DayBar:
    day: date
    total: int
    confirmed: int  # of the day's signups, those whose status is confirmed now
    pending: int
    cumulative: int  # on the list at the end of the day
    x: float  # in the plot's coordinates: one unit per day, 0-100 upwards
    y: float
    height: float
    confirmed_y: float
    confirmed_height: float


@dataclass(frozen=True)
class DayChart:
    bars: list[DayBar]
    slots: int
    max_total: int
    first_day: date | None
    last_day: date | None
    growth_points: str  # the cumulative line, "x,y x,y ..." in the plot's coordinates
    cumulative_max: int


def domain_chart(counts: list[DomainCount], *, top: int = TOP_DOMAINS) -> DomainChart:
    """One row per domain for the `top` domains by total (ties by name), largest first: the
    name and the number on a line, the bar under them."""
    leaders = sorted(counts, key=lambda c: (-c.total, c.domain))[:top]
    row, bar_height = 44, 14
    widest = max((c.total for c in leaders), default=0)
    bars = [
        DomainBar(
            domain=c.domain,
            label=short_domain(unicode_domain(c.domain)),
            name=unicode_domain(c.domain),
            total=c.total,
            preview_yes=c.preview_yes,
            text_y=i * row + 16,
            bar_y=i * row + 22,
            percent=round(100 * c.total / widest, 2) if widest else 0.0,
            preview_percent=round(100 * c.preview_yes / widest, 2) if widest else 0.0,
        )
        for i, c in enumerate(leaders)
    ]
    return DomainChart(bars=bars, height=max(row, len(bars) * row), bar_height=bar_height)


def day_chart(series: list[DayCount], *, base: int = 0) -> DayChart:
    """Columns of signups per day (confirmed ones at the foot), and the cumulative line from
    `base` (the leads before the first day), for a series of consecutive days."""
    if not series:
        return DayChart([], MIN_SLOTS, 0, None, None, "", 0)
    slots = max(len(series), MIN_SLOTS)
    top = max(d.total for d in series)
    running, cumulative = base, []
    for d in series:
        running += d.total
        cumulative.append(running)
    bars = []
    for i, (d, on_list) in enumerate(zip(series, cumulative, strict=True)):
        height = _height(d.total, top)
        confirmed = _height(d.confirmed, top)
        bars.append(
            DayBar(
                d.day, d.total, d.confirmed, d.pending, on_list,
                x=i + 0.1, y=round(PLOT - height, 2), height=height,
                confirmed_y=round(PLOT - confirmed, 2), confirmed_height=confirmed,
            )
        )  # fmt: skip
    peak = cumulative[-1]
    y = [PLOT - (PLOT * value / peak if peak else 0) for value in [base, *cumulative]]
    points = " ".join(f"{x},{round(v, 2)}" for x, v in enumerate(y))
    return DayChart(bars, slots, top, series[0].day, series[-1].day, points, peak)


def _height(value: int, top: int) -> float:
    return round(PLOT * value / top, 2) if top else 0.0
