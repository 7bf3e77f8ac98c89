"""Domain counts and a domain search on DynamoDB: our counters and index vs the lab's Scan.

    .venv/bin/python -m bench.dynamo_counts [--sizes 10000 100000] [--rounds 3] [--signups 100]

Starts moto's server on a free loopback port, loads each size of leads into the lab's table name
(`ccbda-signup-table`, with our attributes and indexes, and counters computed to match) with
BatchWriteItem, then measures side by side on the same emulator:

- the lab's counts: one Scan page + collections.Counter, as its `search` view does;
- a correct Scan: every page (what the lab would need to be right);
- ours: `DynamoLeadStore.domain_counts()`, a Query on the counters table;
- a domain search: the lab's Scan with `contains(email, '@d')` vs our `search(domain=d)`;
- per new signup (`leads.signups.sign_up`): the DynamoDB calls it makes.

Items read are the items DynamoDB evaluates (ScannedCount); read capacity is computed as
DynamoDB bills it, 0.5 RCU per started 4 KB of item data per eventually consistent request
(moto reports a fixed figure, so we do not use its ConsumedCapacity). Times are medians.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from bench.dynamo_tools import Meter, item_size, rcu, start_moto, timed

TABLE = "ccbda-signup-table"
FIRST = ["ann", "bob", "cy", "dee", "eva", "finn", "gus", "hana", "ivan", "jo", "kim", "lea"]
LAST = ["lee", "garcia", "smith", "martin", "rossi", "novak", "kim", "silva", "jansen", "ito"]


def configure(url: str) -> None:
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 (the emulator's, not a secret)
        AWS_DEFAULT_REGION="us-east-1",
    )
    import django
    from django.conf import settings

    settings.configure(
        USE_TZ=True,
        LEADS_BACKEND="dynamodb",
        LEADS_TABLE=TABLE,
        COUNTERS_TABLE=f"{TABLE}-counters",
        AWS_REGION="us-east-1",
        NEW_SIGNUP_TOPIC="",
        SITE_URL="http://127.0.0.1:8000",
        LOGGING_CONFIG=None,
        # The notification links the staff search page by its URL name.
        ROOT_URLCONF="waitlist.urls",
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "leads"],
    )
    django.setup()


def make_leads(n: int, rng: random.Random) -> list:
    from leads.store import Lead

    domains = [f"{rng.choice(LAST)}{i}.example" for i in range(2000)]
    weights = [1 / (rank + 1) for rank in range(len(domains))]  # a long tail, like real mail
    start = datetime.now(UTC) - timedelta(days=90)
    leads = []
    for i, domain in enumerate(rng.choices(domains, weights, k=n)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        at = start + timedelta(seconds=rng.uniform(0, 90 * 86400))
        leads.append(Lead(f"{first.title()} {last.title()}", f"{first}.{last}{i}@{domain}",
                          rng.random() < 0.4, at))  # fmt: skip
    return leads


def batch_write(client: Any, table: str, items: list[dict]) -> None:
    for start in range(0, len(items), 25):
        requests_ = {table: [{"PutRequest": {"Item": it}} for it in items[start : start + 25]]}
        while requests_:
            requests_ = client.batch_write_item(RequestItems=requests_).get("UnprocessedItems")


def load(store: Any, leads: list) -> dict[str, tuple[int, int]]:
    """Writes the leads (already notified) and counters that match them; returns the truth."""
    from leads.store.dynamodb.items import counter_key, lead_item

    client = store.client.boto
    batch_write(client, store.leads_table, [lead_item(lead) for lead in leads])
    per_domain: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_day: Counter[str] = Counter()
    for lead in leads:
        per_domain[lead.domain][0] += 1
        per_domain[lead.domain][1] += lead.preview
        per_day[lead.day] += 1
    rows = [
        {**counter_key("domain", d), "total": {"N": str(t)}, "preview_yes": {"N": str(y)}}
        for d, (t, y) in per_domain.items()
    ]
    rows += [{**counter_key("day", d), "total": {"N": str(t)}} for d, t in per_day.items()]
    rows.append({**counter_key("total", "all"), "total": {"N": str(len(leads))}})
    batch_write(client, store.counters_table, rows)
    return {d: (t, y) for d, (t, y) in per_domain.items()}


def lab_scan(table: Any, **kwargs: Any) -> dict:
    """The lab's get_leads Scan call, returning the whole response (one page, as it did)."""
    return table.scan(**kwargs)


