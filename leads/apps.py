from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(sender, using: str, **kwargs) -> None:
    # The rate limits' counters live in the database cache by default, so every place that
    # migrates (make run, compose's init, the release task, the tests' template database) has
    # its table without a step of its own; createcachetable skips a table that exists.
    call_command("createcachetable", database=using, verbosity=0)


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, sender=self)
