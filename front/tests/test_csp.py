"""The Content-Security-Policy header: our own origin and the CDN only, no inline script."""

from __future__ import annotations

import re

import pytest
import requests

CDN = "d111111abcdef8.cloudfront.net"
# The landing and thanks pages, the page after an erasure, and the bad link page.
PAGES = ["/", "/thanks", "/me/deleted", "/confirm/not-a-token"]


@pytest.fixture(autouse=True)
def _db(db):
    pass


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


class TestContentSecurityPolicy:
    @pytest.mark.parametrize("url", PAGES)
    def test_it_allows_only_our_own_origin(self, client, url):
        policy = directives(client.get(url)["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        for name in ("script-src", "style-src", "connect-src", "form-action"):
            assert policy[name] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]

    @pytest.mark.parametrize("url", PAGES)
    def test_it_needs_no_inline_script_or_style(self, client, url):
        html = client.get(url).content.decode()
        assert "unsafe-inline" not in client.get(url)["Content-Security-Policy"]
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers

    def test_it_adds_the_cdn_origin_in_cdn_mode(self, app_server):
        # The image's manifest is enough to render pages: the bucket is never read at run time.
        app = app_server(workers=1, STATIC_CDN_DOMAIN=CDN, STATIC_BUCKET="static-files")
        header = requests.get(app.url + "/", timeout=10).headers["Content-Security-Policy"]
        policy = directives(header)
        for name in ("script-src", "style-src", "img-src", "font-src"):
            assert policy[name][:2] == ["'self'", f"https://{CDN}"], name
        assert policy["connect-src"] == ["'self'"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header


class TestPolicyBuiltOnce:
    """waitlist/content_policy.py: the same header as django-csp's own middleware builds."""

    def answer(self, middleware_class, response, **request_attrs):
        from django.test import RequestFactory

        request = RequestFactory().get("/")
        for name, value in request_attrs.items():
            setattr(request, name, value)
        middleware = middleware_class(lambda request: response)
        middleware.process_request(request)
        return middleware.process_response(request, response)

    def both(self, make_response, **request_attrs):
        from csp.middleware import CSPMiddleware as Theirs

        from waitlist.content_policy import CSPMiddleware as Ours

        return [
            self.answer(kind, make_response(), **request_attrs).get("Content-Security-Policy")
            for kind in (Ours, Theirs)
        ]

    def test_it_writes_django_csps_header(self):
        from django.http import HttpResponse

        ours, theirs = self.both(HttpResponse)
        assert ours == theirs and "default-src 'self'" in ours

    def test_changed_settings_change_the_header(self, settings):
        from django.http import HttpResponse

        from waitlist.cdn import content_security_policy

        self.both(HttpResponse)
        settings.CONTENT_SECURITY_POLICY = content_security_policy(f"https://{CDN}")
        ours, theirs = self.both(HttpResponse)
        assert ours == theirs and f"https://{CDN}" in ours

    def test_a_views_own_policy_and_an_exemption_are_honoured(self):
        from django.http import HttpResponse

        def updated():
            response = HttpResponse()
            response._csp_update = {"img-src": ["https://img.example"]}  # type: ignore[attr-defined]
            return response

        def exempt():
            response = HttpResponse()
            response._csp_exempt = True  # type: ignore[attr-defined]
            return response

        ours, theirs = self.both(updated)
        assert ours == theirs and "https://img.example" in ours
        assert self.both(exempt) == [None, None]

    def test_a_request_that_made_a_nonce_gets_django_csps_handling(self, settings):
        from csp.constants import NONCE, SELF
        from django.http import HttpResponse

        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
        ours, theirs = self.both(HttpResponse, _csp_nonce="abc123")
        assert ours == theirs
        assert directives(ours)["script-src"] == ["'self'", "'nonce-abc123'"]
