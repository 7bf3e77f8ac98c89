"""The worker beside the web tasks: it keeps the counters up to date, tells the owner, and
sends the joiners' mail.

Nothing on a visitor's request waits on SNS or SES: what a change makes due is written to the
store's outbox with it, and the worker sends it, at least once and in normal operation once.
Past NOTIFY_RATE messages in its window the owner gets one digest for everything pending
instead of a message per signup, so a launch sends a handful of messages, not thousands. The
joiners' mail goes at the pace SES allows (leads/outbox.py, leads/mailer.py).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from leads import notify
from leads.mailer import Mailer
from leads.outbox import Outbox
from leads.signups import deliver
from leads.store import OWNER_INVITED, OWNER_JOINED, Lead, StoreUnavailable, get_store
from waitlist.env import rate_window

logger = logging.getLogger(__name__)

# Leads gathered into one digest (each is then marked with a write of its own); more wait for
# the next digest. At 20 messages in 5 minutes that drains about 670 signups a second.
DIGEST_MAX = 10_000
EVENTS = frozenset({OWNER_INVITED, OWNER_JOINED})  # the owner's messages queued with a lead


class Pacer:
    """At most `limit` messages to the owner in any `window`."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit, self.window = limit, window
        self.sent: deque[datetime] = deque()

    def room(self, now: datetime) -> int:
        while self.sent and now - self.sent[0] >= self.window:
            self.sent.popleft()
        return self.limit - len(self.sent)

    def record(self, now: datetime) -> None:
        self.sent.append(now)


def notify_pending(pacer: Pacer, *, now: datetime | None = None) -> int:
    """Publish what is pending as the pace allows; returns how many leads the owner heard of."""
    now = now or timezone.now()
    room = pacer.room(now)
    if room <= 0:
        return 0
    pending = get_store().pending(limit=DIGEST_MAX)
    if not pending:
        return 0
    if len(pending) <= room:
        delivered = [lead for lead in pending if deliver(lead)]
        for _ in delivered:
            pacer.record(now)
        return len(delivered)
    return _digest(pending, pacer, now)


def notify_events(pacer: Pacer, *, now: datetime | None = None) -> int:
    """Tell the owner who was invited and who joined since the last round: one message a kind
    (naming one lead, or counting many: inviting the next 500 is one message, not 500)."""
    now = now or timezone.now()
    store = get_store()
    due = [d for d in store.outbox(limit=DIGEST_MAX, notify_only=True) if d.mail & EVENTS]
    sent = 0
    for kind in sorted(EVENTS):
        emails = [d.lead.email for d in due if kind in d.mail]
        if not emails or pacer.room(now) <= 0:
            continue
        try:
            notify.event(kind, emails)
        except notify.NotifyError:
            logger.warning("The owner's %s message failed; it stays queued", kind)
            continue
        pacer.record(now)
        for email in emails:  # sent but a mark lost: named once more next time, never lost
            store.mark_mailed(email, kind)
        sent += len(emails)
    return sent


def _digest(pending: list[Lead], pacer: Pacer, now: datetime) -> int:
    domains = Counter(lead.domain for lead in pending)
    try:
        notify.digest(len(pending), since=min(lead.created_at for lead in pending), domains=domains)
    except notify.NotifyError:
        logger.warning("The digest of %d signups failed; they stay pending", len(pending))
        return 0
    pacer.record(now)
    # Sent but a mark lost: the next digest names that lead again (at least once, never lost).
    get_store().mark_all_notified([lead.email for lead in pending])
    return len(pending)


def run(stop: threading.Event, *, interval: float = 1.0) -> None:
    """Until `stop` is set, every `interval`: bring the counters up to date, tell the owner, and
    send the joiners' mail.

    Each in a thread of its own, so that none holds the others back: a burst of notifications
    (one write a lead) never delays the counters, and mail paced at SES's rate (one a second
    in its sandbox) delays neither. The two outbox loops share no mark: the notify loop marks
    the owner's notifications, the mail loop the asks and queued mails. An outage of the store,
    SNS or SES is logged and waited out; nothing is lost meanwhile. A failure of any other kind
    stops all three and is raised, so that the process exits and its supervisor (ECS) starts
    it again.
    """
    limit = int(settings.NOTIFY_RATE.partition("/")[0])
    pacer = Pacer(limit, timedelta(seconds=rate_window(settings.NOTIFY_RATE)))
    mailer = Mailer()  # one per process: its pace is the account's whole send rate
    outbox = Outbox(mailer)
    failures: list[BaseException] = []
    works: list[Callable[[], object]] = [
        get_store().settle,
        lambda: (notify_pending(pacer), notify_events(pacer)),
        lambda: send_mail(outbox, stop),
    ]
    loops = [threading.Thread(target=_every, args=(stop, interval, w, failures)) for w in works]
    for loop in loops:
        loop.start()
    for loop in loops:
        loop.join()
    mailer.close()
    if failures:
        raise failures[0]


def send_mail(outbox: Outbox, stop: threading.Event) -> int:
    """One round of the joiners' mail; while mail is down, wait as the mailer says."""
    done = outbox.send_due(stop=stop)
    if done.held:
        stop.wait(done.held.after)  # until then every send would answer RetryLater at once
    return done.sent


def _every(
    stop: threading.Event, interval: float, work: Callable[[], object], failures: list
) -> None:
    while not stop.is_set():
        try:
            work()
        except StoreUnavailable:
            logger.warning("The store is unavailable; the worker tries again", exc_info=True)
        except Exception as e:
            logger.exception("The worker stops")
            failures.append(e)
            stop.set()
            return
        stop.wait(interval)