def signup_calls(signups: int) -> dict[str, float]:
    """The DynamoDB calls per new signup, on tables of their own.

    On small tables: moto copies a whole table in every transaction, so on big ones its
    TransactWriteItems outlasts the client's timeout, which real DynamoDB does not.
    """
    from django.conf import settings

    from leads import signups as signup_flow
    from leads.store import Consent, get_store
    from leads.store.dynamodb import DynamoLeadStore

    settings.LEADS_TABLE, settings.COUNTERS_TABLE = "bench-signups", "bench-signups-counters"
    get_store.cache_clear()
    store = get_store()
    assert isinstance(store, DynamoLeadStore)
    store.setup()
    meter = Meter(store.client)
    for i in range(signups):
        consent = Consent(text="bench", version="1", ip="127.0.0.1", user_agent="bench")
        email = f"new{i}@bench.example"
        assert signup_flow.sign_up(name="New", email=email, preview=True, consent=consent)
    calls = dict(meter.calls)
    assert store.total() == signups and store.pending() == []
    for name in (store.leads_table, store.counters_table):
        store.client.boto.delete_table(TableName=name)
    settings.LEADS_TABLE, settings.COUNTERS_TABLE = TABLE, f"{TABLE}-counters"
    get_store.cache_clear()
    return {op: count / signups for op, count in calls.items()}


def run_size(n: int, rounds: int, url: str) -> dict[str, Any]:
    from leads.store import get_store
    from leads.store.dynamodb import DynamoLeadStore
    from leads.store.dynamodb.items import lead_item

    get_store.cache_clear()
    store = get_store()
    assert isinstance(store, DynamoLeadStore)
    store.setup()
    rng = random.Random(n)
    leads = make_leads(n, rng)
    t0 = time.perf_counter()
    truth = load(store, leads)
    load_s = time.perf_counter() - t0
    sizes = {lead.email: item_size(lead_item(lead)) for lead in leads}
    table = boto3.resource("dynamodb").Table(TABLE)
    out: dict[str, Any] = {"n": n, "load_s": load_s, "domains": len(truth)}
    print(f"loaded {n} leads in {load_s:.0f} s", file=sys.stderr, flush=True)

    # The lab's counts: one Scan page, then Counter over the emails' domains.
    def lab_counts() -> tuple[dict, int]:
        response = lab_scan(table, ReturnConsumedCapacity="TOTAL")
        counts = Counter(item["email"].split("@")[1] for item in response["Items"])
        return counts, response["ScannedCount"]

    out["lab_s"], (lab, lab_items) = timed(rounds, lab_counts)
    first_page = [item["email"] for item in lab_scan(table)["Items"]]
    out["lab_items"], out["lab_rcu"] = lab_items, rcu(sum(sizes[e] for e in first_page))
    out["lab_wrong"] = sum(1 for d, (t, _) in truth.items() if lab.get(d, 0) != t)
    out["lab_total"] = sum(lab.values())

    # A correct Scan: every page.
    def full_scan() -> tuple[int, int, float]:
        params: dict[str, Any] = {}
        items = pages = 0
        capacity = 0.0
        while True:
            response = table.scan(**params)
            items, pages = items + response["ScannedCount"], pages + 1
            capacity += rcu(sum(sizes[item["email"]] for item in response["Items"]))
            if "LastEvaluatedKey" not in response:
                return items, pages, capacity
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    out["scan_s"], (out["scan_items"], out["scan_pages"], out["scan_rcu"]) = timed(1, full_scan)
    print(f"scanned {n} leads in {out['scan_s']:.0f} s", file=sys.stderr, flush=True)

    # Ours: the counters.
    meter = Meter(store.client)
    out["ours_s"], ours = timed(rounds, store.domain_counts)
    meter.reset()
    store.domain_counts()
    out["ours_items"], out["ours_rcu"], out["ours_calls"] = (
        meter.items,
        meter.rcu,
        sum(meter.calls.values()),
    )
    out["ours_wrong"] = sum(1 for c in ours if truth.get(c.domain) != (c.total, c.preview_yes))
    out["ours_wrong"] += len(truth) - len(ours)

    # A domain search: the third most common domain (a few per cent of the leads).
    domain = sorted(truth, key=lambda d: -truth[d][0])[2]
    out["search_domain"], out["search_truth"] = domain, truth[domain][0]

    def lab_search() -> dict:
        return lab_scan(table, FilterExpression="contains(email, :d)",
                        ExpressionAttributeValues={":d": "@" + domain})  # fmt: skip

    out["lab_search_s"], response = timed(rounds, lab_search)
    out["lab_search_found"], out["lab_search_items"] = response["Count"], response["ScannedCount"]
    out["lab_search_rcu"] = out["lab_rcu"]  # the same first page is read, then filtered
    out["ours_search_s"], page = timed(rounds, lambda: store.search(domain=domain, limit=50))
    meter.reset()
    store.search(domain=domain, limit=50)
    out["ours_search_items"], out["ours_search_rcu"] = meter.items, meter.rcu
    out["ours_search_found"] = len(page.items)
    out["ours_search_all"] = sum(1 for _ in store.iter_leads(domain=domain))

    for name in (store.leads_table, store.counters_table):
        store.client.boto.delete_table(TableName=name)
    return out


