"""`manage.py rebuildcounts`: recount every counter from the leads; safe to rerun."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from leads.store import StoreError, get_store


class Command(BaseCommand):
    help = (
        "Read every lead page by page, give leads written by the lab's code what search and "
        "counts need (they are stamped with the time of this run: the lab kept no signup "
        "time), and rewrite every per-domain, per-day and total counter. Safe to rerun, and to run "
        "while signups arrive: a counter they move meanwhile is left alone and reported."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            report = get_store().rebuild_counts()
        except StoreError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Counted {report.leads} leads.")
        self.stdout.write(f"Filled signup time, domain and day on {report.filled} older leads.")
        self.stdout.write(f"Wrote {report.counters} counters; set {report.cleared} stale to zero.")
        if report.merged:
            self.stdout.write(
                f"Removed {report.merged} lab copies of leads who signed up again through us."
            )
        if report.skipped:
            self.stdout.write(f"Skipped {report.skipped} items without a valid email address.")
        if report.busy:
            self.stdout.write(
                f"Left {report.busy} counters as they were: signups or erasures moved them while "
                "the leads were read. Run again at a quieter moment to recount them."
            )
