"""What happens when somebody joins the waitlist, apart from any web request."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from leads import notify
from leads.store import Consent, Lead, StoreUnavailable, get_store

logger = logging.getLogger(__name__)


def sign_up(
    *, name: str, email: str, preview: bool, consent: Consent, referred_by: str = ""
) -> bool:
    """Store the lead if its email is new, and ask for its mail; True if it was new.

    Only the store's writes happen here; the worker (leads/worker.py) sends the mail and tells
    the owner, so a slow or failing SES or SNS never holds a visitor. A known address costs the
    same writes as a new one: nobody learns from the answer's time who signed up. With
    DOUBLE_OPT_IN off the signup is the consent: the lead is confirmed at once (its ask is then
    answered by the welcome mail, see leads/outbox.py).
    """
    lead = Lead(
        name=name,
        email=email,
        preview=preview,
        created_at=timezone.now(),
        referred_by=referred_by,
    )
    store = get_store()
    new = store.add(lead)
    if not settings.DOUBLE_OPT_IN:
        store.confirm(email, consent=consent, at=lead.created_at)
    return new


def resend(email: str) -> None:
    """Ask for the mail again ("check your inbox" page); the worker answers within its caps."""
    get_store().ask(email)


def deliver(lead: Lead) -> bool:
    """Publish the notification for a stored lead and mark it sent; False if it stays pending."""
    try:
        notify.new_signup(lead)
    except notify.NotifyError:
        logger.warning("Notification for a new signup failed; it stays pending", exc_info=True)
        return False
    try:
        get_store().mark_notified(lead.email)
    except StoreUnavailable:
        # Sent but not marked: sendpending will send it once more (at least once, never lost).
        logger.warning("Could not mark %s notified", lead.email, exc_info=True)
    return True


def send_pending(*, batch: int = 100, min_age: timedelta = timedelta(0)) -> tuple[int, int]:
    """Deliver every pending notification of a lead at least `min_age` old; (sent, failed).

    A younger lead may be in the middle of its own signup's publish: leaving it alone keeps a
    scheduled run from sending its notification a second time.
    """
    store = get_store()
    before = timezone.now() - min_age
    sent = failed = 0
    # An index may lag behind mark_notified (DynamoDB's are eventually consistent): a lead
    # seen again in this run was just delivered, and is not sent twice.
    seen: set[str] = set()
    while True:
        leads = [
            lead for lead in store.pending(limit=batch, before=before) if lead.email not in seen
        ]
        if not leads:
            return sent, failed
        seen.update(lead.email for lead in leads)
        results = [deliver(lead) for lead in leads]
        sent += results.count(True)
        failed += results.count(False)
        if not any(results):
            return sent, failed  # SNS is down: stop rather than spin on the same batch
