"""GET / and GET /thanks: the landing page and the page after a plain form post."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(autouse=True)
def _db(db):
    pass


class TestHome:
    def test_it_shows_the_signup_form_with_the_lab_field_names(self, client):
        response = client.get("/")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'action="/signup"' in html
        for field in ('name="name"', 'name="email"', 'name="previewAccess"', 'value="Yes"'):
            assert field in html
        assert 'name="csrfmiddlewaretoken"' in html

    def test_every_input_has_a_label(self, client):
        html = client.get("/").content.decode()
        ids = re.findall(r'<input[^>]+id="([^"]+)"', html)
        assert ids
        for input_id in ids:
            assert f'for="{input_id}"' in html or input_id.startswith("id_preview")

    def test_it_links_nothing_from_a_third_party_host(self, client):
        html = client.get("/").content.decode()
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert urls
        assert all(url.startswith(("/", "#")) for url in urls), urls

    def test_it_works_on_a_phone(self, client):
        html = client.get("/").content.decode()
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in html

    def test_it_shows_no_staff_link_to_visitors(self, client):
        assert b"Dashboard" not in client.get("/").content

    def test_it_refuses_a_post(self, client):
        assert client.post("/").status_code == 405


class TestThanks:
    def test_it_thanks_the_visitor(self, client):
        response = client.get("/thanks")
        assert response.status_code == 200
        main = response.content.decode().partition("<main")[2]
        assert main.count("Thank you") == 1  # the heading, not again below it
