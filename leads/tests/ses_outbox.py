"""Amazon SES on moto's server: its own server and the fixtures that point SES at it (a plugin
of the root conftest), a verified sender, the mails SES took (read back from moto's data.json),
and a proxy in front of moto that answers chosen sends with SES's errors."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import boto3
import pytest
import requests

from conftest import MotoServer
from loopback.faults import Fault, FaultyProxy, Request

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


@pytest.fixture(scope="session")
def ses_moto() -> Iterator[MotoServer]:
    """A moto server for SES alone. Tests read the mails back from its /moto-api/data.json,
    which serialises every object the server has made since it started: on the shared server
    that is the whole session's (a read took seconds, then timed out, late in the suite)."""
    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ses_at(monkeypatch) -> Callable[[str], None]:
    """Point SES (only: DynamoDB and SNS keep their endpoint) at a URL, for boto3 clients made
    from now on: the mail (django-anymail: SES v2) and the send rate (GetSendQuota: v1)."""

    def point(url: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SES", url)

    return point


@pytest.fixture
def ses_server(ses_moto, ses_at) -> MotoServer:
    """SES on its own moto server, for this test."""
    ses_at(ses_moto.url)
    return ses_moto


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


SesFault = tuple[int, str, str]  # status, SES's error code, message


class FaultySes(FaultyProxy):
    """A proxy to moto; `fault(recipients, call)` may answer a SendEmail with an error
    (status, code, message) instead of passing it on. Every other call goes through."""

    def __init__(self, upstream: str, fault: Callable[[list[str], int], SesFault | None]) -> None:
        def decide(request: Request) -> Fault | None:
            if not request.path.endswith("/outbound-emails"):
                return None
            to = request.json().get("Destination", {}).get("ToAddresses", [])
            error = fault(to, self.sends)
            if error is None:
                return None
            status, code, message = error
            return Fault(status, {"message": message}, {"x-amzn-ErrorType": code})

        super().__init__(upstream, decide)

    @property
    def sends(self) -> int:
        """SendEmail calls that reached the proxy."""
        return sum(request.path.endswith("/outbound-emails") for request in self.seen)
