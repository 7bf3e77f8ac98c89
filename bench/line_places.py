"""Places in the line: what reading one lead's place costs at 10,000, 100,000 and 1,000,000
waiting leads, beside a brute-force count as the control.

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

What a confirmation, a credit and an invitation write: bench/line_writes.py.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from bench.children import child_env, run_child

T0 = datetime(2026, 11, 1, tzinfo=UTC)
BOOST = 5


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
    # The control reads the whole index: on moto, seconds past the store's own read timeout.
    slow = Config(read_timeout=600, retries={"total_max_attempts": 1})
    counting = boto3.client("dynamodb", config=slow)
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
            page = counting.query(**params)
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


# --- the parent -----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dynamodb-sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--controls", type=int, default=20, help="DynamoDB control queries")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import django

        django.setup()
        backend, size = args.child
        if backend == "sql":
            print(json.dumps(sql_sizes(int(size), args.lookups)))
        else:
            print(json.dumps(dynamodb_sizes(int(size), args.lookups, args.controls)))
        return

    from bench.dynamo_tools import start_moto

    tmp = Path(tempfile.mkdtemp(prefix="bench-line-"))
    boost = {"REFERRAL_BOOST": str(BOOST)}
    results: dict[str, list[Any]] = {"sql": [], "dynamodb": []}
    for n in args.sizes:
        cmd = ["--child", "sql", str(n), "--lookups", str(args.lookups)]
        results["sql"].append(run_child("bench.line_places", cmd, child_env("sql", tmp, **boost)))
        print(json.dumps(results["sql"][-1]), flush=True)
    for n in args.dynamodb_sizes:
        proc, url = start_moto()  # a server for each size: moto keeps every item in memory
        try:
            cmd = ["--child", "dynamodb", str(n), "--lookups", str(args.lookups)]
            cmd += ["--controls", str(args.controls)]
            env = child_env("dynamodb", tmp, url, **boost)
            results["dynamodb"].append(run_child("bench.line_places", cmd, env))
        finally:
            proc.terminate()
        print(json.dumps(results["dynamodb"][-1]), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
