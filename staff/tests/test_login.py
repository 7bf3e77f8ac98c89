"""Staff sign-in (throttled per client address) and sign-out."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(db, settings):
    # A fast hasher: these tests sign in a dozen times and check nothing about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # the rate-limit counters live in the cache
    yield User.objects.create_user("ann", password=PASSWORD, is_staff=True)
    cache.clear()


def sign_in(client, password: str, ip: str = "203.0.113.7"):
    data = {"username": "ann", "password": password, "next": "/search"}
    return client.post("/accounts/login/", data, REMOTE_ADDR=ip)


class TestLogin:
    def test_it_signs_staff_in_and_goes_to_next(self, client, staff):
        response = sign_in(client, PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == "/search"
        assert client.get("/search").status_code == 200

    def test_it_says_so_when_the_password_is_wrong(self, client, staff):
        response = sign_in(client, "wrong")
        assert response.status_code == 200
        assert b"Your username and password did not match" in response.content

    def test_it_refuses_a_client_after_too_many_attempts(self, client, staff, settings):
        settings.LOGIN_RATE_LIMIT = "3/m"
        for _ in range(3):
            assert sign_in(client, "wrong").status_code == 200
        response = sign_in(client, PASSWORD)  # even the right password, or guessing goes on
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        assert b"Too many sign-in attempts from your address." in response.content
        assert b'name="password"' in response.content  # the form is still there
        assert "_auth_user_id" not in client.session

    def test_it_counts_each_client_address_apart(self, client, staff, settings):
        settings.LOGIN_RATE_LIMIT = "3/m"
        for _ in range(4):
            sign_in(client, "wrong", ip="203.0.113.7")
        assert sign_in(client, PASSWORD, ip="198.51.100.2").status_code == 302

    def test_it_uses_the_address_the_trusted_proxy_saw(self, client, staff, settings):
        settings.LOGIN_RATE_LIMIT = "3/m"
        settings.TRUSTED_PROXY_COUNT = 1
        data = {"username": "ann", "password": "wrong"}
        for i in range(4):
            # the client varies the part it writes itself; the proxy's entry stays the same
            forged = f"10.0.0.{i}, 203.0.113.7"
            response = client.post("/accounts/login/", data, HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 429

    def test_it_counts_every_attempt_but_not_the_page(self, client, staff, settings):
        settings.LOGIN_RATE_LIMIT = "3/m"
        for _ in range(5):
            assert client.get("/accounts/login/").status_code == 200
        for _ in range(3):
            assert sign_in(client, PASSWORD).status_code == 302
            client.post("/accounts/logout/")
        assert sign_in(client, PASSWORD).status_code == 429

    def test_it_does_not_throttle_when_the_limit_is_off(self, client, staff, settings):
        settings.LOGIN_RATE_LIMIT = "off"
        for _ in range(12):
            assert sign_in(client, "wrong").status_code == 200

    def test_it_shows_the_form_to_anyone(self, client, staff):
        response = client.get("/accounts/login/?next=/search")
        assert response.status_code == 200
        assert b'<label for="id_username">Username</label>' in response.content


class TestLogout:
    def test_it_signs_staff_out(self, client, staff):
        sign_in(client, PASSWORD)
        page = client.get("/search").content.decode()
        assert '<a href="/search" aria-current="page">Dashboard</a>' in page
        assert '<form method="post" action="/accounts/logout/"' in page
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert client.get("/search")["Location"] == "/accounts/login/?next=/search"

    def test_it_signs_out_only_on_post(self, client, staff):
        sign_in(client, PASSWORD)
        assert client.get("/accounts/logout/").status_code == 405
        assert client.get("/search").status_code == 200

    def test_it_hides_the_staff_links_from_visitors(self, client, db):
        page = client.get("/").content.decode()
        assert "Dashboard" not in page
        assert "Sign out" not in page
