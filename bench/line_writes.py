"""What a signup, a confirmation, a referral credit, an invitation and an erasure write, on
each store: the other half of the line's cost (bench/line_places.py reads places).

    .venv/bin/python -m bench.line_writes

On a fresh store of each backend with 50 leads in line, each change runs with the `settle()`
after it (DynamoDB's counters and the line's tree follow from the stream there), and is counted:
- SQL (SQLite): rows of the store's tables inserted, updated or deleted (a diff of every row
  before and after);
- DynamoDB (moto's server): items each write request names (a TransactWriteItems' parts, an
  UpdateItem's, PutItem's or DeleteItem's one, a BatchWriteItem's requests), the stream tally's
  and the credit decision's included.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.children import child_env, run_child

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def writes(backend: str) -> dict[str, int]:
    from django.core.management import call_command

    from leads.store import Consent, Lead, get_store

    if backend == "sql":
        call_command("migrate", verbosity=0)
    store = get_store()
    if backend == "dynamodb":
        store.setup()
    count = sql_counter(store) if backend == "sql" else dynamodb_counter(store)
    networks = iter(f"198.51.{i}.1" for i in range(1000))

    def consent() -> Consent:
        return Consent(text="I want in.", version="1", ip=next(networks), user_agent="bench")

    for i in range(50):  # a line to stand in
        lead = Lead(name="N", email=f"w{i}@x.com", preview=False, created_at=T0)
        store.add(lead)
        store.confirm(lead.email, consent=consent(), at=T0 + timedelta(seconds=i))
    store.settle()
    referrer = store.get("w10@x.com")
    assert referrer is not None and referrer.ref_code
    new = Lead(name="N", email="new@y.org", preview=True, created_at=T0)
    figures = {"signup": count(lambda: store.add(new))}
    figures["confirmation"] = count(lambda: store.confirm(new.email, consent=consent(), at=T0))
    friend = replace(new, email="friend@y.org", referred_by=referrer.ref_code)
    store.add(friend)
    store.settle()
    referred = count(lambda: store.confirm(friend.email, consent=consent(), at=T0))
    credited = store.get(referrer.email)
    assert credited is not None and credited.credits == 1
    figures["confirmation with a credited referral"] = referred
    figures["referral credit (the difference)"] = referred - figures["confirmation"]
    figures["invitation"] = count(lambda: store.invite("w0@x.com", at=T0))
    figures["erasure of a waiting lead"] = count(lambda: store.delete("w20@x.com"))
    return figures


def sql_counter(store: Any) -> Callable[[Callable[[], object]], int]:
    """Rows of the store's tables that a change (and its settle) inserted, updated or deleted."""
    from leads import models

    tables: list[Any] = [models.LeadRow, models.Counter, models.LineNode, models.Sequence]
    tables.append(models.Credit)

    def snapshot() -> dict[tuple[str, Any], tuple[Any, ...]]:
        return {
            (model.__name__, row[0]): row for model in tables for row in model.objects.values_list()
        }

    def count(change: Callable[[], object]) -> int:
        before = snapshot()
        change()
        store.settle()
        after = snapshot()
        return sum(before.get(key) != after.get(key) for key in before.keys() | after.keys())

    return count


def dynamodb_counter(store: Any) -> Callable[[Callable[[], object]], int]:
    """Items that a change's (and its settle's) write requests name."""
    written = [0]
    singles = {"PutItem", "UpdateItem", "DeleteItem"}

    def listen(operation: str, params: dict, _answer: dict) -> None:
        if operation in singles:
            written[0] += 1
        elif operation == "TransactWriteItems":
            written[0] += len(params["TransactItems"])
        elif operation == "BatchWriteItem":
            written[0] += sum(len(r) for r in params["RequestItems"].values())

    store.client.listeners.append(listen)

    def count(change: Callable[[], object]) -> int:
        store.settle()
        written[0] = 0
        change()
        store.settle()
        return written[0]

    return count


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        import django

        django.setup()
        print(json.dumps(writes(sys.argv[2])))
        return
    from bench.dynamo_tools import start_moto

    tmp = Path(tempfile.mkdtemp(prefix="bench-line-writes-"))
    results = {"sql": run_child("bench.line_writes", ["--child", "sql"], child_env("sql", tmp))}
    proc, url = start_moto()
    try:
        env = child_env("dynamodb", tmp, url)
        results["dynamodb"] = run_child("bench.line_writes", ["--child", "dynamodb"], env)
    finally:
        proc.terminate()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
