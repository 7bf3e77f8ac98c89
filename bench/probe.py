"""A bounded re-run of the outside probe's findings: bad bodies, bad values, crafted cursors.

    .venv/bin/python bench/probe.py [--workers 2]

Serves production settings with gunicorn on loopback (a fresh SQLite database, a staff user
and an API token), then sends every declared charset to every POST path, hostile values to
every signup, search and API parameter, and crafted cursors; it counts the 5xx answers and the
answers that lack our security headers (but gunicorn's own 414 for a request line over 4094
bytes, which never reaches Django). Exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHARSETS = ["utf8", "latin-1", "iso-8859-1", "us-ascii", "utf-16", "cp1252", "utf-7", "bogus"]
FORMS = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]
POST_PATHS = [
    "/signup",
    "/accounts/login/",
    "/accounts/logout/",
    "/search/tokens",
    "/search/delete",
]
VALUES = [
    "a\x00b", "\u2028Email: x@y.z", "\u202e", "\r\nSet-Cookie: x=1", "' OR 1=1--",
    '"><script>alert(1)</script>', "%00", "x" * 5000, "..%2f..%2f", "//evil.example",
    "\x85", "\x0b\x0c", "${7*7}", "{{7*7}}", "a@b@c", "0", "-1", "1e400",
]  # fmt: skip
GET_PARAMS = {"/search": ["domain", "preview", "cursor", "limit", "sort", "page", "back"]}
GET_PARAMS["/search/export.csv"] = ["domain", "preview"]
GET_PARAMS["/api/leads"] = ["domain", "preview", "cursor", "limit"]


def cursors() -> Iterator[str]:
    positions: list[object] = [
        {"t": "2026-12-01T00:00:00+00:00", "e": "a\x00b"},
        {"t": "2026-12-01T00:00:00+00:00", "e": "a\u2028b"},
        {"t": "0001-01-01T00:00+14:00", "e": "a@b"},
        {"m": "day", "d": "2026-12-01\x00", "k": None},
        {"m": "domain", "k": {"email": "\x00", "domain": "x", "sort_key": "\x00"}},
        [[[[[]]]]],
        "x",
    ]
    for position in positions:
        raw = json.dumps(position).encode()
        yield base64.urlsafe_b64encode(raw).decode().rstrip("=")
    yield base64.urlsafe_b64encode(b"[" * 5000).decode()


def serve(workers: int, folder: Path) -> tuple[subprocess.Popen, str, str]:
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_SECURE_COOKIES": "False",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        # Every hostile value must reach the form, not stop at the limit (its own tests have it).
        "SIGNUP_RATE_LIMIT": "off",
        "LOGIN_RATE_LIMIT": "off",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    for args in (["migrate", "--no-input"], ["collectstatic", "--no-input", "-v", "0"]):
        subprocess.run([*manage, *args], cwd=ROOT, env=env, check=True, capture_output=True)
    code = (
        "from django.contrib.auth.models import User; from api import tokens; "
        "u = User.objects.create_user('probe', password='probe-password-1', is_staff=True); "
        "print(tokens.issue(u, 'probe'))"
    )
    made = subprocess.run(
        [*manage, "shell", "-v", "0", "-c", code], cwd=ROOT, env=env, check=True, text=True,
        capture_output=True,
    )  # fmt: skip
    with socket_port() as port:
        url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "waitlist.wsgi", f"--bind=127.0.0.1:{port}", f"--workers={workers}",
         "--log-level=warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    return proc, url, made.stdout.strip()


class socket_port:
    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def probe(url: str, token: str) -> tuple[Counter, list[str]]:
    codes: Counter = Counter()
    bad: list[str] = []

    def record(what: str, response: requests.Response) -> None:
        codes[response.status_code] += 1
        headers = response.headers
        if response.status_code == 414:
            return  # gunicorn's own limit on the request line (4094 bytes), before Django
        if response.status_code >= 500 or headers.get("X-Content-Type-Options") != "nosniff":
            bad.append(f"{response.status_code} {what}")
        elif "Content-Security-Policy" not in headers:
            bad.append(f"{response.status_code} no CSP: {what}")

    staff = requests.Session()
    staff.get(url + "/accounts/login/", timeout=10)
    staff.post(
        url + "/accounts/login/",
        data={"username": "probe", "password": "probe-password-1"},
        headers={"X-CSRFToken": staff.cookies["csrftoken"]},
        timeout=10,
    )
    forged = {"Cookie": "csrftoken=" + "A" * 32}
    for path in POST_PATHS:
        for form in FORMS:
            for charset in CHARSETS:
                headers = {**forged, "Content-Type": f"{form}; charset={charset}"}
                what = f"POST {path} {form}; charset={charset}"
                record(what, requests.post(url + path, "name=x", headers=headers, timeout=10))
    fields = {"name": "Ann", "email": "ann@example.com", "previewAccess": "No", "website": ""}
    signup = requests.Session()
    signup.get(url + "/", timeout=10)
    for field in fields:
        for value in VALUES:
            data = {**fields, field: value}
            headers = {"X-CSRFToken": signup.cookies["csrftoken"]}
            response = signup.post(url + "/signup", data=data, headers=headers, timeout=10)
            record(f"POST /signup {field}={value[:20]!r}", response)
    bearer = {"Authorization": f"Bearer {token}"}
    for path, params in GET_PARAMS.items():
        for param in params:
            for value in [*VALUES, *cursors()]:
                client, extra = (requests, bearer) if path.startswith("/api/") else (staff, {})
                response = client.get(url + path, params={param: value}, headers=extra, timeout=30)
                record(f"GET {path} {param}={value[:20]!r}", response)
    return codes, bad


def wait_until_up(url: str, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            requests.get(url + "/healthz", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError(url)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        proc, url, token = serve(args.workers, Path(folder))
        try:
            wait_until_up(url, proc)
            codes, bad = probe(url, token)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    print(f"requests: {sum(codes.values())}  by status: {dict(sorted(codes.items()))}")
    print(f"5xx: {sum(n for code, n in codes.items() if code >= 500)}  without our headers or 5xx:")
    print("\n".join(bad) or "  none")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
