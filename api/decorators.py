"""The staff gate for JSON endpoints: 401 or 403 with a JSON message, never a redirect."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from api import tokens

View = Callable[..., HttpResponseBase]
CSRF_FAILED = (
    "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken, or use an API token."
)


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return JsonResponse({"error": CSRF_FAILED}, status=403)


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's own CSRF check (a safe method passes), answered in JSON."""
    check = _CsrfCheck(lambda r: HttpResponse())
    check.process_request(request)
    return check.process_view(request, lambda r: HttpResponse(), (), {})


def staff_required_api(view: View) -> View:
    """A script may send `Authorization: Bearer <token>` (see api.tokens) instead of a session.

    A token is never sent by a browser on its own, so a request that carries one needs no CSRF
    token; a request signed in by its session cookie does, as every staff form does.
    """

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        by_token = scheme.lower() == "bearer"
        if by_token:
            user = tokens.user_for(token.strip())
            if user is None:
                return JsonResponse({"error": "Unknown or revoked token."}, status=401)
            request.user = user
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Sign in as staff first."}, status=401)
        if not request.user.is_staff:
            return JsonResponse({"error": "Staff only."}, status=403)
        refusal = None if by_token else _csrf_refusal(request)
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    # The middleware's check runs before the gate knows how the request signed in: it is made
    # above instead, for session requests only.
    return csrf_exempt(wrapper)
