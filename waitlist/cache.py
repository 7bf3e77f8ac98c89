"""Django's database cache with an increment that requests arriving together cannot lose.

The cache holds the rate limits' counters, shared by every worker and task. Django's incr() is
a get and then a set, so two requests from one client that arrive together both read 4 and
both write 5: in a burst of parallel requests most counts went missing and the limit let
through several times its rate. Here the get and the set run in one transaction that holds
the counter's row (PostgreSQL's SELECT ... FOR UPDATE) or the database's write lock (SQLite,
whose transactions our settings begin IMMEDIATE).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction

from waitlist.env import ImproperlyConfiguredError


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        with transaction.atomic(using=alias):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608 - our table's name
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)


def cache_settings(url: str) -> dict[str, dict[str, Any]]:
    """CACHES for CACHE_URL: db://TABLE or dynamodb:// (shared by every process: the rate
    limits' counters must be) or locmem:// (one process: tests)."""
    if url.startswith("db://"):
        return {
            "default": {
                "BACKEND": "waitlist.cache.AtomicDatabaseCache",
                "LOCATION": url.removeprefix("db://") or "django_cache",
                # One row per client address and window: Django's default of 300 rows would
                # start deleting live counters (resetting them) as soon as 300 clients came in
                # a minute.
                "OPTIONS": {"MAX_ENTRIES": 20_000},
            }
        }
    if url == "dynamodb://":
        # Items in the leads store's counters table (leads/store/dynamodb/cache.py).
        return {"default": {"BACKEND": "leads.store.dynamodb.cache.DynamoCache"}}
    if url.startswith("locmem://"):
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    raise ImproperlyConfiguredError(
        f"CACHE_URL must be locmem://, db://TABLE or dynamodb://, not {url!r}"
    )
