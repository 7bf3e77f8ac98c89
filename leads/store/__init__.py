"""`get_store()` hands out the backend that LEADS_BACKEND names; nothing else chooses."""

from functools import cache

from django.conf import settings

from leads.store.base import (
    DayCount,
    DomainCount,
    InvalidCursor,
    Lead,
    LeadStore,
    Page,
    RebuildReport,
    StoreError,
    StoreUnavailable,
)

__all__ = [
    "DayCount",
    "DomainCount",
    "InvalidCursor",
    "Lead",
    "LeadStore",
    "Page",
    "RebuildReport",
    "StoreError",
    "StoreUnavailable",
    "get_store",
]


@cache
def get_store() -> LeadStore:
    if settings.LEADS_BACKEND == "dynamodb":
        from leads.store.dynamodb import DynamoLeadStore

        return DynamoLeadStore(
            leads_table=settings.LEADS_TABLE, counters_table=settings.COUNTERS_TABLE
        )
    from leads.store.sql import SqlLeadStore

    return SqlLeadStore()
