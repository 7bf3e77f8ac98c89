"""How the staff pages write domains and addresses (internationalised names in Unicode) and
a lead's status."""

from __future__ import annotations

import idna

from leads.store import DomainCount

SHORT = 24  # characters of a domain that fit a phone's chart label

# Every status of leads.store.STATUSES, as a word for a badge or a column.
STATUS_LABELS = {
    "legacy": "Legacy",  # stored before confirmation existed: never asked to confirm
    "pending": "Pending",
    "confirmed": "Confirmed",
    "unsubscribed": "Unsubscribed",
    "invited": "Invited",
    "joined": "Joined",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.capitalize())


def unicode_domain(domain: str) -> str:
    """xn--bcher-kva.example -> bücher.example; a name that does not decode stays as stored."""
    if "xn--" not in domain:
        return domain
    try:
        return idna.decode(domain)
    except (idna.IDNAError, UnicodeError):
        return domain


def unicode_email(email: str) -> str:
    local, at, domain = email.rpartition("@")
    return f"{local}{at}{unicode_domain(domain)}" if at else email


def short_domain(name: str, limit: int = SHORT) -> str:
    """The end of a long name matters most (…mail.example.com), so the start is cut."""
    return name if len(name) <= limit else "…" + name[-(limit - 1) :]


def domains_containing(counts: list[DomainCount], typed: str, limit: int = 20) -> list[DomainCount]:
    """The domains whose name, in ASCII or in Unicode, contains what was typed; largest first."""
    wanted = typed.strip().lstrip("@").lower()
    try:
        ascii_wanted = idna.encode(wanted, uts46=True).decode() if wanted else ""
    except (idna.IDNAError, UnicodeError):
        ascii_wanted = wanted
    found = [
        c
        for c in counts
        if wanted and (ascii_wanted in c.domain or wanted in unicode_domain(c.domain))
    ]
    return sorted(found, key=lambda c: (-c.total, c.domain))[:limit]
