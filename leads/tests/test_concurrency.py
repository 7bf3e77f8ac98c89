"""Many clients sign up at once, with duplicates, against gunicorn: nothing lost, nothing twice."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import AppServer

pytestmark = pytest.mark.postgres

THREADS = 16
DISTINCT = 120
DOMAINS = ["x.com", "notx.com", "y.org", "x.com.au"]


def signup_session(server: AppServer) -> requests.Session:
    session = requests.Session()
    session.get(server.url + "/")
    session.headers.update(
        {"Accept": "application/json", "X-CSRFToken": session.cookies["csrftoken"]}
    )
    return session


def staff_session(server: AppServer) -> requests.Session:
    server.create_user("staff", "pw-staff-1")
    session = requests.Session()
    session.get(server.url + "/accounts/login/")
    token = session.cookies["csrftoken"]
    form = {"username": "staff", "password": "pw-staff-1", "csrfmiddlewaretoken": token}
    assert session.post(server.url + "/accounts/login/", data=form).ok
    return session


def hammer(server: AppServer) -> dict[str, bool]:
    """Posts each distinct email two or three times from THREADS threads; returns email->preview."""
    rng = random.Random(7)
    wanted = {f"user{i}@{DOMAINS[i % len(DOMAINS)]}": i % 3 == 0 for i in range(DISTINCT)}
    posts = [email for email in wanted for _ in range(rng.choice([2, 3]))]
    rng.shuffle(posts)
    sessions = [signup_session(server) for _ in range(THREADS)]

    def post(n: int) -> int:
        email = posts[n]
        # Upper-case copies are the same lead once normalised.
        shown = email.upper() if n % 2 else email
        data = {"name": f"N{n}", "email": shown, "previewAccess": "Yes" if wanted[email] else "No"}
        return sessions[n % THREADS].post(server.url + "/signup", data=data, timeout=30).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        codes = list(pool.map(post, range(len(posts))))
    assert codes == [200] * len(posts)
    return wanted


def stored_leads(staff: requests.Session, server: AppServer) -> list[dict]:
    items, url = [], server.url + "/api/leads?limit=200"
    while url:
        body = staff.get(url).json()
        items += body["items"]
        url = body["next"] and f"{server.url}/api/leads?limit=200&cursor={body['next']}"
    return items


def check_exact(server: AppServer, wanted: dict[str, bool], staff: requests.Session) -> None:
    items = stored_leads(staff, server)
    assert sorted(item["email"] for item in items) == sorted(wanted)
    assert all(item["preview"] == wanted[item["email"]] for item in items)

    domains = {row["domain"]: row for row in staff.get(server.url + "/api/domains").json()}
    per_domain = Counter(email.rpartition("@")[2] for email in wanted)
    yes = Counter(email.rpartition("@")[2] for email, preview in wanted.items() if preview)
    assert {d: r["total"] for d, r in domains.items()} == dict(per_domain)
    assert {d: r["preview_yes"] for d, r in domains.items()} == {d: yes[d] for d in per_domain}


class TestConcurrency:
    def test_concurrent_signups_with_duplicates_are_stored_once_and_counted_exactly(
        self, app_server
    ):
        server = app_server(workers=4, SIGNUP_RATE_LIMIT="off")
        wanted = hammer(server)
        check_exact(server, wanted, staff_session(server))
