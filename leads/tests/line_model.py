"""The line's model (leads/tests/test_line_model.py): its pools of addresses and networks, the
records it keeps, and a fresh store of each backend for each of hypothesis's examples."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import boto3
from django.db import transaction
from django.test import override_settings

from leads.store import LeadStore, get_store

BOOST, CAP = 5, 3
# Three addresses of one Gmail mailbox, a disposable one, and six others on two domains.
EMAILS = [
    "ann@gmail.com",
    "a.nn@gmail.com",
    "ann+w@googlemail.com",
    "fay@mailinator.com",
    *(f"{name}@{domain}" for name in ("bob", "cy", "dee") for domain in ("x.com", "y.org")),
]
MAILBOX = {"a.nn@gmail.com": "ann@gmail.com", "ann+w@googlemail.com": "ann@gmail.com"}
DISPOSABLE = {"fay@mailinator.com"}
# Confirming addresses and their networks (/24, /64), named by hand.
NETWORKS = {
    "198.51.100.1": "A",
    "198.51.100.2": "A",
    "203.0.113.9": "B",
    "203.0.113.10": "B",
    "203.0.113.11": "B",
    "192.0.2.1": "C",
    "2001:db8::1": "D",
    "2001:db8::2": "D",
    "2001:db8:1::1": "E",
}
UNKNOWN_CODE = "zzzzzzzz"


@dataclass
class Modeled:
    preview: bool
    created_at: datetime
    referred_by: str
    stage: str = "pending"
    unsubscribed: bool = False
    seq: int | None = None
    credits: int = 0
    code: str = ""
    network: str = ""
    revoked: bool = False

    @property
    def status(self) -> str:
        if self.unsubscribed and self.stage in ("pending", "confirmed"):
            return "unsubscribed"
        return self.stage

    @property
    def waiting(self) -> bool:
        return self.stage == "confirmed"


@dataclass
class Referral:
    referrer: str
    referee: str  # "" once the referee is erased (its credit still counts for the day's cap)
    day: str
    network: str
    reason: str


@contextmanager
def sql_store() -> Iterator[LeadStore]:
    """The SQL store, inside a savepoint of the test's transaction that each example undoes."""
    with transaction.atomic():
        get_store.cache_clear()
        yield get_store()
        transaction.set_rollback(True)


@contextmanager
def dynamodb_store() -> Iterator[LeadStore]:
    """The DynamoDB store on new tables of moto's server for each example, dropped after it."""
    name = f"model-{uuid.uuid4().hex[:12]}"
    tables = {"LEADS_TABLE": name, "COUNTERS_TABLE": f"{name}-counters"}
    with override_settings(LEADS_BACKEND="dynamodb", **tables):
        get_store.cache_clear()
        store = get_store()
        store.setup()
        try:
            yield store
        finally:
            client = boto3.client("dynamodb", region_name="us-east-1")
            for table in tables.values():
                client.delete_table(TableName=table)
            get_store.cache_clear()
