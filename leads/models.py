"""Tables of the SQL leads store (only `leads.store.sql` queries them), and the staff's API
tokens (only `api.tokens`), which live in Django's database whatever the leads backend."""

from django.conf import settings
from django.db import models


class LeadRow(models.Model):
    """A lead as the SQL store keeps it; everything else sees `leads.store.Lead`."""

    email = models.CharField(max_length=254, unique=True)
    name = models.CharField(max_length=100)
    preview = models.BooleanField()
    domain = models.CharField(max_length=253)
    created_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    # Confirmation (leads.store.records): no stage means stored before confirmation existed.
    stage = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001 - NULL: legacy
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField(db_default="", blank=True)
    consent_version = models.CharField(max_length=50, db_default="", blank=True)
    consent_ip = models.CharField(max_length=45, db_default="", blank=True)
    consent_agent = models.CharField(max_length=500, db_default="", blank=True)
    # The outbox (leads.store.records.Due), on the lead's own row: written in the transaction
    # of the change that queues it. `due` is set while anything below is, for the index.
    notify_due = models.BooleanField(db_default=False)
    asks = models.IntegerField(db_default=0)
    answered = models.IntegerField(db_default=0)
    queued = models.CharField(max_length=100, db_default="", blank=True)  # "welcome,invite"
    mail_day = models.CharField(max_length=10, db_default="", blank=True)
    mail_count = models.SmallIntegerField(db_default=0)
    due = models.BooleanField(db_default=False)
    # The line (leads/store/line.py): rank is derived from score and seq, kept for the index.
    seq = models.BigIntegerField(null=True, blank=True)
    score = models.BigIntegerField(null=True, blank=True)
    rank = models.BigIntegerField(null=True, blank=True)
    credits = models.IntegerField(db_default=0)
    ref_code = models.CharField(max_length=16, null=True, blank=True, unique=True)
    referred_by = models.CharField(max_length=16, db_default="", blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    invite_revoked = models.BooleanField(db_default=False)
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "leads_lead"
        indexes = [
            models.Index(fields=["-created_at", "-email"], name="lead_newest"),
            models.Index(fields=["domain", "-created_at", "-email"], name="lead_domain_newest"),
            models.Index(fields=["created_at"], name="lead_due", condition=models.Q(due=True)),
            models.Index(
                fields=["rank"],
                name="lead_line",
                condition=models.Q(stage="confirmed", rank__isnull=False),
            ),
            models.Index(
                fields=["-credits", "email"],
                name="lead_referrers",
                condition=models.Q(credits__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.email


class Counter(models.Model):
    """Per domain ("domain", "x.com"), per day ("day", "2026-11-28") and the total: up to
    COUNTER_SHARDS rows each, summed when read (see leads.store.sql)."""

    kind = models.CharField(max_length=10)
    key = models.CharField(max_length=253)
    shard = models.SmallIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    preview_yes = models.BigIntegerField(default=0)
    # By status (leads.store.records.COUNTED_STATUSES); legacy leads are the total less these.
    pending = models.BigIntegerField(db_default=0)
    confirmed = models.BigIntegerField(db_default=0)
    unsubscribed = models.BigIntegerField(db_default=0)
    invited = models.BigIntegerField(db_default=0)
    joined = models.BigIntegerField(db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "shard"], name="counter_kind_key_shard")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}#{self.shard}"


class LineNode(models.Model):
    """One count of the line's tree (leads/store/line.py): waiting leads whose rank starts with
    the node's prefix and then `digit`."""

    node = models.CharField(max_length=20)
    digit = models.SmallIntegerField()
    n = models.BigIntegerField(db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["node", "digit"], name="line_node_digit")]

    def __str__(self) -> str:
        return f"{self.node}/{self.digit:x}"


class Sequence(models.Model):
    """A number handed out once each, in order: the line's confirmation numbers."""

    name = models.CharField(max_length=20, unique=True)
    value = models.BigIntegerField(db_default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Credit(models.Model):
    """A referral, credited (reason empty) or withheld (reason says why; staff only)."""

    referrer = models.CharField(max_length=254)
    referee = models.CharField(max_length=254)
    day = models.CharField(max_length=10)  # UTC, for the daily cap
    network = models.CharField(max_length=50, blank=True)  # the confirming request's /24 or /64
    reason = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["referrer", "day"], name="credit_referrer_day"),
            models.Index(fields=["-at"], name="credit_withheld", condition=~models.Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.referrer} <- {self.referee}"


class ApiToken(models.Model):
    """A staff member's token for scripts. Only its SHA-256 digest is kept: the token itself is
    shown once, when issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # the token's first characters, to tell them apart
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"
