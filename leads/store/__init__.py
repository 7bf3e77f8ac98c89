"""`get_store()` hands out the backend that LEADS_BACKEND names; nothing else chooses."""

from functools import cache

from django.conf import settings

from leads.store.base import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    PREVIEW_WORDS,
    InvalidCursor,
    LeadStore,
    StoreError,
    StoreUnavailable,
    preview_answer,
    preview_word,
)
from leads.store.records import (
    CONFIRMED,
    COUNTED_STATUSES,
    INVITE,
    INVITED,
    JOINED,
    LEGACY,
    OWNER_INVITED,
    OWNER_JOINED,
    PENDING,
    STATUSES,
    UNSUBSCRIBED,
    WELCOME,
    AdoptionReport,
    Consent,
    DayCount,
    DomainCount,
    Due,
    Lead,
    LinePage,
    Page,
    Placed,
    RebuildReport,
    Withheld,
)

__all__ = [
    "CONFIRMED",
    "COUNTED_STATUSES",
    "INVITE",
    "INVITED",
    "JOINED",
    "LEGACY",
    "MAX_PAGE_SIZE",
    "OWNER_INVITED",
    "OWNER_JOINED",
    "PAGE_SIZE",
    "PENDING",
    "PREVIEW_WORDS",
    "STATUSES",
    "UNSUBSCRIBED",
    "WELCOME",
    "AdoptionReport",
    "Consent",
    "DayCount",
    "DomainCount",
    "Due",
    "InvalidCursor",
    "Lead",
    "LeadStore",
    "LinePage",
    "Page",
    "Placed",
    "RebuildReport",
    "StoreError",
    "StoreUnavailable",
    "Withheld",
    "get_store",
    "preview_answer",
    "preview_word",
]


@cache
def get_store() -> LeadStore:
    if settings.LEADS_BACKEND == "dynamodb":
        from leads.store.dynamodb import DynamoLeadStore

        return DynamoLeadStore(
            leads_table=settings.LEADS_TABLE,
            counters_table=settings.COUNTERS_TABLE,
            region=settings.AWS_REGION,
        )
    from leads.store.sql import SqlLeadStore

    return SqlLeadStore()
