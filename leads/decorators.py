"""The staff gate: leads are for staff members' eyes only."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from leads import tokens


def staff_required(view):
    """Anonymous: to the login page. Signed in but not staff: 403. Nothing leaks to either."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            return HttpResponse("Staff only.", status=403, content_type="text/plain")
        return view(request, *args, **kwargs)

    return wrapper


def staff_required_api(view):
    """The staff gate for JSON endpoints: 401 or 403 with a JSON message, never a redirect.

    A script may send `Authorization: Bearer <token>` (see leads.tokens) instead of a session.
    """

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
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
