"""Geometry of the staff charts, drawn as server-side SVG by our templates.

Only arithmetic lives here: the templates turn these shapes into <rect> and <text> elements,
so the charts need no script and no third-party library, and satisfy `script-src 'self'`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from leads.store import DayCount, DomainCount

TOP_DOMAINS = 10
DAYS_SHOWN = 60


@dataclass(frozen=True)
class DomainBar:
    domain: str
    total: int
    preview_yes: int
    y: int  # top of the bar
    text_y: int  # baseline of its labels
    width: float  # the whole bar (all leads)
    preview_width: float  # the part of it that asked for preview access
    value_x: float  # where the number after the bar starts


@dataclass(frozen=True)
class DomainChart:
    bars: list[DomainBar]
    width: int
    height: int
    label_width: int
    bar_height: int
    row_height: int
    max_total: int


@dataclass(frozen=True)
class DayColumn:
    day: date
    label: str  # the day as 2026-11-28, formatted once here rather than twice per column
    total: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DailyChart:
    columns: list[DayColumn]
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    max_total: int
    first_day: date | None
    last_day: date | None
    hidden_days: int  # days with signups before the window shown


def domain_chart(counts: list[DomainCount], *, top: int = TOP_DOMAINS) -> DomainChart:
    """Horizontal bars for the `top` domains by total (ties by name), longest first."""
    leaders = sorted(counts, key=lambda c: (-c.total, c.domain))[:top]
    width, label_width, value_width, row_height, bar_height = 480, 150, 50, 26, 18
    plot_width = width - label_width - value_width
    max_total = max((c.total for c in leaders), default=0)
    scale = plot_width / max_total if max_total else 0.0
    bars = [
        DomainBar(
            domain=c.domain,
            total=c.total,
            preview_yes=c.preview_yes,
            y=i * row_height + (row_height - bar_height) // 2,
            text_y=i * row_height + row_height - 9,
            width=round(c.total * scale, 1),
            preview_width=round(c.preview_yes * scale, 1),
            value_x=round(label_width + c.total * scale + 6, 1),
        )
        for i, c in enumerate(leaders)
    ]
    return DomainChart(
        bars=bars,
        width=width,
        height=max(row_height, len(bars) * row_height),
        label_width=label_width,
        bar_height=bar_height,
        row_height=row_height,
        max_total=max_total,
    )


def daily_chart(days: list[DayCount], *, shown: int = DAYS_SHOWN) -> DailyChart:
    """One column per day for the last `shown` days up to the latest signup, zero days included.

    The counters leave out days at zero, so the gaps are filled here to keep the time axis even.
    """
    width, height, plot_top, plot_bottom, left = 480, 200, 10, 170, 40
    if not days:
        return DailyChart([], width, height, plot_top, plot_bottom, 0, None, None, 0)
    last_day = days[-1].day
    first_day = max(days[0].day, last_day - timedelta(days=shown - 1))
    by_day = {d.day: d.total for d in days}
    span = (last_day - first_day).days + 1
    max_total = max(by_day.get(first_day + timedelta(days=i), 0) for i in range(span))
    slot = (width - left) / span
    plot_height = plot_bottom - plot_top
    columns = []
    for i in range(span):
        day = first_day + timedelta(days=i)
        total = by_day.get(day, 0)
        bar_height = round(total / max_total * plot_height, 1) if max_total else 0.0
        columns.append(
            DayColumn(
                day=day,
                label=day.isoformat(),
                total=total,
                x=round(left + i * slot + slot * 0.1, 1),
                y=round(plot_bottom - bar_height, 1),
                width=round(slot * 0.8, 1),
                height=bar_height,
            )
        )
    hidden = sum(1 for d in days if d.day < first_day)
    return DailyChart(
        columns, width, height, plot_top, plot_bottom, max_total, first_day, last_day, hidden
    )
