"""The production gunicorn config under slow clients: the others are still served, shutdown fits.

These start gunicorn with deploy/gunicorn.conf.py itself (the app_server fixture in
leads/tests/conftest.py passes its own flags instead), on a copy of the migrated database.
"""

from __future__ import annotations

import re
import runpy
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import requests

from conftest import ROOT, AppServer

CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
ECS_STOP_TIMEOUT: int = runpy.run_path(str(CONFIG))["ECS_STOP_TIMEOUT"]
# A liveness bound only: the sync workers answered after their 30 s timeout killed them.
PROMPTLY = 10


@pytest.fixture
def server(app_server: Callable[..., AppServer]) -> AppServer:
    """gunicorn with the container's config and environment (WEB_CONCURRENCY=2, as the image)."""
    return app_server(workers=2)


@dataclass
class SlowClient:
    """One connection that sends its request slowly until `release()`, then the rest at once.

    `head` is sent a byte a second (a slow-loris); `body` is what a client that declared a
    longer Content-Length sends first, then nothing.
    """

    port: int
    head: bytes
    tail: bytes
    trickle: bool
    sock: socket.socket = field(init=False)
    thread: threading.Thread = field(init=False)
    released: threading.Event = field(default_factory=threading.Event)
    sent: threading.Event = field(default_factory=threading.Event)
    count: int = 0  # bytes of `head` sent so far

    def start(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port))
        self.thread = threading.Thread(target=self._send, daemon=True)
        self.thread.start()

    def _send(self) -> None:
        if self.trickle:
            for byte in self.head:
                self.sock.send(bytes([byte]))
                self.count += 1
                self.sent.set()
                if self.released.wait(1.0):
                    break
            else:
                raise AssertionError("ran out of bytes to trickle")
        else:
            self.sock.sendall(self.head)
            self.count = len(self.head)
            self.sent.set()
            self.released.wait()

    def unanswered(self) -> bool:
        """Open, and nothing from the server yet (no bytes, no EOF)."""
        try:
            self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        return False

    def release(self) -> str:
        """Sends the rest of the request; the status line of the answer."""
        self.released.set()
        self.thread.join(timeout=5)
        self.sock.sendall(self.head[self.count :] + self.tail)
        self.sock.settimeout(PROMPTLY)
        answer = self.sock.recv(65536).decode("latin-1")
        self.sock.close()
        return answer.split("\r\n", 1)[0]


def signup_body(token: str, email: str) -> bytes:
    return f"csrfmiddlewaretoken={token}&name=Slow&email={email}&previewAccess=No".encode()


def slow_clients(port: int, token: str) -> list[SlowClient]:
    """Two slow-loris connections (headers a byte a second) and two that stall in their body."""
    clients = []
    for _ in range(2):
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"p" * 200
        clients.append(SlowClient(port, head, b"\r\n\r\n", trickle=True))
    for n in range(2):
        body = signup_body(token, f"stalled{n}@example.com")
        head = (
            f"POST /signup HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: csrftoken={token}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode() + body[:10]
        clients.append(SlowClient(port, head, body[10:], trickle=False))
    return clients


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url + "/", timeout=PROMPTLY)
    page.raise_for_status()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, "the home page has no CSRF field"
    return match.group(1)


def hold(clients: list[SlowClient]) -> None:
    """Starts the slow clients and waits until the workers are reading them."""
    for client in clients:
        client.start()
    for client in clients:
        assert client.sent.wait(5)
    time.sleep(2.5)  # a few bytes trickled: the workers have accepted them and are reading


def stored_leads(server: AppServer) -> int:
    code = "from leads.store import get_store; print(get_store().total())"
    return int(server.manage("shell", "-v", "0", "-c", code).stdout.strip())


class TestSlowClients:
    @pytest.mark.postgres  # psycopg's connections, one a thread, as well as SQLite's
    def test_slow_clients_do_not_hold_back_health_checks_or_signups(self, server: AppServer):
        session = requests.Session()
        token = csrf_token(session, server.url)
        clients = slow_clients(server.port, token)
        hold(clients)

        health = requests.get(server.url + "/healthz", timeout=PROMPTLY)
        signup = session.post(
            server.url + "/signup",
            data={
                "csrfmiddlewaretoken": token,
                "name": "Prompt",
                "email": "prompt@example.com",
                "previewAccess": "Yes",
            },
            allow_redirects=False,
            timeout=PROMPTLY,
        )

        assert health.status_code == 200
        assert (signup.status_code, signup.headers["Location"]) == (302, "/thanks")
        # Both answers came while every slow client was still held: open and unanswered.
        assert [c.unanswered() for c in clients] == [True] * 4
        # Released, the slow requests are served as well: two health checks, two signups.
        statuses = [c.release() for c in clients]
        assert statuses == ["HTTP/1.1 200 OK"] * 2 + ["HTTP/1.1 302 Found"] * 2
        assert stored_leads(server) == 3
        # Nothing is held now: SIGTERM ends gunicorn at once, and cleanly.
        assert server.stop() < 5
        assert server.proc.returncode == 0

    def test_a_client_that_never_finishes_does_not_outlast_ecs_stop_timeout(
        self, server: AppServer
    ):
        stalled = slow_clients(server.port, "x" * 32)[2:3]
        hold(stalled)
        # The worker waits graceful_timeout for it, then the arbiter kills the worker; ECS would
        # send SIGKILL at its stopTimeout, so gunicorn has to be gone before that.
        took = server.stop()
        assert took < ECS_STOP_TIMEOUT
        assert server.proc.returncode == 0
