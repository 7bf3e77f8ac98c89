"""Amazon SES on moto's server: a verified sender, the mails SES took (read back from moto's
data.json), and a proxy in front of moto that answers chosen sends with SES's errors."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Callable
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import requests

from conftest import free_port

SENDER = "hello@waitlist.example"
# What SES answers: v2 (REST JSON) names the error in x-amzn-ErrorType.
THROTTLED = (429, "TooManyRequestsException", "Maximum sending rate exceeded.")
QUOTA = (400, "LimitExceededException", "Daily message quota exceeded.")
OUTAGE = (503, "ServiceUnavailable", "Service unavailable.")


def not_verified(address: str) -> tuple[int, str, str]:
    return (
        400,
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region "
        f"US-EAST-1: {address}",
    )


class SesOutbox:
    """The mails moto's SES has taken since this outbox was made."""

    def __init__(self, endpoint: str, sender: str = SENDER) -> None:
        self.endpoint = endpoint
        client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=endpoint)
        client.create_email_identity(EmailIdentity=sender)
        self.seen = len(self._raw())

    def _raw(self) -> list[dict]:
        data = requests.get(f"{self.endpoint}/moto-api/data.json", timeout=10).json()
        return data["ses"]["RawMessage"]

    def read(self) -> list[EmailMessage]:
        """Each mail as SES received it (moto keeps the raw MIME of a raw send)."""
        return [
            email.message_from_string(raw["raw_data"], policy=email.policy.default)
            for raw in self._raw()[self.seen :]
        ]


Fault = tuple[int, str, str]


class FaultySes:
    """An HTTP proxy to moto; `fault(recipients, call)` may answer a SendEmail with an error
    (status, code, message) instead of passing it on. Every other call goes through."""

    def __init__(self, upstream: str, fault: Callable[[list[str], int], Fault | None]) -> None:
        self.upstream, self.fault = upstream, fault
        self.sends = 0  # SendEmail calls that reached the proxy
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                if self.path.endswith("/outbound-emails"):
                    proxy.sends += 1
                    to = json.loads(body).get("Destination", {}).get("ToAddresses", [])
                    error = proxy.fault(to, proxy.sends)
                    if error:
                        status, code, message = error
                        self.reply(status, json.dumps({"message": message}).encode(), code)
                        return
                answer = requests.post(
                    proxy.upstream + self.path, data=body, headers=headers, timeout=10
                )
                kind = answer.headers.get("Content-Type", "application/json")
                self.reply(answer.status_code, answer.content, kind=kind)

            def reply(
                self, status: int, body: bytes, error: str = "", kind: str = "application/json"
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
