"""Builders for the tests: leads made through the store port, and signed-in staff clients."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.test import Client

from leads.store import Consent, Lead, LeadStore

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CONSENT = Consent(text="I want in.", version="1", ip="192.0.2.7", user_agent="pytest")


def confirmed(store: LeadStore, email: str, *, at: datetime = T0, ip: str = "") -> Lead:
    """Confirm the stored lead `email` (as its link's button would) and return it."""
    consent = replace(CONSENT, ip=ip) if ip else CONSENT
    found = store.confirm(email, consent=consent, at=at)
    assert found is not None
    return found


def add_confirmed(store: LeadStore, new: Lead) -> Lead:
    """Sign `new` up and confirm it, a moment later, as its link's button would."""
    store.add(new)
    return confirmed(store, new.email, at=new.created_at + timedelta(seconds=1))


def lead(
    email: str,
    *,
    preview: bool = False,
    minutes: int = 0,
    name: str = "Ann",
    at: datetime = T0,
) -> Lead:
    """A lead signed up `minutes` after `at`."""
    return Lead(name=name, email=email, preview=preview, created_at=at + timedelta(minutes=minutes))


def add_leads(store: LeadStore, count: int, *, domain: str = "x.com", start: int = 0) -> list[str]:
    """`count` leads a minute apart; returns their emails newest first."""
    for i in range(start, start + count):
        store.add(lead(f"u{i:05d}@{domain}", preview=i % 3 == 0, minutes=i))
    return [f"u{i:05d}@{domain}" for i in reversed(range(start, start + count))]


def sign_in(client: Client, *, staff: bool = True) -> Client:
    username = "staff" if staff else "plain"
    # No password: hashing one costs a second per test, and force_login does not need it.
    user = User.objects.create(username=username, is_staff=staff)
    client.force_login(user)
    return client
