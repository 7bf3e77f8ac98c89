"""API tokens for staff scripts: issued by a staff member for themselves, stored as a digest.

A token is 256 random bits, so a plain SHA-256 digest is enough (nothing to brute-force, unlike a
password) and lets a request find its token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.utils import timezone

from leads.models import ApiToken

PREFIX = "wl_"
MAX_PER_USER = 20


class TooManyTokens(Exception):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, name: str) -> str:
    """A new token for `user`; the only time its value is known."""
    if ApiToken.objects.filter(user=user).count() >= MAX_PER_USER:
        raise TooManyTokens
    token = PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, prefix=token[:10], digest=_digest(token), created_at=timezone.now()
    )
    return token


def user_for(token: str) -> User | None:
    """The active user who owns `token`, or None; records when it was last used."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found = ApiToken.objects.select_related("user").filter(digest=_digest(token)).first()
    if found is None or not found.user.is_active:
        return None
    now = timezone.now()
    # One write a minute at most: a busy script should not turn every read into a write.
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def revoke(user: User, token_id: int) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def tokens_of(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at"))
