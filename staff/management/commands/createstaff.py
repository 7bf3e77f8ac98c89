"""createstaff: a staff account for the staff pages, asked for or from the environment.

    python manage.py createstaff              # asks for a name and a password (twice)
    DJANGO_SUPERUSER_USERNAME=ann DJANGO_SUPERUSER_PASSWORD=... python manage.py createstaff

With both variables set it asks nothing, as `createsuperuser --noinput` does; `make staff` runs
it with the development settings of `make run`, so a fresh clone needs no settings.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse


class Command(BaseCommand):
    help = "Creates a staff account (name and password asked, or from DJANGO_SUPERUSER_*)."

    def handle(self, *args: Any, **options: Any) -> None:
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not (username and password):
            if not os.isatty(0):
                raise CommandError(
                    "Set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD, or run this "
                    "in a terminal to be asked."
                )
            username = username or input("Staff name: ").strip()
            password = self.ask_password()
        if not username:
            raise CommandError("The name cannot be empty.")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"There is already an account named {username!r}.")
        try:
            validate_password(password, User(username=username))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        User.objects.create_user(username, password=password, is_staff=True, is_superuser=True)
        self.stdout.write(f"Staff account {username!r} created; sign in at {reverse('login')}.")

    def ask_password(self) -> str:
        password = getpass.getpass("Password: ")
        if not password:
            raise CommandError("The password cannot be empty.")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("The passwords differ.")
        return password
