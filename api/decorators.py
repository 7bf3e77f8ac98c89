"""The staff gate for JSON endpoints: 401 or 403 with a JSON message, never a redirect."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.cache import never_cache

from api import tokens

View = Callable[..., HttpResponseBase]


def staff_required_api(view: View) -> View:
    """A script may send `Authorization: Bearer <token>` (see api.tokens) instead of a session."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            user = tokens.user_for(token.strip())
            if user is None:
                return JsonResponse({"error": "Unknown or revoked token."}, status=401)
            request.user = user
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Sign in as staff first."}, status=401)
        if not request.user.is_staff:
            return JsonResponse({"error": "Staff only."}, status=403)
        return view(request, *args, **kwargs)

    return wrapper
