"""The rules of the DynamoDB physics proxy (see loopback/dynamo_physics.py): which writes are
admitted, which are refused and how, and what was seen."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter, deque
from typing import Any

ERROR = "com.amazonaws.dynamodb.v20120810#"
TRANSACT = "TransactWriteItems"
ONGOING = "Transaction is ongoing for the item"
THROTTLED = "Throughput exceeds the current capacity of your table or index (a hot key)"
CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons"
REASONS = {"TransactionConflict": ONGOING, "ThrottlingError": THROTTLED}
Write = tuple[str, int]  # (item: "table {primary key JSON}", write units)


@dataclasses.dataclass
class Stats:
    calls: dict[str, int] = dataclasses.field(default_factory=dict)  # DynamoDB calls by operation
    transaction_conflicts: int = 0  # TransactWriteItems cancelled with TransactionConflict
    write_conflicts: int = 0  # Put/Update/DeleteItem refused with TransactionConflictException
    throttled: int = 0  # writes refused for the per-item limit (exception or ThrottlingError)
    write_units: int = 0  # write units admitted
    peak_item_wcu: int = 0  # the most write units one item took in a 1-second window...
    peak_item: str | None = None  # ...and that item
    latency_ms: float = 0.0  # the configuration, as it is now
    item_wcu_limit: int = 1000


class Physics:
    """The proxy's state: configuration, items in flight, per-item windows, statistics."""

    def __init__(self, latency_ms: float = 0.0, item_wcu_limit: int = 1000) -> None:
        self.latency_ms, self.item_wcu_limit = latency_ms, item_wcu_limit
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self.reset()

    def reset(self) -> None:
        """Zero the statistics and the windows; transactions in flight stay in flight."""
        with self._lock:
            self._windows: dict[str, deque[tuple[float, int]]] = {}
            self._stats = Stats()

    def configure(self, latency_ms: float | None = None, item_wcu_limit: int | None = None) -> None:
        with self._lock:
            self.latency_ms = self.latency_ms if latency_ms is None else float(latency_ms)
            self.item_wcu_limit = self.item_wcu_limit if item_wcu_limit is None else item_wcu_limit

    def stats(self) -> Stats:
        with self._lock:
            config = {"latency_ms": self.latency_ms, "item_wcu_limit": self.item_wcu_limit}
            return Stats(**{**vars(self._stats), "calls": dict(self._stats.calls), **config})

    def admit(self, op: str, writes: list[Write]) -> tuple[list[str | None] | None, list[str]]:
        """Each part's refusal code (None: the call is admitted) and the items held in flight."""
        with self._lock:
            stats, now = self._stats, time.monotonic()
            stats.calls[op] = stats.calls.get(op, 0) + 1
            pending: Counter[str] = Counter()
            codes: list[str | None] = []
            for item, units in writes:
                window = self._windows.setdefault(item, deque())
                while window and window[0][0] <= now - 1.0:  # the last second's writes
                    window.popleft()
                pending[item] += units
                over = sum(u for _, u in window) + pending[item] > self.item_wcu_limit
                code = "TransactionConflict" if self._in_flight[item] else "ThrottlingError"
                codes.append(code if self._in_flight[item] or over else None)
            if any(codes):
                conflict = "TransactionConflict" in codes
                stats.transaction_conflicts += conflict and op == TRANSACT
                stats.write_conflicts += conflict and op != TRANSACT
                stats.throttled += "ThrottlingError" in codes
                return codes, []
            for item, units in pending.items():
                self._windows[item].append((now, units))
                stats.write_units += units
                used = sum(u for _, u in self._windows[item])
                if used > stats.peak_item_wcu:
                    stats.peak_item_wcu, stats.peak_item = used, item
            held = list(pending) if op == TRANSACT else []
            self._in_flight.update(held)
            return None, held

    def release(self, items: list[str]) -> None:
        with self._lock:
            self._in_flight.subtract(items)
            self._in_flight = +self._in_flight  # drops the items no longer in flight


def refusal(op: str, codes: list[str | None]) -> dict[str, Any]:
    """The error body DynamoDB answers a refused write with."""
    if op != TRANSACT and codes[0] == "TransactionConflict":
        return {"__type": ERROR + "TransactionConflictException", "message": ONGOING}
    if op != TRANSACT:
        return {"__type": ERROR + "ProvisionedThroughputExceededException", "message": THROTTLED}
    names = ", ".join(code or "None" for code in codes)
    reasons = [{"Code": c, "Message": REASONS[c]} if c else {"Code": "None"} for c in codes]
    error = {"__type": ERROR + "TransactionCanceledException", "message": f"{CANCELLED} [{names}]"}
    return {**error, "CancellationReasons": reasons}
