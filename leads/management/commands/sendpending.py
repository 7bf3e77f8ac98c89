"""`manage.py sendpending`: deliver the new-signup notifications that did not go out.

Meant for cron or an ECS scheduled task (every few minutes); delivery is at least once.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from leads.signups import send_pending
from leads.store import StoreError


class Command(BaseCommand):
    help = "Publish every pending new-signup notification and mark it sent."

    def handle(self, *args: object, **options: object) -> None:
        try:
            sent, failed = send_pending()
        except StoreError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Sent {sent} pending notifications; {failed} failed.")
        if failed:
            # A non-zero exit makes the scheduler (cron, ECS) show the failure.
            raise CommandError(f"{failed} notifications are still pending")
