"""A row of leads_lead as the port's values (leads.store.records), and back."""

from __future__ import annotations

from leads import models
from leads.store.records import Consent, Due, Lead


def lead(row: models.LeadRow) -> Lead:
    consent = None
    if row.consent_version or row.consent_text:
        consent = Consent(
            text=row.consent_text,
            version=row.consent_version,
            ip=row.consent_ip,
            user_agent=row.consent_agent,
        )
    return Lead(
        name=row.name,
        email=row.email,
        preview=row.preview,
        created_at=row.created_at,
        stage=row.stage,
        confirmed_at=row.confirmed_at,
        unsubscribed_at=row.unsubscribed_at,
        consent=consent,
        seq=row.seq,
        score=row.score,
        credits=row.credits,
        ref_code=row.ref_code or "",
        referred_by=row.referred_by,
        invited_at=row.invited_at,
        invite_revoked=row.invite_revoked,
        joined_at=row.joined_at,
    )


def due(row: models.LeadRow) -> Due:
    return Due(
        lead=lead(row),
        notify=row.notify_due,
        asks=row.asks,
        answered=row.answered,
        mail=queued(row),
        mail_day=row.mail_day,
        mail_count=row.mail_count,
    )


def queued(row: models.LeadRow) -> frozenset[str]:
    return frozenset(kind for kind in row.queued.split(",") if kind)


def set_queued(row: models.LeadRow, kinds: frozenset[str] | set[str]) -> None:
    row.queued = ",".join(sorted(kinds))
    row.due = bool(row.notify_due or row.asks > row.answered or row.queued)


def set_consent(row: models.LeadRow, consent: Consent) -> None:
    row.consent_text = consent.text
    row.consent_version = consent.version[:50]
    row.consent_ip = consent.ip[:45]
    row.consent_agent = consent.user_agent[:500]
