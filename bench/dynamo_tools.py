"""What the DynamoDB benchmarks share: moto's server, item sizes and capacity as DynamoDB bills
them, a meter of a boto3 client's calls, and a median timer."""

from __future__ import annotations

import math
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

BIN = Path(sys.executable).parent


def start_moto() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/moto-api/", timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("moto_server did not start")


def item_size(item: dict[str, dict[str, Any]]) -> int:
    """DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers ~packed)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        if "S" in value:
            size += len(value["S"].encode())
        elif "N" in value:
            size += len(value["N"].lstrip("-").replace(".", "")) // 2 + 1
    return size


def rcu(total_bytes: int) -> float:
    return 0.5 * math.ceil(total_bytes / 4096)


class Meter:
    """Counts the calls a store's DynamoClient makes, the items DynamoDB read and their bytes."""

    def __init__(self, client: Any) -> None:
        self.reset()
        client.listeners.append(self.after)

    def reset(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items = 0
        self.rcu = 0.0

    def after(self, operation: str, _params: dict, parsed: dict) -> None:
        self.calls[operation] += 1
        if operation in ("Query", "Scan"):
            items = parsed.get("Items", [])
            self.items += parsed.get("ScannedCount", len(items))
            self.rcu += rcu(sum(item_size(i) for i in items))


def timed(rounds: int, fn: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result
