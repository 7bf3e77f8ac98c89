"""The figures of the staff dashboard, every one from the counters (never the leads).

`domain_counts()`, `daily_counts()` and `total()` are read once each, whatever the number of
leads; the rest is arithmetic on what they return. Days are the counters' UTC days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from leads.store import DayCount, DomainCount, LeadStore
from staff import charts

RANGES = {"7": 7, "30": 30, "90": 90, "all": None}  # days shown; "all" from the first signup
RANGE_LABELS = {"7": "7 days", "30": "30 days", "90": "90 days", "all": "All"}
DEFAULT_RANGE = "30"
# Figures the store may offer once the confirmation and line issues land, in this order; each
# shows only if the store's optional `status_counts()` (from its counters) names it.
STATUS_FIGURES = [
    ("confirmed", "Confirmed"),
    ("pending", "Pending confirmation"),
    ("invited", "Invited"),
    ("joined", "Joined"),
]


@dataclass(frozen=True)
class Figure:
    label: str
    value: int


@dataclass(frozen=True)
class Dashboard:
    today: int
    this_week: int  # the last 7 days, today included
    week_before: int  # the 7 days before those
    total: int
    preview_yes: int
    range_key: str
    chart: charts.DayChart
    domains: charts.DomainChart
    statuses: list[Figure] = field(default_factory=list)

    @property
    def change(self) -> int:
        return self.this_week - self.week_before

    @property
    def change_percent(self) -> int | None:
        """The change against the week before in whole percent; None after an empty week."""
        return round(100 * self.change / self.week_before) if self.week_before else None

    @property
    def preview_percent(self) -> int | None:
        return round(100 * self.preview_yes / self.total) if self.total else None


def build(
    store: LeadStore,
    *,
    counts: list[DomainCount],
    range_key: str,
    today: date,
) -> Dashboard:
    days = store.daily_counts()
    by_day = {d.day: d.total for d in days}

    def between(first: date, last: date) -> int:
        return sum(total for day, total in by_day.items() if first <= day <= last)

    week_start = today - timedelta(days=6)
    series, base = daily_series(days, RANGES[range_key], today)
    return Dashboard(
        today=by_day.get(today, 0),
        this_week=between(week_start, today),
        week_before=between(week_start - timedelta(days=7), week_start - timedelta(days=1)),
        total=store.total(),
        preview_yes=sum(c.preview_yes for c in counts),
        range_key=range_key,
        chart=charts.day_chart(series, base=base),
        domains=charts.domain_chart(counts),
        statuses=status_figures(store),
    )


def daily_series(
    days: list[DayCount], shown: int | None, today: date
) -> tuple[list[tuple[date, int]], int]:
    """Every day of the range ending today (zero days filled in: the counters leave them out),
    and how many signed up before it. "All" starts at the first signup."""
    last = max(today, days[-1].day) if days else today
    if shown is None:
        if not days:
            return [], 0
        first = days[0].day
    else:
        first = last - timedelta(days=shown - 1)
    by_day = {d.day: d.total for d in days}
    span = (last - first).days + 1
    series = [
        (first + timedelta(days=i), by_day.get(first + timedelta(days=i), 0)) for i in range(span)
    ]
    before = sum(d.total for d in days if d.day < first)
    return series, before


def status_figures(store: LeadStore) -> list[Figure]:
    """Confirmed, pending, invited, joined: only what the store counts (none of it yet)."""
    status_counts = getattr(store, "status_counts", None)
    if not callable(status_counts):
        return []
    counted: Mapping[str, int] = status_counts()
    return [Figure(label, counted[key]) for key, label in STATUS_FIGURES if key in counted]
