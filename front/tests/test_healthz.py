"""GET /healthz: 200 when the app and its store answer, 503 when the store does not."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

from conftest import free_port
from leads.store import get_store


@pytest.fixture(autouse=True)
def _sql(db):
    get_store.cache_clear()


class PostgresCluster:
    """A PostgreSQL server of the test's own, to stop and start under a running app."""

    def __init__(self) -> None:
        # Not under pytest's tmp_path: the postgres user cannot enter root's private folders.
        folder = Path(tempfile.mkdtemp(prefix="waitlist-pg-"))
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgres://waitlist@127.0.0.1:{self.port}/postgres"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self.as_postgres:
            shutil.chown(folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "waitlist", "--auth=trust")

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self.as_postgres, str(self.bin / tool), *args]
        subprocess.run(cmd, check=True, capture_output=True)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data.parent / "log"), "-w",
                  "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        cmd = [*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate"]
        subprocess.run([*cmd, "stop"], capture_output=True)  # it may be stopped already
        shutil.rmtree(self.data.parent, ignore_errors=True)


class TestHealthz:
    def test_it_answers_ok(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.content == b"ok\n"

    def test_it_answers_plain_http_in_production(self, client, settings):
        settings.SECURE_SSL_REDIRECT = True
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 301


class TestOutage:
    def test_it_answers_503_while_the_database_is_down_and_recovers(self, app_server):
        cluster = PostgresCluster()
        cluster.start()
        try:
            self.check_outage_and_recovery(app_server, cluster)
        finally:
            cluster.remove()

    def check_outage_and_recovery(self, app_server, cluster: PostgresCluster) -> None:
        server = app_server(workers=1, DATABASE_URL=cluster.url)
        session = requests.Session()
        session.get(server.url + "/")
        signup = {"name": "Ann", "email": "ann@example.com", "previewAccess": "Yes"}
        signup["csrfmiddlewaretoken"] = session.cookies["csrftoken"]
        as_json = {"Accept": "application/json"}
        assert session.get(server.url + "/healthz").status_code == 200

        cluster.stop()
        down = session.get(server.url + "/healthz")
        refused = session.post(server.url + "/signup", data=signup, headers=as_json)
        page = session.post(server.url + "/signup", data=signup)

        cluster.start()
        up = session.get(server.url + "/healthz")
        accepted = session.post(server.url + "/signup", data=signup, headers=as_json)

        assert down.status_code == 503
        assert refused.status_code == 503
        assert "try again" in refused.json()["error"]
        assert page.status_code == 503
        assert "Traceback" not in page.text
        assert "try again" in page.text
        assert up.status_code == 200
        assert accepted.status_code == 200
