"""The DynamoDB layout: table and index names, and how a lead becomes an item and back.

Leads table, partition key `email`: `name`, `email`, `preview` ("Yes"/"No") as the lab wrote
them, plus `domain`, `created_at` (fixed-width ISO 8601 UTC), `day` (yyyy-mm-dd) and `sort_key`
(`created_at#email`: newest first, ties by email, as the port's contract says). `day` is the
signup's day, with `#1`..`#3` after it for three quarters of the leads: the by-day index spreads
a day over four partitions. Global secondary indexes: `by-domain` (domain, sort_key), `by-day`
(day, sort_key), `pending` (pending, sort_key). The table's stream (new and old images) feeds
the counters.

The line (leads/store/line.py): `seq`, `score`, `credits` (numbers), `ref_code`, `referred_by`,
and while waiting `waiting` ("yes") and `rank` (16 hexadecimal digits): the sparse `line` index
(waiting, rank). `credit` holds the referral code of a confirmation whose credit is not decided
yet (the outbox holds it, and `settle()` decides it). Invitations: `invited_at`,
`invite_revoked`, `joined_at`.

Confirmation (leads.store.records): `stage` (absent on leads stored before it existed),
`confirmed_at`, `unsubscribed_at`, `consent` (a map: text, version, ip, agent). The outbox is on
the lead's own item: `notify` (while the owner's notification is unsent), `asks` and `answered`
(numbers), `mail` (a string set of queued kinds), `mail_day` and `mail_n` (answers mailed that
day). `pending` is set while any of them is due (a sparse index over 16 partitions: the outbox).
An item an earlier version stored with `pending` and no `stage` awaits its notification.

Counters table, key (`kind`, `key`): ("domain", "x.com") with `total`, `preview_yes` and a
figure per counted status; ("day", "2026-11-28") and ("total", "all") the same but preview_yes.
The stream tally (tally.py) moves them from the leads table's stream, and keeps its place per
stream shard in ("stream", shard id). It is only ever read with Query/GetItem.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from leads.store import line
from leads.store.base import preview_word
from leads.store.records import Consent, Due, Lead, tally_change

Item = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Tables:
    leads: str
    counters: str


BY_DOMAIN, BY_DAY, PENDING, LINE = "by-domain", "by-day", "pending", "line"
# index -> (partition key, sort key)
INDEXES = {
    BY_DOMAIN: ("domain", "sort_key"),
    BY_DAY: ("day", "sort_key"),
    PENDING: ("pending", "sort_key"),
    LINE: ("waiting", "rank"),  # sparse: only waiting leads, in line order
}
WAITING = "yes"
# Kinds of the counters table's items beside the counters: a referral code's owner, the line's
# confirmation numbers, a referrer's credits of a day, the top referrers, withheld credits.
REF, SEQUENCE, CREDITS, TOP, WITHHELD = "ref", "seq", "credits", "top", "withheld"
# Every signup enters the sparse `pending` index and leaves it when notified: one partition
# would take two index writes per signup, past DynamoDB's 1,000 a second on launch day. Spread
# over 16 partitions ("yes" is the first, and what earlier versions wrote), each takes 1/16.
PENDING_SHARDS = 16
PENDING_VALUES = ("yes", *(f"yes#{n}" for n in range(1, PENDING_SHARDS)))


# Every signup of a launch day writes the by-day index under that day: one partition of the
# index would take them all. Spread over 4 parts, each takes a quarter (250 a second at 1,000).
DAY_PARTS = 4


def pending_value(email: str) -> str:
    return PENDING_VALUES[zlib.crc32(email.encode()) % PENDING_SHARDS]


# Leads the lab wrote carry no signup time; until `rebuildcounts` stamps them they read as this.
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
# A quoted local part may hold an "@" ("a@b"@x.com, which the lab's code stored as typed).
_SORT_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#.+@[^@]+")


def timestamp(moment: datetime) -> str:
    """Fixed-width ISO 8601 in UTC, so that the strings sort as the times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day_part(day: str, n: int) -> str:
    """The `day` of a lead in part n of its day: part 0 is the day itself, as earlier versions
    wrote it for every lead."""
    return day if n == 0 else f"{day}#{n}"


