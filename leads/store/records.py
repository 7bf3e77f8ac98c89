"""What the store hands out: leads, their outbox entries, counts and reports (plain values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from leads.store import line

# A lead's stage, as stored. A lead stored before confirmation existed (ours, or the lab's) has
# none: its status is LEGACY, it counts in every total as it always did, and it is never mailed.
PENDING, CONFIRMED, INVITED, JOINED = "pending", "confirmed", "invited", "joined"
STAGES = (PENDING, CONFIRMED, INVITED, JOINED)
# A lead's status, as staff and the API see it: its stage, except that a pending or confirmed
# lead who stopped all mail is "unsubscribed" (and keeps its place in the line).
UNSUBSCRIBED, LEGACY = "unsubscribed", "legacy"
STATUSES = (LEGACY, PENDING, CONFIRMED, UNSUBSCRIBED, INVITED, JOINED)
# The statuses that counters keep a figure of, per domain, per day and in all (legacy leads
# are the total less these).
COUNTED_STATUSES = (PENDING, CONFIRMED, UNSUBSCRIBED, INVITED, JOINED)
# Every figure a counter holds (preview_yes on a domain's counter only).
FIGURES = ("total", "preview_yes", *COUNTED_STATUSES)

# What a change queues on a lead beside the answer to its asks (see Due): mails to the lead,
# and messages to the owner (SNS) about the lead.
WELCOME, INVITE = "welcome", "invite"
OWNER_INVITED, OWNER_JOINED = "owner:invited", "owner:joined"
MAILS = (WELCOME, INVITE)  # what stopping a lead's mail drops


@dataclass(frozen=True)
class Consent:
    """What a joiner agreed to by confirming, and the request that said so."""

    text: str
    version: str
    ip: str
    user_agent: str


@dataclass(frozen=True)
class Lead:
    name: str
    email: str  # normalised: lower-cased, domain in its ASCII (IDNA) form
    preview: bool
    created_at: datetime  # timezone-aware, UTC
    stage: str | None = PENDING  # one of STAGES; None: stored before confirmation existed
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None  # asked for no more mail; keeps its place
    consent: Consent | None = None
    # The line (leads/store/line.py): set when the lead confirms.
    seq: int | None = None  # its confirmation's number: 1, 2, 3, ...
    score: int | None = None  # seq less REFERRAL_BOOST for each credited referral
    credits: int = 0  # referrals credited to it
    ref_code: str = ""  # its own referral code, to share
    referred_by: str = ""  # the code it signed up with, if any
    invited_at: datetime | None = None
    invite_revoked: bool = False
    joined_at: datetime | None = None

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    @property
    def day(self) -> str:
        return self.created_at.date().isoformat()

    @property
    def status(self) -> str:
        if self.stage is None:
            return LEGACY
        if self.unsubscribed_at is not None and self.stage in (PENDING, CONFIRMED):
            return UNSUBSCRIBED
        return self.stage

    @property
    def mail_stopped(self) -> bool:
        return self.unsubscribed_at is not None

    @property
    def waiting(self) -> bool:
        """In the line: confirmed (mail stopped or not), not invited, joined or erased."""
        return self.stage == CONFIRMED and self.seq is not None and self.score is not None

    @property
    def rank(self) -> int | None:
        """Its rank in the line (leads/store/line.py) while waiting, else None."""
        if not self.waiting or self.score is None or self.seq is None:
            return None
        return line.rank(self.score, self.seq)


def tallies(lead: Lead | None) -> dict[str, int]:
    """What one lead adds to each figure of its domain's, its day's and the grand counter."""
    if lead is None:
        return {}
    figures = {"total": 1, "preview_yes": int(lead.preview)}
    if lead.status in COUNTED_STATUSES:
        figures[lead.status] = 1
    return figures


def tally_change(old: Lead | None, new: Lead | None) -> dict[str, int]:
    """How a change from `old` to `new` (either None) moves one counter's figures."""
    moved = dict.fromkeys(set(tallies(old)) | set(tallies(new)), 0)
    for name, n in tallies(old).items():
        moved[name] -= n
    for name, n in tallies(new).items():
        moved[name] += n
    return {name: n for name, n in moved.items() if n}


@dataclass(frozen=True)
class Due:
    """A lead with something to send: the store's outbox, read by the worker.

    - `notify`: the owner's notification (queued when the lead confirms) is unsent.
    - `asks` > `answered`: somebody submitted this address (a signup, a repeat, a "send it
      again"); one mail answers every ask so far (the confirmation while pending, "already on
      the list" once confirmed, nothing once mail is stopped), at most 3 a day an address.
    - `mail`: mails queued by a change (WELCOME on confirming, INVITE on an invitation).
    - `mail_day`, `mail_count`: the UTC day of the last answer mailed and how many that day.
    """

    lead: Lead
    notify: bool = False
    asks: int = 0
    answered: int = 0
    mail: frozenset[str] = field(default_factory=frozenset)
    mail_day: str = ""
    mail_count: int = 0

    @property
    def unanswered(self) -> bool:
        return self.asks > self.answered

    def mailed_on(self, day: str) -> int:
        return self.mail_count if self.mail_day == day else 0


@dataclass(frozen=True)
class Withheld:
    """A referral that was not credited, and why (shown to staff, never to the joiner)."""

    referrer: str
    referee: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Placed:
    """A waiting lead and its place in the line."""

    place: int
    lead: Lead


@dataclass(frozen=True)
class LinePage:
    items: list[Placed]
    next: str | None


@dataclass(frozen=True)
class Page:
    items: list[Lead]
    next: str | None  # an opaque cursor for the following page, None on the last one


@dataclass(frozen=True)
class DomainCount:
    domain: str
    total: int
    preview_yes: int
    pending: int = 0
    confirmed: int = 0
    unsubscribed: int = 0
    invited: int = 0
    joined: int = 0


@dataclass(frozen=True)
class DayCount:
    day: date
    total: int
    pending: int = 0
    confirmed: int = 0
    unsubscribed: int = 0
    invited: int = 0
    joined: int = 0


@dataclass(frozen=True)
class RebuildReport:
    leads: int  # leads read and counted
    counters: int  # non-zero counters written
    cleared: int  # counters that no lead backs any more, set to zero
    skipped: int = 0  # stored items that are not leads (no usable email) and were left alone
    busy: int = 0  # counters that signups moved while the rebuild read: left as they were
    unadopted: int = 0  # leads the lab wrote that nobody adopted yet: not counted


@dataclass(frozen=True)
class AdoptionReport:
    adopted: int  # the lab's leads given what search and counts need, and counted
    merged: int  # the lab's copies of leads who signed up again through us, removed
    skipped: int  # stored items that are not leads (no usable email), left alone
