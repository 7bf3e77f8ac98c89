"""The error pages (handler400, 403, 404 and 500 in waitlist/urls.py).

Django's own run the CSRF check first (@requires_csrf_token, for templates that render a
token), and that check reads request.POST: for a body Django cannot read, the error page
raised the error again and the visitor got gunicorn's bare 500 without our headers. These
never touch the body, the session or the database: they render from the status alone.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from leads.http import wants_json

PAGES = {
    400: ("Bad request", "We could not read this request."),
    403: ("Forbidden", "You may not do this."),
    404: ("Not found", "There is no page here."),
    415: ("Unsupported charset", "Send forms in UTF-8, as our pages do."),
    500: ("Something went wrong", "We could not answer this request. Please try again."),
}


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    title, message = PAGES[status]
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    html = render_to_string("leads/error.html", {"title": title, "message": message})
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)