def valid_sort_key(sort_key: str, day: str | None = None) -> bool:
    """A sort key as we write them (ASCII: emails are, once their domain is IDNA-encoded)."""
    if not sort_key.isascii() or not _SORT_KEY.fullmatch(sort_key):
        return False
    return day is None or sort_key.startswith(day)


def derived(email: str, created_at: datetime) -> Item:
    """The attributes that our indexes and counters need, beyond what the lab wrote."""
    stamp = timestamp(created_at)
    day = day_part(stamp[:10], zlib.crc32(email.encode()) % DAY_PARTS)
    return {
        "domain": {"S": email.rpartition("@")[2].lower()},  # the lab did not lower-case
        "created_at": {"S": stamp},
        "day": {"S": day},
        "sort_key": {"S": f"{stamp}#{email}"},
    }


def lead_item(lead: Lead) -> Item:
    item: Item = {
        "email": {"S": lead.email},
        "name": {"S": lead.name},
        "preview": {"S": preview_word(lead.preview)},
        **derived(lead.email, lead.created_at),
    }
    if lead.stage is not None:
        item["stage"] = {"S": lead.stage}
    for name in ("confirmed_at", "unsubscribed_at"):
        moment = getattr(lead, name)
        if moment is not None:
            item[name] = {"S": timestamp(moment)}
    if lead.consent is not None:
        item["consent"] = consent_value(lead.consent)
    for name in ("seq", "score"):
        if getattr(lead, name) is not None:
            item[name] = {"N": str(getattr(lead, name))}
    if lead.credits:
        item["credits"] = {"N": str(lead.credits)}
    if lead.ref_code:
        item["ref_code"] = {"S": lead.ref_code}
    if lead.referred_by:
        # With the signup's own sort key: a signup writes it only if missing, so a known lead
        # without a code would take one from whoever submits its address again; the key says
        # whether the code came with the signup that stored the lead (see referred_by()).
        item["referred_by"] = {"S": f"{lead.referred_by} {item['sort_key']['S']}"}
    for name in ("invited_at", "joined_at"):
        moment = getattr(lead, name)
        if moment is not None:
            item[name] = {"S": timestamp(moment)}
    if lead.invite_revoked:
        item["invite_revoked"] = {"BOOL": True}
    if lead.rank is not None:
        item |= {"waiting": {"S": WAITING}, "rank": {"S": line.rank_text(lead.rank)}}
    return item


def consent_value(consent: Consent) -> dict[str, Any]:
    fields = {
        "text": consent.text,
        "version": consent.version,
        "ip": consent.ip,
        "agent": consent.user_agent,
    }
    return {"M": {name: {"S": value} for name, value in fields.items()}}


def wants_preview(item: Item) -> bool:
    return item.get("preview", {}).get("S") == preview_word(True)


def _moment(item: Item, name: str) -> datetime | None:
    value = item.get(name, {}).get("S")
    return datetime.fromisoformat(value) if value else None


def item_lead(item: Item) -> Lead:
    consent = None
    if "consent" in item:
        fields = {name: value.get("S", "") for name, value in item["consent"]["M"].items()}
        consent = Consent(
            text=fields.get("text", ""),
            version=fields.get("version", ""),
            ip=fields.get("ip", ""),
            user_agent=fields.get("agent", ""),
        )
    return Lead(
        name=item.get("name", {}).get("S", ""),
        email=item["email"]["S"],
        preview=wants_preview(item),
        created_at=_moment(item, "created_at") or UNKNOWN_TIME,
        stage=item.get("stage", {}).get("S"),
        confirmed_at=_moment(item, "confirmed_at"),
        unsubscribed_at=_moment(item, "unsubscribed_at"),
        consent=consent,
        seq=_maybe_number(item, "seq"),
        score=_maybe_number(item, "score"),
        credits=_number(item, "credits"),
        ref_code=item.get("ref_code", {}).get("S", ""),
        referred_by=referred_by(item),
        invited_at=_moment(item, "invited_at"),
        invite_revoked=item.get("invite_revoked", {}).get("BOOL", False),
        joined_at=_moment(item, "joined_at"),
    )


