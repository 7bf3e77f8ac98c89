"""Turns an unavailable store into a clear 503 instead of a stack trace."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from leads.http import wants_json
from leads.store import StoreUnavailable

logger = logging.getLogger(__name__)

MESSAGE = "We cannot take requests right now. Please try again in a minute."


def _is_api(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.func.__module__.startswith("api.")


class StoreUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, StoreUnavailable | DatabaseError):
            return None
        logger.error("Store unavailable: %s", exception)
        if wants_json(request) or _is_api(request):
            response: HttpResponse = JsonResponse({"error": MESSAGE}, status=503)
        else:
            # No request context: it would read the session, from the database that may be down.
            html = render_to_string("leads/unavailable.html", {"message": MESSAGE})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = "30"
        return response
