"""`manage.py rebuildcounts`: recount every counter from the leads; safe to rerun."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from leads.store import StoreError, get_store


class Command(BaseCommand):
    help = (
        "Read every lead page by page and rewrite every per-domain, per-day and total counter. "
        "Safe to rerun, and to run while signups arrive: a counter they move meanwhile is left "
        "alone and reported. Leads the lab's code wrote count once `adoptlabtable` adopted them."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            report = get_store().rebuild_counts()
        except StoreError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Counted {report.leads} leads.")
        self.stdout.write(f"Wrote {report.counters} counters; set {report.cleared} stale to zero.")
        if report.skipped:
            self.stdout.write(f"Skipped {report.skipped} items without a valid email address.")
        if report.unadopted:
            self.stdout.write(
                f"Did not count {report.unadopted} leads the lab's code wrote: run "
                "`manage.py adoptlabtable` to adopt them."
            )
        if report.busy:
            self.stdout.write(
                f"Left {report.busy} counters as they were: signups or erasures moved them while "
                "the leads were read. Run again at a quieter moment to recount them."
            )
