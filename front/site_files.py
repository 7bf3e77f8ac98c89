"""The files a site is asked for by name: robots.txt, favicon.ico, and the accent stylesheet."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from leads.brand import brand_css, brand_css_version


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """The landing page is for everyone; the staff pages, the API and the pages behind our
    mails' links (personal, each with its own token) are for nobody's index."""
    private = [reverse("search"), _folder(reverse("login")), _folder(reverse("api-openapi"))]
    private += [_folder(reverse(name, args=["-"])) for name in ("confirm", "manage", "unsubscribe")]
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {path}" for path in private)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers and feed readers ask for /favicon.ico whatever the page links."""
    return HttpResponseRedirect(static("leads/img/favicon.ico"))


@require_GET
def accent_css(request: HttpRequest) -> HttpResponse:
    """SITE_ACCENT as CSS variables. Pages link it with ?v=<hash of its content>: that URL is
    cached for a year like a hashed static file, any other for an hour."""
    response = HttpResponse(brand_css(), content_type="text/css; charset=utf-8")
    if request.GET.get("v") == brand_css_version():
        patch_cache_control(response, public=True, max_age=31536000, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=3600)
    return response


def _folder(path: str) -> str:
    """/accounts/login/ -> /accounts/"""
    return path[: path.index("/", 1) + 1]
