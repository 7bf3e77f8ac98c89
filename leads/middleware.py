"""Turns an unavailable store into a clear 503 instead of a stack trace, and refuses bodies in
charsets we do not read before anything reads them."""

from __future__ import annotations

import codecs
import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from leads import errors
from leads.http import wants_json
from leads.store import StoreUnavailable

logger = logging.getLogger(__name__)

MESSAGE = "We cannot take requests right now. Please try again in a minute."


class StoreUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, StoreUnavailable | DatabaseError):
            return None
        logger.error("Store unavailable: %s", exception)
        if wants_json(request):
            response: HttpResponse = JsonResponse({"error": MESSAGE}, status=503)
        else:
            # No request context: it would read the session, from the database that may be down.
            html = render_to_string("leads/unavailable.html", {"message": MESSAGE})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = "30"
        return response


class Utf8OnlyMiddleware:
    """Answers 415 to a body declared in another charset than UTF-8, before anything reads it.

    Our pages are UTF-8 and browsers send their forms back in UTF-8, so another charset is a
    client we do not serve. Django refuses such a form only when request.POST is first read,
    inside the CSRF check, with an exception its error pages (which run the CSRF check again)
    hit once more, which ended as gunicorn's bare 500. Placed last in MIDDLEWARE: it still runs
    before every process_view (the CSRF check's) and view, and its answer passes back through
    the middleware above, which add the security headers.
    """

    SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Django has taken the charset only if Python knows it (an unknown one means UTF-8).
        if request.encoding is None:
            return self.get_response(request)
        utf8 = codecs.lookup(request.encoding).name == "utf-8"
        if not utf8 and request.method not in self.SAFE_METHODS:
            return errors.error_page(request, 415)
        # utf8, UTF_8 ... are UTF-8 (Django accepts only "utf-8"); a charset on a request
        # without a body must not change how its URL's query string is decoded either.
        request.encoding = "utf-8"
        return self.get_response(request)
