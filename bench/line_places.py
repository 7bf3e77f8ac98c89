"""Places in the line: what reading one lead's place costs at 10,000, 100,000 and 1,000,000
waiting leads, beside a brute-force count as the control; and what a confirmation, a referral
credit and an invitation write.

    .venv/bin/python -m bench.line_places [--sizes 10000 100000 1000000]
                                          [--dynamodb-sizes 10000 100000] [--lookups 200]

Each backend and size runs in a process of its own, on a store of its own:
- SQL (SQLite, a file): the waiting leads are written in bulk as the store writes confirmed
  leads (a tenth of them with 1-3 credited referrals, so scores and confirmations differ), and
  the line's tree comes from the store's own recount (`rebuild_counts`). Then `place()` is timed
  for leads spread evenly along the line, and so is the control, a COUNT(*) of the waiting
  leads ranked lower (on the `lead_line` index). Rows read: for a place, the lead's row and the
  tree's rows its query sums (at most 15 a node, 16 nodes); for the control, every index entry
  it counts.
- DynamoDB (moto's server: it models neither latency nor capacity, so the time is moto's; the
  items read are what DynamoDB bills): the leads are written with BatchWriteItem as the store
  writes them, and the tree's nodes as the stream tally would move them (items.counter_deltas).
  A place is a GetItem of the lead and a BatchGetItem of its 16 nodes. The control: a Query of
  the `line` index with a lower rank, Select COUNT (ScannedCount items, all of them billed).
Each lookup checks that place == 1 + the control's count: the tree is exact.

Writes: on a fresh store of each backend with a short line, while the change and the
`settle()` after it run: SQL rows inserted, updated or deleted (a diff of the store's tables);
DynamoDB items each write request touches (a TransactWriteItems' parts, an UpdateItem's one),
the stream tally's included.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 1, tzinfo=UTC)
BOOST = 5


def env_for(backend: str, tmp: Path, moto: str = "") -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "waitlist.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"sqlite:///{tmp / f'{backend}-{secrets.token_hex(4)}.sqlite3'}",
        "LEADS_BACKEND": backend,
        "REFERRAL_BOOST": str(BOOST),
        "PYTHONPATH": str(ROOT),
    }
    if moto:
        name = f"line-{secrets.token_hex(4)}"
        env |= {"AWS_ENDPOINT_URL": moto, "AWS_DEFAULT_REGION": "us-east-1"}
        env |= {"LEADS_TABLE": name, "COUNTERS_TABLE": f"{name}-counters"}
        env |= {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
    return env


def waiting_leads(n: int) -> list[Any]:
    """n confirmed leads, seq 1..n; a tenth of them credited 1-3 times."""
    from leads.store import Consent, Lead

    rng = random.Random(n)
    consent = Consent(text="I want in.", version="1", ip="192.0.2.1", user_agent="bench")
    made = []
    for i in range(n):
        credits = rng.choice((1, 2, 3)) if rng.random() < 0.1 else 0
        at = T0 + timedelta(seconds=i)
        made.append(
            Lead(
                name=f"Lead {i}",
                email=f"u{i}@d{i % 97}.example",
                preview=i % 3 == 0,
                created_at=at,
                stage="confirmed",
                confirmed_at=at + timedelta(seconds=1),
                consent=consent,
                seq=i + 1,
                score=i + 1 - BOOST * credits,
                credits=credits,
            )
        )
    return made


def spread(leads: list[Any], k: int) -> list[Any]:
    ranked = sorted(leads, key=lambda lead: lead.rank)
    return [ranked[(2 * j + 1) * len(ranked) // (2 * k)] for j in range(k)]


# --- SQL ------------------------------------------------------------------------------------------
def sql_sizes(n: int, lookups: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from leads import models
    from leads.store import get_store, line

    call_command("migrate", verbosity=0)
    leads = waiting_leads(n)
    began = time.perf_counter()
    for first in range(0, n, 5000):
        with transaction.atomic():
            models.LeadRow.objects.bulk_create(
                sql_row(lead) for lead in leads[first : first + 5000]
            )
    store = get_store()
    store.rebuild_counts()
    load = time.perf_counter() - began
    place_ms, control_ms, rows_read, control_read = [], [], [], []
    for lead in spread(leads, lookups):
        t0 = time.perf_counter()
        place = store.place(lead.email)
        place_ms.append((time.perf_counter() - t0) * 1000)
        steps = [(node, digit) for node, digit in line.path(lead.rank) if digit]
        where = " OR ".join(["(node = %s AND digit < %s)"] * len(steps)) or "FALSE"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM leads_linenode WHERE {where}",  # noqa: S608 - placeholders
                [v for step in steps for v in step],
            )
            rows_read.append(1 + cursor.fetchone()[0])
            t0 = time.perf_counter()
            cursor.execute(
                "SELECT COUNT(*) FROM leads_lead WHERE stage = 'confirmed' "
                "AND rank IS NOT NULL AND rank < %s",
                [lead.rank],
            )
            ahead = cursor.fetchone()[0]
            control_ms.append((time.perf_counter() - t0) * 1000)
        control_read.append(ahead)
        assert place == 1 + ahead, (lead.email, place, ahead)
    return summary(n, load, place_ms, rows_read, control_ms, control_read)


def sql_row(lead: Any) -> Any:
    from leads import models

    return models.LeadRow(
        email=lead.email,
        name=lead.name,
        preview=lead.preview,
        domain=lead.domain,
        created_at=lead.created_at,
        stage=lead.stage,
        confirmed_at=lead.confirmed_at,
        consent_text=lead.consent.text,
        consent_version=lead.consent.version,
        consent_ip=lead.consent.ip,
        consent_agent=lead.consent.user_agent,
        seq=lead.seq,
        score=lead.score,
        rank=lead.rank,
        credits=lead.credits,
    )


def summary(n, load, place_ms, place_read, control_ms, control_read) -> dict[str, Any]:
    return {
        "waiting": n,
        "load_s": round(load, 1),
        "place_ms_median": round(statistics.median(place_ms), 3),
        "place_items_read_max": max(place_read),
        "place_items_read_mean": round(statistics.mean(place_read), 1),
        "control_ms_median": round(statistics.median(control_ms), 3),
        "control_items_read_mean": round(statistics.mean(control_read)),
        "control_items_read_max": max(control_read),
        "lookups": len(place_ms),
        "controls": len(control_ms),
    }


# --- DynamoDB -------------------------------------------------------------------------------------
def dynamodb_sizes(n: int, lookups: int, controls: int) -> dict[str, Any]:
    from bench.dynamo_tools import item_size, rcu
    from leads.store import get_store
    from leads.store.dynamodb.items import counter_deltas, counter_key, lead_item

    store = get_store()
    store.setup()
    client, tables = store.client, store.tables  # type: ignore[attr-defined]
    leads = waiting_leads(n)
    began = time.perf_counter()
    nodes: dict[tuple[str, str], dict[str, int]] = {}
    sizes = []
    for first in range(0, n, 25):
        items = [lead_item(lead) for lead in leads[first : first + 25]]
        sizes += [item_size(item) for item in items]
        batch_write(client, tables.leads, items)
        for item in items:
            for key, figures in counter_deltas(None, item).items():
                if key[0] == "line":
                    counts = nodes.setdefault(key, {})
                    for name, k in figures.items():
                        counts[name] = counts.get(name, 0) + k
    node_items = [
        {**counter_key(*key), **{name: {"N": str(k)} for name, k in counts.items()}}
        for key, counts in nodes.items()
    ]
    for first in range(0, len(node_items), 25):
        batch_write(client, tables.counters, node_items[first : first + 25])
    load = time.perf_counter() - began
    place_ms, control_ms, place_read, control_read = [], [], [], []
    for j, lead in enumerate(spread(leads, lookups)):
        t0 = time.perf_counter()
        place = store.place(lead.email)
        place_ms.append((time.perf_counter() - t0) * 1000)
        place_read.append(1 + 16)  # GetItem of the lead, BatchGetItem of its path's nodes
        if j % max(1, lookups // controls):
            continue
        t0 = time.perf_counter()
        ahead = scanned = 0
        params: dict[str, Any] = {
            "TableName": tables.leads,
            "IndexName": "line",
            "KeyConditionExpression": "waiting = :w AND #rank < :r",
            "ExpressionAttributeNames": {"#rank": "rank"},
            "ExpressionAttributeValues": {":w": {"S": "yes"}, ":r": {"S": f"{lead.rank:016x}"}},
            "Select": "COUNT",
        }
        while True:
            page = client.call("query", **params)
            ahead, scanned = ahead + page["Count"], scanned + page["ScannedCount"]
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        control_ms.append((time.perf_counter() - t0) * 1000)
        control_read.append(scanned)
        assert place == 1 + ahead, (lead.email, place, ahead)
    result = summary(n, load, place_ms, place_read, control_ms, control_read)
    mean_size = statistics.mean(sizes)
    # Consistent reads of items under 4 KB: 1 RCU each; the index Query reads eventually.
    result["place_rcu"] = 17
    result["control_rcu_mean"] = round(rcu(int(mean_size * result["control_items_read_mean"])))
    result["lead_item_bytes_mean"] = round(mean_size)
    return result


def batch_write(client: Any, table: str, items: list[dict]) -> None:
    requests_ = {table: [{"PutRequest": {"Item": item}} for item in items]}
    while requests_:
        answer = client.call("batch_write_item", RequestItems=requests_)
        requests_ = answer.get("UnprocessedItems") or {}


# --- writes per change ----------------------------------------------------------------------------
def writes(backend: str) -> dict[str, Any]:
    from dataclasses import replace

    from django.core.management import call_command

    from leads.store import Consent, Lead, get_store

    if backend == "sql":
        call_command("migrate", verbosity=0)
    store = get_store()
    if backend == "dynamodb":
        store.setup()
    count = counter(store, backend)
    ip = iter(f"198.51.{i}.1" for i in range(1000))

    def consent() -> Consent:
        return Consent(text="I want in.", version="1", ip=next(ip), user_agent="bench")

    for i in range(50):  # a line to stand in
        lead = Lead(name="N", email=f"w{i}@x.com", preview=False, created_at=T0)
        store.add(lead)
        store.confirm(lead.email, consent=consent(), at=T0 + timedelta(seconds=i))
    store.settle()
    referrer = store.get("w10@x.com")
    assert referrer is not None and referrer.ref_code
    figures = {}
    new = Lead(name="N", email="new@y.org", preview=True, created_at=T0)
    figures["signup"] = count(lambda: store.add(new))
    figures["confirmation"] = count(lambda: store.confirm(new.email, consent=consent(), at=T0))
    friend = replace(new, email="friend@y.org", referred_by=referrer.ref_code)
    store.add(friend)
    store.settle()
    figures["confirmation with a credited referral"] = count(
        lambda: store.confirm(friend.email, consent=consent(), at=T0)
    )
    assert store.get(referrer.email).credits == 1  # type: ignore[union-attr]
    figures["referral credit (the difference)"] = (
        figures["confirmation with a credited referral"] - figures["confirmation"]
    )
    figures["invitation"] = count(lambda: store.invite("w0@x.com", at=T0))
    figures["erasure of a waiting lead"] = count(lambda: store.delete("w20@x.com"))
    return figures


def counter(store: Any, backend: str):
    """A function that runs a change and its settle(), returning the items it wrote."""
    if backend == "sql":
        return lambda change: sql_written(store, change)
    written = [0]
    kinds = {"PutItem": 1, "UpdateItem": 1, "DeleteItem": 1}

    def before(params: dict, model: Any, **_: Any) -> None:
        if model.name in kinds:
            written[0] += 1
        elif model.name == "TransactWriteItems":
            written[0] += len(params["TransactItems"])
        elif model.name == "BatchWriteItem":
            written[0] += sum(len(r) for r in params["RequestItems"].values())

    store.client.boto.meta.events.register("before-parameter-build.dynamodb", before)

    def run(change) -> int:
        store.settle()
        written[0] = 0
        change()
        store.settle()
        return written[0]

    return run


def sql_written(store: Any, change: Any) -> int:
    """Rows of the store's tables that `change` inserted, updated or deleted."""
    from leads import models

    tables: list[Any] = [models.LeadRow, models.Counter, models.LineNode, models.Sequence]
    tables.append(models.Credit)

    def snapshot() -> dict[tuple[str, Any], tuple[Any, ...]]:
        return {
            (model.__name__, row[0]): row for model in tables for row in model.objects.values_list()
        }

    before = snapshot()
    change()
    store.settle()
    after = snapshot()
    return sum(before.get(key) != after.get(key) for key in before.keys() | after.keys())


