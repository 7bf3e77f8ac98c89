"""Django's database cache with an increment that requests arriving together cannot lose.

The cache holds the rate limits' counters, shared by every worker and task. Django's incr() is
a get and then a set, so two requests from one client that arrive together both read 4 and
both write 5: in a burst of parallel requests most counts went missing and the limit let
through several times its rate. Here the get and the set run in one transaction that holds
the counter's row (PostgreSQL's SELECT ... FOR UPDATE) or the database's write lock (SQLite,
whose transactions our settings begin IMMEDIATE).
"""

from __future__ import annotations

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


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
