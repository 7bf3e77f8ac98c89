"""The figures of the staff dashboard, every one from the counters (never the leads).

`domain_counts()`, `daily_counts()` and `total()` are read once each, whatever the number of
leads; the rest is arithmetic on what they return. Days are the counters' UTC days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from leads.store import COUNTED_STATUSES, DayCount, DomainCount, LeadStore
from staff import charts

RANGES = {"7": 7, "30": 30, "90": 90, "all": None}  # days shown; "all" from the first signup
RANGE_LABELS = {"7": "7 days", "30": "30 days", "90": "90 days", "all": "All"}
DEFAULT_RANGE = "30"
# The per-domain counts table's columns (DomainCount fields), each one an order to sort by.
COUNT_COLUMNS = [
    ("domain", "Domain"),
    ("total", "Leads"),
    ("preview_yes", "Preview: yes"),
    ("pending", "Pending"),
    ("confirmed", "Confirmed"),
]
# The figures by status, in this order. Confirmed and pending always show; the others only
# once some lead has them (nobody is invited before the line opens, and a list that began
# with confirmation has no legacy leads), so the row of figures stays short on a phone.
STATUS_FIGURES = [
    ("confirmed", "Confirmed"),
    ("pending", "Pending confirmation"),
    ("unsubscribed", "Unsubscribed"),
    ("invited", "Invited"),
    ("joined", "Joined"),
    ("legacy", "Legacy"),
]
ALWAYS_SHOWN = {"confirmed", "pending"}


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    note: str = ""


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
        statuses=status_figures(counts),
    )


def daily_series(
    days: list[DayCount], shown: int | None, today: date
) -> tuple[list[DayCount], int]:
    """Every day of the range ending today (zero days filled in: the counters leave them out),
    and how many signed up before it. "All" starts at the first signup."""
    last = max(today, days[-1].day) if days else today
    if shown is None:
        if not days:
            return [], 0
        first = days[0].day
    else:
        first = last - timedelta(days=shown - 1)
    by_day = {d.day: d for d in days}
    span = (last - first).days + 1
    series = []
    for i in range(span):
        day = first + timedelta(days=i)
        series.append(by_day.get(day, DayCount(day, 0)))
    before = sum(d.total for d in days if d.day < first)
    return series, before


def status_figures(counts: list[DomainCount]) -> list[Figure]:
    """Leads by status, summed over the domains' counters; legacy leads are what is left."""
    by_status = {status: sum(getattr(c, status) for c in counts) for status in COUNTED_STATUSES}
    total = sum(c.total for c in counts)
    by_status["legacy"] = total - sum(by_status.values())
    notes = {"legacy": "stored before confirmation existed"}
    if total:
        notes["confirmed"] = f"{round(100 * by_status['confirmed'] / total)}% of all"
    return [
        Figure(label, by_status[key], notes.get(key, ""))
        for key, label in STATUS_FIGURES
        if key in ALWAYS_SHOWN or by_status[key]
    ]
