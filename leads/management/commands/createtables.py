"""`manage.py createtables`: create what the leads store needs; safe to rerun."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from leads.store import StoreError, get_store


class Command(BaseCommand):
    help = (
        "Create the leads store's tables and indexes where missing (on DynamoDB: the leads "
        "table, or the indexes on an existing lab table, and the counters table) and wait "
        "until they are active. Safe to rerun."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            done = get_store().setup()
        except (StoreError, TimeoutError) as e:
            raise CommandError(str(e)) from e
        for line in done:
            self.stdout.write(line)
