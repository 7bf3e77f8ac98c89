"""`manage.py sendpending`: deliver the new-signup notifications that did not go out.

Meant for cron or an ECS scheduled task (every few minutes); delivery is at least once.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from leads.signups import send_pending
from leads.store import StoreError


class Command(BaseCommand):
    help = "Publish every pending new-signup notification and mark it sent."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--min-age",
            type=int,
            default=120,
            metavar="SECONDS",
            help="leave leads younger than this alone: their own signup may be publishing them "
            "right now (default: 120)",
        )

    def handle(self, *args: object, min_age: int, **options: object) -> None:
        if min_age < 0:
            raise CommandError("--min-age cannot be negative")
        try:
            sent, failed = send_pending(min_age=timedelta(seconds=min_age))
        except StoreError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Sent {sent} pending notifications; {failed} failed.")
        if failed:
            # A non-zero exit makes the scheduler (cron, ECS) show the failure.
            raise CommandError(f"{failed} notifications are still pending")
