"""Joiners racing each other on DynamoDB, through the physics proxy (conflicts and latency):
repeated signups, confirmations (twice, at once), unsubscriptions and erasures of the same
addresses, all at the same time. Afterwards the counters equal a recount of what is stored.

DynamoDB only: the test's threads must see each other's writes, and the SQL test database is
one transaction that the test holds open (the SQL store's counters move in the change's own
transaction; its contract tests and the model test check them).
"""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from leads.store import StoreUnavailable
from leads.tests.factories import CONSENT, lead
from leads.tests.test_concurrency_dynamodb import physics  # noqa: F401 - a fixture

EMAILS = [f"u{i}@{('x.com', 'y.org', 'z.net')[i % 3]}" for i in range(40)]


def recount(store) -> tuple[Counter, Counter]:
    """Per (domain, figure) and per (day, figure), from the stored leads themselves."""
    domains: Counter = Counter()
    days: Counter = Counter()
    for found in store.iter_leads():
        figures = {"total": 1, "preview_yes": int(found.preview), found.status: 1}
        for name, n in figures.items():
            domains[found.domain, name] += n
            if name != "preview_yes":
                days[found.created_at.date(), name] += n
    return domains, days


def counted(store) -> tuple[Counter, Counter]:
    domains: Counter = Counter()
    days: Counter = Counter()
    names = ("total", "pending", "confirmed", "unsubscribed", "invited", "joined")
    for c in store.domain_counts():
        for name in (*names, "preview_yes"):
            domains[c.domain, name] += getattr(c, name)
    for d in store.daily_counts():
        for name in names:
            days[d.day, name] += getattr(d, name)
    return +domains, +days  # unary plus drops the zeros


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
def test_signups_confirmations_unsubscriptions_and_erasures_racing_count_exactly(
    store,
    physics,  # noqa: F811 - the fixture
    monkeypatch,
):
    monkeypatch.setenv("AWS_ENDPOINT_URL", physics.url)
    store.client.reset()
    now = datetime.now(UTC)
    rng = random.Random(13)
    steps = []
    for n in range(400):
        email = rng.choice(EMAILS)
        steps.append(
            (rng.choice(["add", "add", "confirm", "confirm", "unsub", "delete"]), email, n)
        )

    def run(step: tuple[str, str, int]) -> str:
        action, email, n = step
        at = now + timedelta(microseconds=n)
        try:
            if action == "add":
                store.add(lead(email, preview=n % 2 == 0, at=at))
            elif action == "confirm":
                store.confirm(email, consent=CONSENT, at=at)
            elif action == "unsub":
                store.unsubscribe(email, at=at)
            else:
                store.delete(email)
        except StoreUnavailable as e:  # kept conflicting past its retries: a 503, not a miscount
            return f"unavailable: {e}"
        return "ok"

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(run, steps))
    assert answers.count("ok") >= len(steps) * 0.95, Counter(answers)
    store.settle()
    assert counted(store) == recount(store)
    waiting = [e for e in EMAILS if store.place(e) is not None]
    assert sorted(store.place(e) for e in waiting) == list(range(1, len(waiting) + 1))
