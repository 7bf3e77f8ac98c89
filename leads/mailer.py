"""Sends mail for the worker, one message at a time, at the pace the transport allows.

leads/mail.py builds a message; a Mailer sends it and says what became of it:

    mailer = Mailer()
    outcome = mailer.send(message)  # Sent | RetryLater | Rejected

- Sent: the transport took it (SES's message id in `message_id`). Mark the outbox entry sent.
- Rejected: this message will never be taken (an address SES or the SMTP server refuses, a
  malformed one). Drop or mark the entry; the next message goes as usual.
- RetryLater: not sent, nothing lost (throttled past a few paced retries, SES or the SMTP
  server down, the day's quota spent, mail not configured). Keep the entry, end the round and
  come back after `after` seconds: until then send() answers RetryLater at once, without trying,
  so a worker never waits on a transport that is down.

Pacing: on SES, at most the account's MaxSendRate recipients a second (asked of SES at the
first send and every RATE_REFRESH seconds; halved after a throttle until the next reading),
and at most MAIL_RATE on any transport. One Mailer per process, used by one thread; two workers
would each take the whole rate. A send whose answer was lost (a timeout after SES took it) is
tried again, so a mail arrives at least once and, in normal operation, once.
"""

from __future__ import annotations

import logging
import random
import re
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from anymail.exceptions import AnymailAPIError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from leads import ses
from leads.ses import Failure
from waitlist.env import rate_window
from waitlist.mailurl import SES

logger = logging.getLogger(__name__)

RATE_REFRESH = 300.0  # seconds between readings of SES's send rate
NEW_ACCOUNT_RATE = 1.0  # SES's rate for a new account: the pace while SES cannot be asked
MIN_RATE = 0.25  # throttling halves the pace down to this, until SES's rate is read again
MAX_HOLD = 300.0  # the longest RetryLater.after for throttling and outages
QUOTA_HOLD = 900.0  # the day's quota is spent: SES counts a rolling 24 hours
SETUP_HOLD = 300.0  # nothing goes until someone fixes the settings or the account


@dataclass(frozen=True)
class Sent:
    message_id: str | None = None


@dataclass(frozen=True)
class RetryLater:
    reason: str
    after: float  # seconds


@dataclass(frozen=True)
class Rejected:
    reason: str


Outcome = Sent | RetryLater | Rejected


class MailNotConfigured(Exception):
    pass


class UnconfiguredBackend(BaseEmailBackend):
    """Production without EMAIL_URL: nothing is sent, so queued mail stays queued."""

    def send_messages(self, email_messages):
        raise MailNotConfigured("EMAIL_URL is not set; mail stays queued until it is")


def ses_rate() -> float | None:
    """SES's send rate when mail goes through SES, else None (no pace of the transport's)."""
    return ses.max_send_rate() if settings.EMAIL_BACKEND == SES else None


