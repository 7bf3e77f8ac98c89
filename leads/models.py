"""Tables of the SQL leads store. Only `leads.store.sql` queries them."""

from django.db import models


class Lead(models.Model):
    email = models.CharField(max_length=254, unique=True)
    name = models.CharField(max_length=100)
    preview = models.BooleanField()
    domain = models.CharField(max_length=253)
    created_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at", "-email"], name="lead_newest"),
            models.Index(fields=["domain", "-created_at", "-email"], name="lead_domain_newest"),
            models.Index(
                fields=["created_at"],
                name="lead_pending",
                condition=models.Q(notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.email


class Counter(models.Model):
    """One row per domain ("domain", "x.com"), per day ("day", "2026-11-28") and the total."""

    kind = models.CharField(max_length=10)
    key = models.CharField(max_length=253)
    total = models.BigIntegerField(default=0)
    preview_yes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="counter_kind_key")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
