"""`manage.py adoptlabtable`: once, for a table the lab's code wrote; safe to rerun."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from leads.store import StoreError, get_store


class Command(BaseCommand):
    help = (
        "Read every lead page by page and adopt those the lab's code wrote: stamp the signup "
        "time (the time of this run: the lab kept none), domain and day that search and counts "
        "need, move each to its lower-case email, and count it, in one transaction per lead. "
        "The lab's copy of someone who signed up again through us is removed. Safe to rerun, "
        "and to run while signups arrive."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            report = get_store().adopt_lab_leads()
        except StoreError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Filled signup time, domain and day on {report.adopted} older leads.")
        if report.merged:
            self.stdout.write(
                f"Removed {report.merged} lab copies of leads who signed up again through us."
            )
        if report.skipped:
            self.stdout.write(f"Skipped {report.skipped} items without a valid email address.")
