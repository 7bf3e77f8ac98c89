"""GET /robots.txt, /favicon.ico and /brand.css: the files a site is asked for by name."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _db(db):
    pass


class TestSiteFiles:
    def test_robots_txt_keeps_the_staff_pages_and_the_api_out_of_indexes(self, client):
        response = client.get("/robots.txt")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        lines = response.content.decode().splitlines()
        assert lines[:2] == ["User-agent: *", "Allow: /"]
        assert {"Disallow: /search", "Disallow: /accounts/", "Disallow: /api/"} <= set(lines)
        assert {"Disallow: /confirm/", "Disallow: /me/", "Disallow: /unsubscribe/"} <= set(lines)

    def test_favicon_ico_leads_to_the_hashed_icon(self, client):
        response = client.get("/favicon.ico")
        assert response.status_code == 302
        assert response["Location"].startswith("/static/leads/img/favicon.")
        assert client.get(response["Location"]).status_code == 200

    def test_every_page_links_the_icon_set(self, client):
        html = client.get("/").content.decode()
        assert 'rel="icon" href="/static/leads/img/favicon.' in html
        assert 'rel="icon" href="/static/leads/img/logo.' in html
        assert 'rel="apple-touch-icon" href="/static/leads/img/apple-touch-icon.' in html

    def test_brand_css_without_an_accent_changes_nothing(self, client):
        response = client.get("/brand.css")
        assert response["Content-Type"] == "text/css; charset=utf-8"
        assert response.content == b":root{}\n"
