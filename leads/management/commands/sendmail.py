"""`manage.py sendmail`: send the joiners' mail that is due, once, and exit.

For a machine without the worker (cron, like sendpending); beside a running worker it would
share SES's send rate with it and be throttled. Exits 1 while mail cannot go (SES or the SMTP
server down, EMAIL_URL unset), so that the scheduler shows it; nothing is lost meanwhile.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from leads.mailer import Mailer
from leads.outbox import Outbox
from leads.store import StoreError


class Command(BaseCommand):
    help = "Send the confirmation, welcome and 'already on the list' mails that are due."

    def handle(self, *args: object, **options: object) -> None:
        mailer = Mailer()
        try:
            done = Outbox(mailer).send_due()
        except StoreError as e:
            raise CommandError(str(e)) from e
        finally:
            mailer.close()
        self.stdout.write(
            f"Sent {done.sent} mails; {done.rejected} refused, {done.dropped} not sent "
            "(mail stopped, or the day's answers spent)."
        )
        if done.held:
            raise CommandError(f"Mail is held, the rest stays queued: {done.held.reason}")
