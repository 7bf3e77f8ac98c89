"""Leads in Django's database: SQLite by default, PostgreSQL through DATABASE_URL."""

from leads.store.sql.counters import COUNTER_SHARDS
from leads.store.sql.store import SqlLeadStore

__all__ = ["COUNTER_SHARDS", "SqlLeadStore"]