# --- the parent -----------------------------------------------------------------------------------
def child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.line_places", *args]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dynamodb-sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--controls", type=int, default=20, help="DynamoDB control queries")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import django

        django.setup()
        backend, what = args.child
        if what == "writes":
            result: Any = writes(backend)
        elif backend == "sql":
            result = sql_sizes(int(what), args.lookups)
        else:
            result = dynamodb_sizes(int(what), args.lookups, args.controls)
        print(json.dumps(result))
        return

    from bench.dynamo_tools import start_moto

    tmp = Path(tempfile.mkdtemp(prefix="bench-line-"))
    results: dict[str, Any] = {"sql": [], "dynamodb": []}
    results["writes"] = {"sql": child(["--child", "sql", "writes"], env_for("sql", tmp))}
    for n in args.sizes:
        results["sql"].append(
            child(["--child", "sql", str(n), "--lookups", str(args.lookups)], env_for("sql", tmp))
        )
        print(json.dumps(results["sql"][-1]), flush=True)
    proc, url = start_moto()
    try:
        results["writes"]["dynamodb"] = child(
            ["--child", "dynamodb", "writes"], env_for("dynamodb", tmp, url)
        )
        for n in args.dynamodb_sizes:
            # A server of its own for each size: moto keeps every item in its memory.
            proc.terminate()
            proc.wait()
            proc, url = start_moto()
            cmd = ["--child", "dynamodb", str(n), "--lookups", str(args.lookups)]
            cmd += ["--controls", str(args.controls)]
            results["dynamodb"].append(child(cmd, env_for("dynamodb", tmp, url)))
            print(json.dumps(results["dynamodb"][-1]), flush=True)
    finally:
        proc.terminate()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
