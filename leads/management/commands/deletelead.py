"""`manage.py deletelead EMAIL`: erase one lead (an erasure request) and lower its counters."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leads.forms import LeadEmailForm
from leads.store import get_store


class Command(BaseCommand):
    help = "Erase the lead with this email address; its counters go down by one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="as typed; normalised as the signup form does")

    def handle(self, *args: object, email: str, **options: object) -> None:
        # The same normalisation as signup, so `Ann@Bücher.example` finds ann@xn--bcher-kva.example.
        form = LeadEmailForm({"email": email})
        if not form.is_valid():
            messages = [str(m) for errors in form.errors.values() for m in errors]
            raise CommandError(f"{email!r}: {' '.join(messages)}")
        normalised = form.cleaned_data["email"]
        if get_store().delete(normalised):
            self.stdout.write(self.style.SUCCESS(f"Deleted the lead {normalised}."))
        else:
            self.stdout.write(f"There is no lead {normalised}; nothing changed.")
