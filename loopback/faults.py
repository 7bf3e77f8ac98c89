"""A loopback proxy in front of moto's server that answers chosen requests with an error: the
faults moto never makes (throttling, outages, answers lost on the way back), for tests.

`decide(request)` sees each request and returns a Fault to answer it with, or None to pass it
on. A Fault that is `forwarded` reaches upstream first: the work is done, its answer is lost.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def operation(self) -> str:
        """The JSON protocol's operation (X-Amz-Target's last part), or ""."""
        return self.headers.get("X-Amz-Target", "").rpartition(".")[2]

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass(frozen=True)
class Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    forwarded: bool = False


class FaultyProxy:
    def __init__(self, upstream: str, decide: Callable[[Request], Fault | None]) -> None:
        self.upstream, self.decide = upstream.rstrip("/"), decide
        self.seen: list[Request] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                request = Request(self.command, self.path, headers, body)
                proxy.seen.append(request)
                fault = proxy.decide(request)
                if fault is None or fault.forwarded:
                    answer = proxy.forward(request)
                if fault is None:
                    kind = answer.headers.get("Content-Type", "application/json")
                    self.reply(answer.status_code, answer.content, {"Content-Type": kind})
                else:
                    kind = headers.get("Content-Type", "application/json")
                    reply_headers = {"Content-Type": kind, **fault.headers}
                    self.reply(fault.status, json.dumps(fault.body).encode(), reply_headers)

            do_GET = do_PUT = do_DELETE = do_POST

            def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def forward(self, request: Request) -> requests.Response:
        url = self.upstream + request.path
        return requests.request(
            request.method, url, data=request.body, headers=request.headers, timeout=10
        )
