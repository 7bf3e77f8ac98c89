"""DynamoDB stops in the middle of a run: 503s with a clear message, then recovery, no restart."""

from __future__ import annotations

import uuid

import pytest
import requests

from conftest import MotoServer

SIGNUP = {"name": "Ann", "previewAccess": "Yes"}


def signup(session: requests.Session, url: str, email: str, **headers: str) -> requests.Response:
    data = {**SIGNUP, "email": email, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    return session.post(url + "/signup", data=data, headers={"Referer": url + "/", **headers})


class TestDynamoOutage:
    # The rate limits in Django's database, and in DynamoDB as the stack keeps them: then the
    # outage reaches the signup at its rate limit, before the store is asked.
    @pytest.mark.parametrize("cache_url", ["db://django_cache", "dynamodb://"])
    def test_it_answers_503_while_dynamodb_is_down_and_recovers_without_a_restart(
        self, app_server, cache_url
    ):
        emulator = MotoServer()  # its own, so that stopping it disturbs no other test
        emulator.start()
        try:
            table = f"leads-{uuid.uuid4().hex[:12]}"
            server = app_server(
                workers=1,
                LEADS_BACKEND="dynamodb",
                LEADS_TABLE=table,
                COUNTERS_TABLE=f"{table}-counters",
                AWS_ENDPOINT_URL=emulator.url,
                CACHE_URL=cache_url,
            )
            server.manage("createtables")
            session = requests.Session()
            session.get(server.url + "/")
            before = signup(session, server.url, "ann@x.com", Accept="application/json")

            emulator.stop()
            health_down = session.get(server.url + "/healthz")
            refused = signup(session, server.url, "bob@x.com", Accept="application/json")
            page = signup(session, server.url, "bob@x.com")

            emulator.start()  # same port, empty: the operator recreates the tables
            server.manage("createtables")
            health_up = session.get(server.url + "/healthz")
            accepted = signup(session, server.url, "bob@x.com", Accept="application/json")
            counted = server.manage(
                "shell",
                "-c",
                "from leads.store import get_store as g; g().settle(); print(g().total())",
            )
        finally:
            emulator.stop()

        assert before.status_code == 200
        assert health_down.status_code == 503
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "30"
        assert "try again" in refused.json()["error"]
        assert page.status_code == 503
        assert "try again" in page.text
        assert "Traceback" not in page.text
        assert health_up.status_code == 200
        assert accepted.status_code == 200
        assert counted.stdout.splitlines()[-1] == "1"
