"""The shared rate-limit counters (waitlist/cache.py): exact when one client's requests arrive
together at several gunicorn workers, on SQLite and on PostgreSQL, with the default settings:
no CACHE_URL, and no step but `migrate` (which creates the cache's table)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import ROOT, AppServer

pytestmark = pytest.mark.postgres

THREADS = 12
LIMIT = 15
REQUESTS = 60


def shared_limit_server(app_server, **rates: str) -> AppServer:
    # A day's window: the test never straddles two windows.
    server = app_server(workers=4, **rates)
    assert "CACHE_URL" not in server.env  # the default: what a deployment gets by saying nothing
    return server


def sessions(server: AppServer, path: str) -> list[requests.Session]:
    made = []
    for _ in range(THREADS):
        session = requests.Session()
        session.get(server.url + path).raise_for_status()
        session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
        made.append(session)
    return made


def burst(server: AppServer, path: str, data) -> Counter:
    clients = sessions(server, "/" if path == "/signup" else path)

    def post(n: int) -> int:
        return clients[n % THREADS].post(server.url + path, data=data(n), timeout=60).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        return Counter(pool.map(post, range(REQUESTS)))


# Each process sleeps until the same moment, then increments as fast as it can.
INCREMENT = """
import os, time
from django.core.cache import cache
time.sleep(max(0, float(os.environ["START_AT"]) - time.time()))
for _ in range(int(os.environ["TIMES"])):
    cache.incr("hits")
"""


def increments_from_processes(server: AppServer, times: int, processes: int = 4) -> str:
    """`times` increments of one counter from each of `processes` processes at once, with the
    server's settings; the count read back afterwards."""
    server.manage("shell", "-c", "from django.core.cache import cache; cache.set('hits', 0)")
    env = {**server.env, "START_AT": str(time.time() + 4), "TIMES": str(times)}
    procs = [
        subprocess.Popen([sys.executable, "manage.py", "shell", "-c", INCREMENT], cwd=ROOT, env=env)
        for _ in range(processes)
    ]
    assert [proc.wait(timeout=120) for proc in procs] == [0] * processes
    read = "from django.core.cache import cache; print(cache.get('hits'))"
    return server.manage("shell", "-v", "0", "-c", read).stdout.strip()


class TestSharedRateLimit:
    def test_increments_from_processes_running_at_once_all_count(self, app_server):
        assert increments_from_processes(shared_limit_server(app_server), 150) == "600"

    def test_parallel_signups_from_one_address_get_exactly_the_limit(self, app_server):
        server = shared_limit_server(app_server, SIGNUP_RATE_LIMIT=f"{LIMIT}/d")
        codes = burst(
            server,
            "/signup",
            lambda n: {"name": "N", "email": f"u{n}@x.example", "previewAccess": "No"},
        )
        assert codes == {200: LIMIT, 429: REQUESTS - LIMIT}  # 200: the thanks page

    def test_parallel_sign_in_guesses_from_one_address_get_exactly_the_limit(self, app_server):
        server = shared_limit_server(app_server, LOGIN_RATE_LIMIT=f"{LIMIT}/d")
        server.create_user("ann", "the-right-one-1")
        codes = burst(
            server,
            "/accounts/login/",
            lambda n: {"username": "ann", "password": f"guess-{n}"},
        )
        assert codes == {200: LIMIT, 429: REQUESTS - LIMIT}
