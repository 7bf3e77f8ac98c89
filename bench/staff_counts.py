"""The staff dashboard and /api/domains at two sizes of the SQL store: the same time at both.

    .venv/bin/python bench/staff_counts.py [--sizes 10000 100000] [--domains 1000] [--days 90]
                                           [--rounds 5] [--requests 20] [--reuse DIR]

Builds one SQLite database per size through the store port (`store.add`, in one transaction
per 5,000 leads, so the counters are exactly what signups would have made), with the same
domains and days at every size: only the number of leads differs. Then, round after round,
a fresh process per size serves GET /search (the dashboard: figures, charts over the default
30 days, the counts table), GET /search?range=all (every day since the first signup) and
GET /api/domains through Django's full middleware stack (test client, signed-in staff member,
production settings) and times each request; the sizes take turns so that both see the same
machine. As a control that the method can see growth, each round also times counting domains
by reading every lead (`iter_leads`, what the lab's search did with one Scan).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URLS = ["/search", "/search?range=all", "/api/domains"]


def django_env(db: Path, static_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "waitlist.settings",
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET", secrets.token_urlsafe(50)),
        "DJANGO_DEBUG": "False",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": f"sqlite:///{db}",
        "LEADS_BACKEND": "sql",
        "STATIC_ROOT": str(static_root),
        "DJANGO_LOGLEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def run(*args: str, env: dict[str, str]) -> str:
    cmd = [sys.executable, __file__, *args]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


# --- inside a child process, with Django set up ------------------------------------------------
def build(leads: int, domains: int, days: int) -> None:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import transaction

    from leads.store import Lead, get_store

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    User.objects.create(username="bench", is_staff=True)
    store, rng = get_store(), random.Random(leads)
    names = [f"d{i:04d}.example" for i in range(domains)]
    weights = [1 / (rank + 1) for rank in range(domains)]  # Zipf-like: a few big domains
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for first in range(0, leads, 5000):
        with transaction.atomic():
            for i in range(first, min(first + 5000, leads)):
                # The first leads visit every domain and every day, so both sizes have them all.
                domain = names[i] if i < domains else rng.choices(names, weights)[0]
                day = i % days if i < days else rng.randrange(days)
                when = start + timedelta(days=day, seconds=rng.randrange(86400))
                lead = Lead(f"Lead {i}", f"u{i}@{domain}", rng.random() < 0.4, when)
                assert store.add(lead)
    print(json.dumps({"total": store.total(), "domains": len(store.domain_counts())}))


def measure(requests: int, expected_total: int) -> None:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    from leads.store import get_store

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    timings: dict[str, list[float]] = {url: [] for url in [*URLS, "read every lead"]}
    for url in URLS * 3:  # warm-up: templates, connections, caches
        client.get(url)
    for _ in range(requests):
        for url in URLS:
            began = time.perf_counter()
            response = client.get(url)
            timings[url].append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    page = client.get("/search").content.decode()
    assert f"<strong>{expected_total}</strong> leads from" in page, "counts page is wrong"
    assert sum(row["total"] for row in client.get("/api/domains").json()) == expected_total
    began = time.perf_counter()
    seen = {lead.domain for lead in get_store().iter_leads()}
    timings["read every lead"].append((time.perf_counter() - began) * 1000)
    assert len(seen) > 0
    print(json.dumps(timings))


# --- the parent: build, then alternate ----------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20, help="per endpoint, per round")
    parser.add_argument("--reuse", type=Path, help="a folder left by an earlier run: skip building")
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        return build(args.build, args.domains, args.days)
    if args.measure:
        return measure(args.requests, args.measure)

    tmp = args.reuse or Path(tempfile.mkdtemp(prefix="bench-staff-counts-"))
    os.environ["BENCH_SECRET"] = secrets.token_urlsafe(50)
    envs = {n: django_env(tmp / f"{n}.sqlite3", tmp / "static") for n in args.sizes}
    for n in [] if args.reuse else args.sizes:
        began = time.perf_counter()
        built = json.loads(run("--build", str(n), "--domains", str(args.domains),
                               "--days", str(args.days), env=envs[n]))  # fmt: skip
        print(
            f"built {n:,} leads, {built['domains']} domains in {time.perf_counter() - began:.0f} s"
        )
        assert built["total"] == n and built["domains"] == args.domains

    results: dict[int, dict[str, list[float]]] = {n: {} for n in args.sizes}
    for round_ in range(args.rounds):
        order = args.sizes if round_ % 2 == 0 else list(reversed(args.sizes))
        for n in order:
            out = json.loads(
                run("--measure", str(n), "--requests", str(args.requests), env=envs[n])
            )
            for key, values in out.items():
                results[n].setdefault(key, []).extend(values)
        print(f"round {round_ + 1}/{args.rounds} done", flush=True)

    small, large = args.sizes[0], args.sizes[-1]
    print(f"\n| what | {small:,} leads: median (p90) | {large:,} leads: median (p90) | ratio |")
    print("|---|---|---|---|")
    for key in [*URLS, "read every lead"]:
        a, b = results[small][key], results[large][key]
        print(
            f"| {key} | {summary(a)} | {summary(b)} | "
            f"{statistics.median(b) / statistics.median(a):.2f} |"
        )
    print(f"\n{len(results[small]['/search'])} requests per endpoint and size; database in {tmp}")


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"{statistics.median(values):.2f} ms ({p90:.2f})"


if __name__ == "__main__":
    main()
