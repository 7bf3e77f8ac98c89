"""Small request helpers shared by the views."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django_ratelimit.core import is_ratelimited

from leads.store import Consent


def client_ip(group: str | None, request: HttpRequest) -> str:
    """The client's address, for rate limits (django-ratelimit calls it with the group).

    X-Forwarded-For is read only behind TRUSTED_PROXY_COUNT proxies, each of which appends
    the address it saw; anything further left was written by the client and may be forged.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def wants_json(request: HttpRequest) -> bool:
    """JSON for a client that asks for it, and on every path of the JSON API."""
    if "application/json" in request.headers.get("Accept", ""):
        return True
    api = reverse("api-openapi").rpartition("/")[0] + "/"  # the API app's prefix, wherever it is
    return request.path.startswith(api)


def over_rate(request: HttpRequest, *, group: str, rate: str) -> bool:
    """Counts this request against its client's address; True once the client is over `rate`.

    Counted before any work is done, so that requests arriving together are all counted.
    """
    if rate == "off":
        return False
    return is_ratelimited(request, group=group, key=client_ip, rate=rate, increment=True)


def consent(request: HttpRequest) -> Consent:
    """The consent record of the request that confirms (or, DOUBLE_OPT_IN off, signs up)."""
    return Consent(
        text=settings.CONSENT_TEXT,
        version=settings.CONSENT_VERSION,
        ip=client_ip(None, request),
        user_agent=request.headers.get("User-Agent", "")[:500],
    )