class Mailer:
    def __init__(
        self,
        *,
        connection: BaseEmailBackend | None = None,
        rate: Callable[[], float | None] = ses_rate,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 3,
        backoff: float = 1.0,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.connection = connection or get_connection(fail_silently=False)
        self.read_rate, self.clock, self.sleep, self.jitter = rate, clock, sleep, jitter
        self.attempts, self.backoff = attempts, backoff
        self.cap = _per_second(settings.MAIL_RATE)
        self.rate: float | None = None
        self.rate_read_at: float | None = None
        self.next_at = 0.0  # the pace: no send before this
        self.hold: RetryLater | None = None
        self.hold_until = 0.0
        self.strikes = 0  # rounds in a row that ended in RetryLater
        self.opened = False

    def send(self, message: EmailMessage) -> Outcome:
        """Send `message` once, paced; never raises for what the transport answers."""
        now = self.clock()
        if self.hold and now < self.hold_until:
            return RetryLater(self.hold.reason, self.hold_until - now)
        sender = parseaddr(message.from_email)[1]
        for attempt in range(1, self.attempts + 1):
            self._pace(len(message.recipients()) or 1)
            failure, reason = self._try(message, sender)
            if failure is None:
                self.strikes, self.hold = 0, None
                return Sent(getattr(getattr(message, "anymail_status", None), "message_id", None))
            if failure is Failure.REJECTED:
                self.strikes, self.hold = 0, None
                # SES's reason names the address: the log says why, not to whom.
                logger.warning("A mail was refused for good: %s", _unnamed(reason, message))
                return Rejected(reason)
            if failure is Failure.THROTTLED and self.rate:
                # Someone else shares the account's rate; SES's is read again within minutes.
                self.rate = max(MIN_RATE, self.rate / 2)
            if failure in (Failure.QUOTA, Failure.SETUP) or attempt == self.attempts:
                return self._retry_later(failure, reason)
            self.sleep(self._delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self.opened:
            self.opened = False
            self.connection.close()

    def _try(self, message: EmailMessage, sender: str) -> tuple[Failure | None, str]:
        try:
            if not self.opened:
                self.connection.open()
                self.opened = True
            sent = self.connection.send_messages([message])
        except Exception as e:
            failure, reason = classify(e, sender=sender)
            if failure is not Failure.REJECTED:
                self.close()  # a fresh connection for the next try (SMTP drops broken ones)
            return failure, reason
        return (None, "") if sent else (Failure.REJECTED, "the message has no recipient")

    def _retry_later(self, failure: Failure, reason: str) -> RetryLater:
        self.strikes += 1
        after = {Failure.QUOTA: QUOTA_HOLD, Failure.SETUP: SETUP_HOLD}.get(
            failure, min(MAX_HOLD, self._delay(self.attempts + self.strikes - 1))
        )
        log = logger.error if failure is Failure.SETUP else logger.warning
        log("Mail is %s; trying again in %.0f s: %s", failure.value, after, reason)
        self.hold = RetryLater(f"{failure.value}: {reason}", after)
        self.hold_until = self.clock() + after
        return self.hold

    def _delay(self, attempt: int) -> float:
        """Exponential backoff with jitter: about backoff * 2**(attempt-1) seconds."""
        full = self.backoff * 2 ** (attempt - 1)
        return min(MAX_HOLD, full / 2 + full / 2 * self.jitter())

    def _pace(self, recipients: int) -> None:
        rate = self._rate()
        if rate is None:
            return
        wait = self.next_at - self.clock()
        if wait > 0:
            self.sleep(wait)
        self.next_at = max(self.clock(), self.next_at) + recipients / rate

    def _rate(self) -> float | None:
        now = self.clock()
        if self.rate_read_at is None or now - self.rate_read_at >= RATE_REFRESH:
            self.rate_read_at = now
            try:
                self.rate = self.read_rate()
            except ses.SesError as e:
                self.rate = self.rate or NEW_ACCOUNT_RATE
                self.rate_read_at = now - RATE_REFRESH + 60  # ask again in a minute
                logger.warning("SES's send rate is unknown (%s); pacing at %s/s", e, self.rate)
        rates = [r for r in (self.rate, self.cap) if r]
        return min(rates) if rates else None


def classify(error: Exception, *, sender: str) -> tuple[Failure, str]:
    """What a transport's exception means, and a line saying why."""
    if isinstance(error, AnymailAPIError):
        detail = error.response.get("Error") if isinstance(error.response, dict) else None
        if detail:
            code, text = str(detail.get("Code", "")), str(detail.get("Message", ""))
            return ses.failure(code, text, sender=sender), f"{code}: {text}"
        return Failure.OUTAGE, str(error.__cause__ or error)  # no answer from SES
    refused = AnymailInvalidAddress | AnymailRecipientsRefused | smtplib.SMTPRecipientsRefused
    if isinstance(error, refused | BadHeaderError):
        return Failure.REJECTED, str(error)
    if isinstance(
        error, MailNotConfigured | smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError
    ):
        return Failure.SETUP, str(error)
    if isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600:
        return Failure.REJECTED, str(error)  # a permanent refusal of this message
    if not isinstance(error, OSError | smtplib.SMTPException):
        logger.exception("Unexpected error from the mail transport")
    return Failure.OUTAGE, str(error) or type(error).__name__


def _unnamed(reason: str, message: EmailMessage) -> str:
    for address in message.recipients():
        bare = parseaddr(address)[1] or address.strip()
        if bare:
            reason = re.sub(re.escape(bare), "<recipient>", reason, flags=re.IGNORECASE)
    return reason


def _per_second(rate: str) -> float | None:
    if rate == "off":
        return None
    return int(rate.partition("/")[0]) / rate_window(rate)
