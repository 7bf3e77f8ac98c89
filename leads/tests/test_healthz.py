"""GET /healthz: 200 when the app and its store answer, 503 when the store does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from leads.store import get_store


@pytest.fixture(autouse=True)
def _sql(db):
    get_store.cache_clear()


class HealthzTestCase:
    def test_it_answers_ok(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.content == b"ok\n"

    def test_it_answers_plain_http_in_production(self, client, settings):
        settings.SECURE_SSL_REDIRECT = True
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 301


class OutageTestCase:
    def test_it_answers_503_while_the_database_is_gone_and_recovers(self, app_server, tmp_path):
        server = app_server(workers=1)
        db_file = Path(server.env["DATABASE_URL"].removeprefix("sqlite:///"))
        signup = {"name": "Ann", "email": "ann@example.com", "previewAccess": "Yes"}
        session = requests.Session()
        session.get(server.url + "/")
        signup["csrfmiddlewaretoken"] = session.cookies["csrftoken"]
        headers = {"Accept": "application/json", "Referer": server.url + "/"}

        # A folder where the database file was cannot be opened: the store is down.
        db_file.rename(tmp_path / "away.sqlite3")
        db_file.mkdir()
        down = session.get(server.url + "/healthz")
        refused = session.post(server.url + "/signup", data=signup, headers=headers)
        page = session.post(server.url + "/signup", data=signup)

        db_file.rmdir()
        (tmp_path / "away.sqlite3").rename(db_file)
        up = session.get(server.url + "/healthz")
        accepted = session.post(server.url + "/signup", data=signup, headers=headers)

        assert down.status_code == 503
        assert refused.status_code == 503
        assert "try again" in refused.json()["error"]
        assert page.status_code == 503
        assert "Traceback" not in page.text
        assert b"try again" in page.content
        assert up.status_code == 200
        assert accepted.status_code == 200
