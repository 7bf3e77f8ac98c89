"""Launch day: the lab's signup, today's main and the new design, side by side on DynamoDB physics.

    .venv/bin/python -m bench.launch_day [--latency-ms 8] [--visitors 48] [--signups 960]
        [--only a,b,c] [--quarter-core [--vcpu 0.25]]

(a) the lab (bench/lab_app.py: PutItem with no condition, then SNS publish, in the request),
(b) commit 0091614 (one TransactWriteItems on the lead and its domain, day and total counters,
then SNS publish and the "notified" mark, in the request), (c) this tree (a conditional PutItem;
the counters and the owner's notifications from `manage.py runworker`). Each gets a fresh moto
server behind the physics proxy (loopback/dynamo_physics.py), the same gunicorn config file
(this tree's deploy/gunicorn.conf.py, 2 gthread workers x 8 threads), a warm-up of 12 signups
one at a time, then the visitors (bench/launch_tools.py: 30% on one domain, all today, 2%
duplicates) as fast as they can. With --quarter-core each runs once more with gunicorn (master
and workers) in a cgroup v1 CPU quota of 25 ms per 100 ms: what one 0.25-vCPU task sustains.
With --vcpu 0.125 the quota is half that: a rate moto can keep up with, so that the web task's
CPU, not the emulator, is what holds it (twice it is then what 0.25 vCPU sustains).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.launch_tools import (
    BIN,
    FAKE_AWS,
    ROOT,
    Backend,
    cpu_ms,
    family,
    free_port,
    miscounted,
    plan,
    quarter_core,
    scan,
    start,
    visit,
    wait_http,
    warm_up,
)

MAIN = "0091614"  # today's main: the layout only, before the launch-day change
LEADS, COUNTERS = "ccbda-signup-table", "ccbda-signup-table-counters"
THREADS = 16  # 2 workers x 8 threads (deploy/gunicorn.conf.py's defaults)
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def django_env(tree: Path, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
    env |= FAKE_AWS | {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "False",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_SECURE_COOKIES": "False",
        "DJANGO_LOGLEVEL": "WARNING",
        "GUNICORN_LOGLEVEL": "warning",
        # The rate limits are off but for (c), which counts each signup as the stack does
        # (CACHE_URL=dynamodb://, the client's address from the load balancer's header).
        "SIGNUP_RATE_LIMIT": "off",
        "TRUSTED_PROXY_COUNT": "1",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        "LEADS_BACKEND": "dynamodb",
        "LEADS_TABLE": LEADS,
        "COUNTERS_TABLE": COUNTERS,
        "PYTHONPATH": str(tree),
    }
    return env


def prepare(name: str, tmp: Path) -> tuple[Path, dict[str, str]]:
    """The code tree of a configuration and its environment, migrated and collected once."""
    tree = ROOT
    if name == "b":
        tree = tmp / "tree"
        tree.mkdir()
        archive = subprocess.run(["git", "archive", MAIN], cwd=ROOT, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    env = django_env(tree, tmp)
    if name == "c":
        env |= {"SIGNUP_RATE_LIMIT": "10/m", "CACHE_URL": "dynamodb://"}
    if name != "a":
        for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
            subprocess.run(
                [str(BIN / "python"), "manage.py", *command], env=env, cwd=tree, check=True
            )
    return tree, env


def settled(aws: Any) -> tuple[bool, bool]:
    """(the total counter equals the stored leads, the owner has heard of every lead owed)."""
    key = {"kind": {"S": "total"}, "key": {"S": "all"}}
    total = aws.get_item(TableName=COUNTERS, Key=key, ConsistentRead=True).get("Item")
    stored = aws.scan(TableName=LEADS, Select="COUNT", ConsistentRead=True)["Count"]
    pending = aws.scan(TableName=LEADS, Select="COUNT", FilterExpression="attribute_exists(notify)")
    return bool(total) and int(total["total"]["N"]) == stored, int(pending["Count"]) == 0


def wait_settled(aws: Any, seconds: float = 60) -> tuple[float, float]:
    """When (perf_counter) the counters first matched, and when nothing was left pending."""
    deadline = time.monotonic() + seconds
    counted: float | None = None
    drained: float | None = None
    while time.monotonic() < deadline and (counted is None or drained is None):
        exact, empty = settled(aws)
        now = time.perf_counter()
        counted = now if exact and counted is None else counted
        drained = now if empty and drained is None else drained
        time.sleep(0.2)
    return counted or float("nan"), drained or float("nan")


def short(item: str | None) -> str:
    if not item:
        return "-"
    table, _, key = item.partition(" ")
    values = "/".join(str(v) for typed in json.loads(key).values() for v in typed.values())
    return f"{'counters' if table == COUNTERS else 'lead'} {values}"


def run(name: str, tree: Path, env: dict[str, str], args: Any, group: Path | None) -> dict:
    tmp = Path(env["STATIC_ROOT"]).parent
    turns = plan(args.signups, args.visitors)
    with Backend(args.latency_ms) as backend:
        aws = backend.aws("dynamodb")
        topic = backend.aws("sns").create_topic(Name="new-signup")["TopicArn"]
        env = env | {"AWS_ENDPOINT_URL": backend.url, "NEW_SIGNUP_TOPIC": topic}
        if name == "a":
            aws.create_table(
                TableName=LEADS, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
            )  # fmt: skip
        else:
            setup = env | {"AWS_ENDPOINT_URL": backend.moto_url}
            manage = [str(BIN / "python"), "manage.py", "createtables"]
            subprocess.run(manage, env=setup, cwd=tree, check=True, capture_output=True)
        port = free_port()
        app = "bench.lab_app:application" if name == "a" else "waitlist.wsgi"
        web_env = env | {"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
        web_env |= {"GUNICORN_THREADS": str(THREADS // 2)}
        log = tmp / f"{name}{'-q' if group else ''}.log"
        cmd = [str(BIN / "gunicorn"), "--config", str(CONFIG), app]
        procs = [start(cmd, web_env, tree, log, group)]
        worker_cmd = [str(BIN / "python"), "manage.py", "runworker"]
        # At a quarter core the worker starts after the load: moto answers every Query on an
        # index by reading the whole table, so the worker's polls during the load make moto,
        # not the web task, the limit (not so on DynamoDB); the web task's rate is the point.
        defer = name == "c" and group is not None
        if name == "c" and not defer:
            procs.append(start(worker_cmd, env, tree, log))
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/healthz", procs[0])
            warm_bad, solo_ms = warm_up(base)
            ceiling = None
            if name == "a" and group is None:
                ceiling = visit(base, turns, "/ping")
            if name == "c" and not defer:
                wait_settled(aws)
            backend.physics("reset")
            pids = family(procs[0].pid)
            before = [cpu_ms(pids), cpu_ms([p.pid for p in procs[1:]]), cpu_ms(backend.pids())]
            load = visit(base, turns, deadline=args.deadline)
            stats = backend.physics("stats")
            web_ms = cpu_ms(pids) - before[0]
            side_ms = cpu_ms(backend.pids()) - before[2]
            settle_s = None
            if defer:
                procs.append(start(worker_cmd, env, tree, log))
                before[1] = 0.0
            if name == "c":
                settle_s = tuple(moment - load.last() for moment in wait_settled(aws))
                stats = backend.physics("stats")  # the worker's writes included
            worker_ms = cpu_ms([p.pid for p in procs[1:]]) - before[1]
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
        stored = {item["email"]["S"] for item in scan(aws, LEADS)}
        high = low = pending = 0
        if name != "a":
            high, low, pending = miscounted(aws, LEADS, COUNTERS)
    expected = load.accepted | {f"warm{i}@warmup.example" for i in range(12)}
    answered_bad = {e for _, _, code, e in load.answers if not 200 <= code < 300}
    ok = max(1, load.ok)
    return {
        "config": name
        + (f" @{args.vcpu:g} vCPU" if group else "")
        + (", worker after" if defer else ""),
        "rate": load.ok / load.seconds,
        "p50": load.p50(),
        "p99": load.percentile(99),
        "non2xx": len(load.answers) - load.ok,
        "sent": len(load.answers),
        "tx_conflicts": stats["transaction_conflicts"] / ok,
        "write_conflicts": stats["write_conflicts"] / ok,
        "throttled": stats["throttled"] / ok,
        "wcu": stats["write_units"] / ok,
        "peak": stats["peak_item_wcu"],
        "peak_item": short(stats["peak_item"]),
        "lost": len(expected - stored),
        "stored_refused": len((stored - expected) & answered_bad),
        "overwritten": load.ok - len(load.accepted) if name == "a" else 0,
        "high": high,
        "low": low,
        "pending": pending,
        "cpu": web_ms / ok,
        "busy": web_ms / (load.seconds * 1000),
        "worker_cpu": worker_ms / ok,
        "side_cpu": side_ms / ok,
        "generator": load.generator_cpu_ms / (load.seconds * 1000),
        "solo": solo_ms,
        "warm_bad": warm_bad,
        "settle": settle_s,
        "ceiling": ceiling.ok / ceiling.seconds if ceiling else None,
        "calls": stats["calls"],
    }


def table(rows: list[dict]) -> str:
    head = (
        "| config | signups/s | p50 ms | p99 ms | non-2xx | tx conflicts /signup | write "
        "conflicts /signup | throttled /signup | WCU /signup | peak item WCU in 1 s (item) | "
        "leads lost | counters high / low | gunicorn CPU ms /signup | gunicorn cores busy | "
        "0.25 vCPU, derived /s | waiting ceiling /s | counters exact after |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        counts = "n/a" if r["config"].startswith("a") else f"{r['high']} / {r['low']}"
        settle = "in the request"
        if r["settle"] is not None:
            settle = f"{r['settle'][0]:.1f} s (notified: {r['settle'][1]:.1f} s)"
        lines.append(
            f"| {r['config']} | {r['rate']:.0f} | {r['p50']:.0f} | {r['p99']:.0f} | "
            f"{r['non2xx']} | {r['tx_conflicts']:.2f} | {r['write_conflicts']:.2f} | "
            f"{r['throttled']:.2f} | {r['wcu']:.2f} | {r['peak']} ({r['peak_item']}) | "
            f"{r['lost']} | {counts} | {r['cpu']:.1f} | {r['busy']:.2f} | "
            f"{250 / r['cpu']:.0f} | {THREADS / r['solo'] * 1000:.0f} | {settle} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=float, default=8.0)
    parser.add_argument("--visitors", type=int, default=48)
    parser.add_argument("--signups", type=int, default=960)
    parser.add_argument("--deadline", type=float, default=60, help="no signup starts after")
    parser.add_argument("--only", default="a,b,c", help="comma-separated: a, b, c")
    parser.add_argument("--quarter-core", action="store_true", help="also under a CPU quota")
    parser.add_argument("--vcpu", type=float, default=0.25, help="the quota, in cores")
    args = parser.parse_args()
    rows = []
    for name in args.only.split(","):
        with tempfile.TemporaryDirectory(prefix=f"launch-{name}-") as tmp:
            tree, env = prepare(name, Path(tmp))
            for quarter in (False, True) if args.quarter_core else (False,):
                quota = quarter_core(name, args.vcpu) if quarter else contextlib.nullcontext()
                with quota as group:
                    rows.append(run(name, tree, env, args, group))
                print(json.dumps(rows[-1]), flush=True)
    print()
    print(table(rows))
    print()
    for r in rows:
        ceiling = f"; generator ceiling (GET /ping) {r['ceiling']:.0f}/s" if r["ceiling"] else ""
        print(
            f"- {r['config']}: {r['sent']} signups sent; generator {r['generator']:.2f} of a core"
            f"{ceiling}; moto + proxy "
            f"{r['side_cpu']:.1f} CPU ms/signup; worker {r['worker_cpu']:.1f} CPU ms/signup; "
            f"solo signup {r['solo']:.0f} ms; warm-up non-2xx {r['warm_bad']}; duplicates "
            f"overwritten {r['overwritten']}; stored though refused {r['stored_refused']}; "
            f"pending after {r['pending']}; calls {r['calls']}"
        )


if __name__ == "__main__":
    main()