def report(r: dict[str, Any]) -> str:
    lines = [
        f"### {r['n']:,} leads, {r['domains']:,} domains (loaded in {r['load_s']:.0f} s)",
        "",
        "| domain counts | items read | read capacity | time | domains wrong |",
        "|---|---|---|---|---|",
        f"| lab: one Scan page + Counter | {r['lab_items']:,} | {r['lab_rcu']:g} RCU "
        f"| {r['lab_s'] * 1000:.0f} ms | {r['lab_wrong']:,} of {r['domains']:,} "
        f"(counts {r['lab_total']:,} leads) |",
        f"| correct Scan, every page ({r['scan_pages']} pages) | {r['scan_items']:,} "
        f"| {r['scan_rcu']:g} RCU | {r['scan_s'] * 1000:.0f} ms | 0 |",
        f"| ours: Query on the counters ({r['ours_calls']} calls) | {r['ours_items']:,} "
        f"| {r['ours_rcu']:g} RCU | {r['ours_s'] * 1000:.0f} ms | {r['ours_wrong']} |",
        "",
        f"Counters read {r['scan_items'] / r['ours_items']:.0f}x fewer items than a full scan, "
        f"{r['scan_s'] / r['ours_s']:.0f}x faster.",
        "",
        f"| search `{r['search_domain']}` ({r['search_truth']:,} leads) | items read "
        "| read capacity | time | leads returned |",
        "|---|---|---|---|---|",
        f"| lab: Scan + contains(email, '@d'), one page | {r['lab_search_items']:,} "
        f"| {r['lab_search_rcu']:g} RCU | {r['lab_search_s'] * 1000:.0f} ms "
        f"| {r['lab_search_found']:,} |",
        f"| ours: Query on by-domain, first page of 50 | {r['ours_search_items']} "
        f"| {r['ours_search_rcu']:g} RCU | {r['ours_search_s'] * 1000:.1f} ms "
        f"| {r['ours_search_found']} (all pages: {r['ours_search_all']:,}) |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--signups", type=int, default=100)
    args = parser.parse_args()
    proc, url = start_moto()
    try:
        configure(url)
        calls = signup_calls(args.signups)
        reads = sum(calls.get(op, 0) for op in ("GetItem", "BatchGetItem", "Query", "Scan"))
        writes = ", ".join(f"{op} {n:g}" for op, n in sorted(calls.items()))
        print(
            f"Per new signup (`leads.signups.sign_up`, notification to the log): {writes} "
            f"calls; reads (GetItem, BatchGetItem, Query, Scan): {reads:g}.\n",
            flush=True,
        )
        for n in args.sizes:
            print(report(run_size(n, args.rounds, url)), flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
