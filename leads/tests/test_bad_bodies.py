"""Request bodies Django cannot read (a form in another charset than UTF-8, too many fields):
a clear 4xx with our security headers on every POST path, under gunicorn, never a bare 500."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from conftest import AppServer

# Every POST path: the visitor's, the joiner's behind a mail's link (a token nobody signed),
# the staff's, the API's, and none.
POST_PATHS = [
    "/signup",
    "/resend",
    "/confirm/not-a-token",
    "/me/not-a-token/preview",
    "/me/not-a-token/unsubscribe",
    "/me/not-a-token/delete",
    "/unsubscribe/not-a-token",
    "/accounts/login/",
    "/accounts/logout/",
    "/search/tokens",
    "/search/delete",
    "/search/invite",
    "/search/invite-next",
    "/search/revoke",
    "/api/invites",
    "/api/invites/redeem",
    "/nowhere",
]
# Where the body is readable: the forged token fails the CSRF check; no page, no check. The
# one-click unsubscribe takes no CSRF token (mail providers post it so): a token nobody signed
# is a bad link. The API takes no cookie either: no API token, no answer.
READABLE = {path: 403 for path in POST_PATHS}
READABLE |= {"/nowhere": 404, "/unsubscribe/not-a-token": 400}
READABLE |= {"/api/invites": 401, "/api/invites/redeem": 401}
OTHER_CHARSETS = ["latin-1", "iso-8859-1", "us-ascii", "utf-16", "cp1252", "utf-7"]
UTF8_ALIASES = ["utf8", "UTF-8", "utf_8"]
# Any 32 characters pass the cookie's format check, so the CSRF check goes on to read the body.
FORGED_COOKIE = {"Cookie": "csrftoken=" + "A" * 32}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.fixture
def server(app_server) -> AppServer:
    return app_server(workers=1)


def post(server: AppServer, path: str, content_type: str, body: str = "name=x"):
    headers = {**FORGED_COOKIE, "Content-Type": content_type}
    return requests.post(
        server.url + path, data=body, headers=headers, allow_redirects=False, timeout=10
    )


def missing_headers(response: requests.Response) -> list[str]:
    wrong = [
        name for name, value in SECURITY_HEADERS.items() if response.headers.get(name) != value
    ]
    if "default-src 'self'" not in response.headers.get("Content-Security-Policy", ""):
        wrong.append("Content-Security-Policy")
    return wrong


class TestFormCharsets:
    def test_a_form_in_another_charset_gets_415_with_our_headers_on_every_post_path(self, server):
        answers = {}
        for path in POST_PATHS:
            for charset in OTHER_CHARSETS:
                for form in ("application/x-www-form-urlencoded", "multipart/form-data"):
                    response = post(server, path, f"{form}; charset={charset}")
                    answers[(path, charset, form)] = (
                        response.status_code,
                        missing_headers(response),
                    )
        assert {key: answer for key, answer in answers.items() if answer != (415, [])} == {}

    def test_utf8_spelled_another_way_is_utf8_and_reaches_the_csrf_check(self, server):
        for path in POST_PATHS:
            for charset in UTF8_ALIASES:
                response = post(
                    server, path, f"application/x-www-form-urlencoded; charset={charset}"
                )
                answer = (response.status_code, missing_headers(response))
                assert answer == (READABLE[path], []), (path, charset)

    def test_a_signup_declared_as_utf8_is_taken(self, server):
        session = requests.Session()
        session.get(server.url + "/", timeout=10).raise_for_status()
        response = session.post(
            server.url + "/signup",
            data="name=Zo%C3%AB&email=zoe%40example.com&previewAccess=No",
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf8",
                "X-CSRFToken": session.cookies["csrftoken"],
                "Accept": "application/json",
            },
            timeout=10,
        )
        assert response.status_code == 200, response.text


class TestUnreadableBodies:
    def test_too_many_fields_get_400_with_our_headers_on_every_post_path(self, server):
        # Past DATA_UPLOAD_MAX_NUMBER_FIELDS Django refuses the body; the error pages must not
        # read it again (Django's own run the CSRF check, which does), or they fail in turn.
        body = "&".join(f"f{n}=x" for n in range(1500))
        for path in POST_PATHS:
            response = post(server, path, "application/x-www-form-urlencoded", body)
            expected = {"/nowhere": 404, "/api/invites": 401, "/api/invites/redeem": 401}.get(
                path, 400
            )
            assert (response.status_code, missing_headers(response)) == (expected, []), path


class TestErrorPages:
    @pytest.mark.parametrize("status", [400, 403, 404, 500])
    def test_they_never_read_the_body(self, rf, status):
        from django.urls import get_resolver

        request = rf.post("/signup", "name=x", "application/x-www-form-urlencoded; charset=latin-1")
        request.COOKIES["csrftoken"] = "A" * 32
        handler: Any = get_resolver().resolve_error_handler(status)  # what urls.py names
        response = handler(request) if status == 500 else handler(request, Exception())
        assert response.status_code == status
