"""The "check your inbox" answer to a signup, the same for a new, a known and a bot's address.

It names the address only masked and in its normalised form (never as typed), and carries
the address's resend token (leads.links) for the "send it again" button. The no-JS thanks
page learns the address from a cookie that the signup's redirect sets: its value is that
same token, so the redirect, too, is the same for a new and a known address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from leads import links

COOKIE = "waitlist_inbox"
COOKIE_AGE = 86400  # a day: enough to wait for the mail and ask again

ON_THE_LIST = "You are on the list; we will be in touch."
CHECK_INBOX = "Check your inbox: we sent a link to {address}. Open it to confirm your place."
SENT_AGAIN = (
    "We are sending a new mail to {address}. It can take a few minutes; look in your spam "
    "folder too. We send at most three a day."
)


def masked(email: str) -> str:
    """ann@example.com -> a•••@example.com"""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}•••@{domain}"


def message(email: str) -> str:
    if not settings.DOUBLE_OPT_IN:
        return ON_THE_LIST
    return CHECK_INBOX.format(address=masked(email))


def answer(email: str) -> dict[str, str]:
    """The JSON answer to a signup that passed validation."""
    body = {"message": f"Thank you! {message(email)}", "email": masked(email)}
    if settings.DOUBLE_OPT_IN:
        body["resend"] = links.resend_token(email)
    return body


def page(email: str | None, *, sent: bool = False) -> dict[str, object]:
    """The thanks page's context, for the address it recalled (or None)."""
    if email is None:
        # Opened without a signup before it (or the cookie is gone): nothing to name.
        text = "Check your inbox for our mail." if settings.DOUBLE_OPT_IN else ON_THE_LIST
        return {"message": text}
    context: dict[str, object] = {"message": message(email), "address": masked(email)}
    if settings.DOUBLE_OPT_IN:
        context["resend_token"] = links.resend_token(email)
    if sent:
        context["sent"] = SENT_AGAIN.format(address=masked(email))
    return context


def remember(response: HttpResponse, email: str) -> None:
    response.set_cookie(
        COOKIE,
        links.resend_token(email),
        max_age=COOKIE_AGE,
        path=reverse("thanks"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def recall(request: HttpRequest) -> str | None:
    return email_of(request.COOKIES.get(COOKIE, ""))


def email_of(token: str) -> str | None:
    """The address of a resend token, or None if it is not one of ours."""
    try:
        return links.resend_email(token)
    except links.BadLink:
        return None
