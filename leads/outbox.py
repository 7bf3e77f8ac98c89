"""The joiners' mail, sent by the worker: what each lead in the store's outbox is owed.

The store queues mail in the same write as the change that causes it (an ask on a signup, the
welcome on confirming); nothing on a request sends. A round reads the outbox, sends through
the process's one Mailer (paced to SES's rate, see leads/mailer.py) and marks what went:

- A lead's asks (a signup, a repeat, "send it again") get one answer for all of them so far:
  the confirmation while it is pending, "you are already on the list" once it is confirmed,
  invited or joined, or the welcome when one is queued beside them. At most ANSWERS_PER_DAY
  answers go to an address in a UTC day; past that its asks are marked answered, unmailed.
- Queued mails go once each: the welcome, and the invitation with its code (leads/invites.py)
  while it can still be redeemed; a revoked, expired or redeemed one is dropped unsent.
- A lead whose mail is stopped, or stored before confirmation existed, gets nothing; what is
  due for it is marked, dropped (the owner's messages about it are not mail: left alone).

Sent, then marked: a crash between the two sends that mail once more, and never loses one.
A Rejected address is marked as if sent (it will never take mail) and the round goes on; a
RetryLater ends the round, and the mailer refuses at once until its `after` has passed. The
owner's notification (`Due.notify`) is the notify loop's (leads/worker.py): never marked here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django.utils.crypto import salted_hmac

from leads import invites, links, mail, referrals
from leads.mailer import Mailer, RetryLater, Sent
from leads.store import Due, Lead, get_store
from leads.store.records import INVITE, INVITED, LEGACY, PENDING, WELCOME

logger = logging.getLogger(__name__)

ANSWERS_PER_DAY = 3
# The queued kinds that are mail to the lead; the others (OWNER_INVITED, ...) are messages to
# the owner, which go whether or not the lead's mail is stopped, and are not this module's.
MAIL = frozenset({WELCOME, INVITE})
BATCH = 100  # leads read from the outbox at a time
# A page of leads that only await the owner's notification (the notify loop's) is looked past
# by reading twice as many, up to this many: SNS down must not hold the mail back.
MAX_BATCH = 3_200
# How long our own marks are remembered: the outbox's index may lag behind them (DynamoDB's
# are eventually consistent), and a lead read again as it was must not be mailed twice. Each
# lead handled is marked or remembered, so no read returns the same work twice.
REMEMBER = 120.0  # seconds


@dataclass
class Round:
    sent: int = 0
    rejected: int = 0  # addresses that will never take mail: marked as if sent
    dropped: int = 0  # mail stopped, or past the day's answers: marked, unsent
    held: RetryLater | None = None  # mail is down: the round ended, nothing lost


@dataclass(frozen=True)
class _Marks:
    """What we wrote about a lead lately, as the store holds it now."""

    at: float
    answered: int
    mail_day: str
    mail_count: int
    mailed: frozenset[str] = field(default_factory=frozenset)


def message(kind: str, lead: Lead) -> EmailMultiAlternatives:
    """The `kind` mail for `lead`, with the links every mail carries."""
    context: dict[str, object] = {"manage_url": links.url(lead, links.MANAGE)}
    if kind == "confirm":
        context |= {
            "confirm_url": links.url(lead, links.CONFIRM),
            "expires_days": settings.CONFIRM_LINK_DAYS,
        }
    elif kind == WELCOME:
        # The place costs a read of the line's 16 nodes (one BatchGetItem) a welcome.
        place = get_store().place(lead.email)
        context |= {
            "name": lead.name,
            "place": place,
            "ahead": place - 1 if place else None,
            "referral_url": referrals.share_url(lead),
        }
    elif kind == INVITE:
        code, days = invites.code_for(lead), settings.INVITE_DAYS
        context |= {"name": lead.name, "code": code, "expires_days": days}
    unsubscribe_url = links.url(lead, links.UNSUBSCRIBE)
    return mail.build(kind, to=lead.email, context=context, unsubscribe_url=unsubscribe_url)


def tag(email: str) -> str:
    """An address as the logs show it: the same each time, never the address itself."""
    return salted_hmac("leads.outbox.tag", email).hexdigest()[:12]


class Outbox:
    """One per process, used by one thread (its Mailer's pace is the process's)."""

    def __init__(
        self,
        mailer: Mailer,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.mailer, self.clock, self.now = mailer, clock, now
        self.marks: dict[str, _Marks] = {}

    def send_due(self, *, stop: threading.Event | None = None, batch: int = BATCH) -> Round:
        """Send what is due until the outbox owes nothing, mail is down, or `stop` is set."""
        done = Round()
        limit = batch
        while not (stop and stop.is_set()):
            self._forget()
            page = get_store().outbox(limit)
            # Our own marks applied: what we handled is not owed again, however the index lags,
            # and a lead's new ask (a confirmation since) comes up on the next read.
            owed = [due for due in map(self._as_stored, page) if _owed(due)]
            if not owed:
                if len(page) < limit or limit >= MAX_BATCH:
                    return done
                limit *= 2
                continue
            for due in owed:
                if stop and stop.is_set():
                    break
                done.held = self._handle(due, done)
                if done.held:
                    return done
        return done

    def _handle(self, due: Due, done: Round) -> RetryLater | None:
        lead, now = due.lead, self.now()
        today = now.astimezone(UTC).date().isoformat()
        if lead.mail_stopped or lead.status == LEGACY:
            done.dropped += 1
            self._mark(due, today, mailed=False, kinds=due.mail & MAIL)
            return None
        if INVITE in due.mail and not _redeemable(lead, now):
            done.dropped += 1
            self._mark(due, today, mailed=False, kinds={INVITE}, answer=False)
            due = replace(due, mail=due.mail - {INVITE})
        # A queued mail is also the answer to every ask so far.
        for kind in (WELCOME, INVITE):
            if kind in due.mail:
                return self._send(kind, due, today, done, kinds=frozenset({kind}))
        if not due.unanswered:
            return None
        if due.mailed_on(today) >= ANSWERS_PER_DAY:
            mailed = due.mailed_on(today)
            logger.info("Asks of %s answered unmailed: %d mails today", tag(lead.email), mailed)
            done.dropped += 1
            self._mark(due, today, mailed=False, kinds=frozenset())
            return None
        kind = "confirm" if lead.status == PENDING else "already"
        return self._send(kind, due, today, done, kinds=frozenset())

    def _send(
        self, kind: str, due: Due, today: str, done: Round, *, kinds: frozenset[str]
    ) -> RetryLater | None:
        outcome = self.mailer.send(message(kind, due.lead))
        if isinstance(outcome, RetryLater):
            return outcome
        if isinstance(outcome, Sent):
            done.sent += 1
        else:
            done.rejected += 1
            logger.info("A %s mail to %s was refused; marked", kind, tag(due.lead.email))
        self._mark(due, today, mailed=isinstance(outcome, Sent), kinds=kinds)
        return None

    def _mark(
        self,
        due: Due,
        today: str,
        *,
        mailed: bool,
        kinds: frozenset[str] | set[str],
        answer: bool = True,
    ) -> None:
        """Answer the asks (if any, and `answer`), then each of `kinds`: a crash in between
        sends a welcome once more, rather than an "already" after it."""
        store, email = get_store(), due.lead.email
        day, count = due.mail_day, due.mail_count
        answer = answer and due.unanswered
        if answer:
            if not store.mark_answered(due, mailed=mailed, today=today):
                # Someone answered meanwhile (a second worker): ours may have been a second mail.
                logger.info("Asks of %s were answered twice", tag(email))
            elif mailed:
                day, count = today, due.mailed_on(today) + 1
        for kind in sorted(kinds):
            store.mark_mailed(email, kind)
        before = self.marks.get(email)
        self.marks[email] = _Marks(
            at=self.clock(),
            answered=due.asks if answer else due.answered,
            mail_day=day,
            mail_count=count,
            mailed=frozenset(kinds) | (before.mailed if before else frozenset()),
        )

    def _as_stored(self, due: Due) -> Due:
        """`due` with our own recent marks applied, in case the index has not caught up."""
        marks = self.marks.get(due.lead.email)
        if marks is None:
            return due
        if due.answered < marks.answered:
            due = replace(
                due, answered=marks.answered, mail_day=marks.mail_day, mail_count=marks.mail_count
            )
        return replace(due, mail=due.mail - marks.mailed)

    def _forget(self) -> None:
        oldest = self.clock() - REMEMBER
        self.marks = {email: m for email, m in self.marks.items() if m.at >= oldest}


def _owed(due: Due) -> bool:
    """Whether this round has anything to do for `due` (the owner's messages are not ours)."""
    return due.unanswered or bool(due.mail & MAIL)


def _redeemable(lead: Lead, now: datetime) -> bool:
    """Whether the lead's invitation code still works: invited, not revoked, not expired."""
    expires = invites.expires_at(lead)
    return (
        lead.status == INVITED and not lead.invite_revoked and expires is not None and now < expires
    )
