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
from dataclasses import replace
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


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
def test_confirmations_referring_one_referrer_at_once_credit_it_exactly(
    store,
    physics,  # noqa: F811 - the fixture
    monkeypatch,
    settings,
):
    settings.REFERRAL_DAILY_CAP = 25
    monkeypatch.setenv("AWS_ENDPOINT_URL", physics.url)
    store.client.reset()
    now = datetime.now(UTC)
    store.add(lead("ref@x.com", at=now))
    store.confirm("ref@x.com", consent=replace(CONSENT, ip="198.51.100.1"), at=now)
    code = store.get("ref@x.com").ref_code
    friends = [f"f{i}@y.org" for i in range(40)]
    for i, email in enumerate(friends):
        store.add(replace(lead(email, at=now + timedelta(seconds=i)), referred_by=code))

    def confirm(n: int) -> None:
        # Each from a network of its own: only the day's cap withholds.
        consent = replace(CONSENT, ip=f"203.0.{n}.1")
        store.confirm(friends[n], consent=consent, at=now + timedelta(minutes=1))

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(confirm, range(len(friends))))
    # Two workers settling at once (a deploy rolls one while the other still runs): each
    # credit is decided once all the same.
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: store.settle(), range(2)))
    store.settle()
    assert store.get("ref@x.com").credits == 25
    withheld = store.withheld(limit=100)
    assert len(withheld) == 15
    assert {w.reason for w in withheld} == {"the referrer's credits for the day are used up"}
    everyone = ["ref@x.com", *friends]
    assert sorted(store.place(e) for e in everyone) == list(range(1, len(everyone) + 1))
    assert store.place("ref@x.com") == 1  # seq 1 less 25 boosts
    assert counted(store) == recount(store)