def referred_by(item: Item) -> str:
    """The referral code the lead signed up with: only one written with its own signup."""
    code, _, key = item.get("referred_by", {}).get("S", "").partition(" ")
    return code if key == item.get("sort_key", {}).get("S") else ""


def _maybe_number(item: Item, name: str) -> int | None:
    return int(item[name]["N"]) if name in item else None


def notify_due(item: Item) -> bool:
    return "notify" in item or ("stage" not in item and "pending" in item)


def _number(item: Item, name: str) -> int:
    return int(item.get(name, {}).get("N", "0"))


def item_due(item: Item) -> Due:
    return Due(
        lead=item_lead(item),
        notify=notify_due(item),
        asks=_number(item, "asks"),
        answered=_number(item, "answered"),
        mail=frozenset(item.get("mail", {}).get("SS", [])),
        mail_day=item.get("mail_day", {}).get("S", ""),
        mail_count=_number(item, "mail_n"),
    )


def counter_key(kind: str, key: str) -> Item:
    return {"kind": {"S": kind}, "key": {"S": key}}


CounterKey = tuple[str, str]  # (kind, key): ("domain", "x.com"), ("day", "2026-11-28"), ...


def counted(item: Item | None) -> bool:
    """Whether the counters hold this item: ours and adopted leads do, the lab's raw ones not."""
    return item is not None and "sort_key" in item and "domain" in item and "day" in item


Figures = dict[str, int]  # "total", "preview_yes" and the counted statuses


def counter_deltas(old: Item | None, new: Item | None) -> dict[CounterKey, Figures]:
    """How a change from `old` to `new` (either None) moves the counters it touches."""
    deltas: dict[CounterKey, Figures] = {}
    for item, was in ((old, True), (new, False)):
        if item is None or not counted(item):
            continue
        lead = item_lead(item)
        figures = tally_change(lead, None) if was else tally_change(None, lead)
        day = item["day"]["S"][:10]
        for key in (("domain", item["domain"]["S"]), ("day", day), ("total", "all")):
            for name, n in figures.items():
                if name == "preview_yes" and key[0] != "domain":
                    continue
                moved = deltas.setdefault(key, {})
                moved[name] = moved.get(name, 0) + n
    # The line's tree (leads/store/line.py): the counts on the paths of its ranks before and after.
    ranks = [
        item_lead(item).rank if item is not None and counted(item) else None for item in (old, new)
    ]
    for node, digits in line.moves(ranks[0], ranks[1]).items():
        deltas[("line", node)] = {f"d{digit:x}": n for digit, n in digits.items()}
    return {
        key: {name: n for name, n in moved.items() if n}
        for key, moved in deltas.items()
        if any(moved.values())
    }


def counter_update(table: str, key: CounterKey, figures: Figures) -> dict[str, Any]:
    """A transaction part that adds `figures` to one counter."""
    names = sorted(figures)
    return {
        "Update": {
            "TableName": table,
            "Key": counter_key(*key),
            "UpdateExpression": "ADD " + ", ".join(f"#f{i} :f{i}" for i in range(len(names))),
            "ExpressionAttributeNames": {f"#f{i}": name for i, name in enumerate(names)},
            "ExpressionAttributeValues": {
                f":f{i}": {"N": str(figures[name])} for i, name in enumerate(names)
            },
        }
    }
