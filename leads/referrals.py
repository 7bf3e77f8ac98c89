"""Referrals: the codes joiners share, and the rules that decide whether one earns a credit.

A code is random (8 characters of a 31-letter alphabet, about 40 bits): not enumerable, and it
says nothing about its owner. It is given when a lead confirms, and looked up only through the
store. A credit goes to the referrer when the person it referred confirms, unless a rule
withholds it; the reason is kept for staff and never shown to the joiner, whose page is the
same either way.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from urllib.parse import urlencode

from disposable_email_domains import blocklist
from django.conf import settings
from django.urls import reverse

from leads.store.records import Lead

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from a phone
CODE_LENGTH = 8
_CODE = re.compile(f"[{_ALPHABET}]{{{CODE_LENGTH}}}")
GMAIL = ("gmail.com", "googlemail.com")
NETWORK_REPEATS = 2  # "several" credits from one network in a day: the next is withheld

OWN_MAILBOX = "the referrer's own mailbox"
DISPOSABLE = "a disposable mail domain"
DAILY_CAP = "the referrer's credits for the day are used up"
REFERRER_NETWORK = "confirmed from the referrer's network"
REPEATED_NETWORK = "several of the day's credits came from this network"


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def share_url(lead: Lead) -> str:
    """The lead's referral link ("" before it has a code): the landing page with its code."""
    if not lead.ref_code:
        return ""
    return f"{settings.SITE_URL}{reverse('home')}?{urlencode({'ref': lead.ref_code})}"


def clean_code(value: object) -> str:
    """The code a visitor brought, or "" for anything that is not one (never an error)."""
    if not isinstance(value, str) or len(value) > 64:
        return ""
    value = value.strip().lower()
    return value if _CODE.fullmatch(value) else ""


def mailbox(email: str) -> str:
    """The mailbox an address delivers to: case, +tags, and Gmail's dots do not count."""
    local, _, domain = email.lower().rpartition("@")
    local = local.partition("+")[0]
    if domain in GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def network(ip: str) -> str:
    """The /24 of an IPv4 address or the /64 of an IPv6 one; "" for none or nonsense."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def confirming_network(lead: Lead) -> str:
    return network(lead.consent.ip) if lead.consent else ""


def withheld_reason(
    referrer: Lead, referee: Lead, *, credited_today: int, from_network_today: int
) -> str:
    """Why the referee's confirmation earns the referrer no credit; "" when it does.

    `credited_today`: credits the referrer got this UTC day; `from_network_today`: how many of
    them came from the referee's network.
    """
    if mailbox(referrer.email) == mailbox(referee.email):
        return OWN_MAILBOX
    if referee.domain in blocklist:
        return DISPOSABLE
    if credited_today >= settings.REFERRAL_DAILY_CAP:
        return DAILY_CAP
    net = confirming_network(referee)
    if net and net == confirming_network(referrer):
        return REFERRER_NETWORK
    if net and from_network_today >= NETWORK_REPEATS:
        return REPEATED_NETWORK
    return ""
