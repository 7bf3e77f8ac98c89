"""DynamoDB's JSON API over keep-alive HTTP, signed by botocore: the road the store's calls take.

Why not a botocore client for these: at launch-day rates the web task is bound by its CPU, and a
botocore client spends about 2 ms of it on the signup's one UpdateItem (checking and
serialising the parameters against its model, a dozen event hooks, urllib3, parsing the answer
back through the model), more than all of Django's share of the request. The low-level API's
wire format is the JSON the store builds already, so here it goes as it is, over one
`http.client` connection per thread, about 0.4 ms (bench/RESULTS.md, "A signup's CPU").

What stays botocore's, since it is what botocore is for: the credentials (refreshed as they
expire: an ECS task role), the endpoint it resolves (`AWS_ENDPOINT_URL`, the region) and its CA
bundle. What is mirrored from it: the SigV4 signature of these requests (botocore's signer is
generic over every service and costs 0.3 ms a call here; `sign` is the documented algorithm
for this one shape of request, and the tests hold it to botocore's signer, byte for byte);
the "standard" retry mode, the same errors retried (botocore/retries/standard.py and
throttling.py) with the same jittered exponential backoff (1 s scale when throttled, 25 ms for
DynamoDB's transient errors); and the check of DynamoDB's `x-amz-crc32` header.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import random
import ssl
import threading
import time
import zlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError

TARGET = "DynamoDB_20120810."
THROTTLED = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
}  # fmt: skip
TRANSIENT_CODES = {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
TRANSIENT_STATUS = {500, 502, 503, 504}
MAX_BACKOFF = 20.0


class AwsError(Exception):
    """DynamoDB answered with an error; `response` is shaped as botocore's ClientError's."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        code = str(body.get("__type", "")).rpartition("#")[2] or f"HTTP{status}"
        message = str(body.get("message") or body.get("Message") or "")
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.status = status
        rest = {k: v for k, v in body.items() if k not in ("__type", "message", "Message")}
        self.response = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
            **rest,
        }

    @property
    def throttled(self) -> bool:
        return self.code in THROTTLED

    @property
    def transient(self) -> bool:
        return self.code in TRANSIENT_CODES or self.status in TRANSIENT_STATUS


class Unreachable(Exception):
    """No answer: the connection failed or timed out, or its answer was corrupted."""


def sign(
    headers: dict[str, str], body: bytes, credentials: Any, region: str, now: datetime
) -> dict[str, str]:
    """The headers with AWS Signature Version 4 added, for a POST to "/" of DynamoDB (AWS
    General Reference, "Create a signed AWS API request"): every header signed but the
    user agent, as botocore's SigV4Auth signs them; `credentials` are botocore's frozen ones."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    signed = {k.lower(): " ".join(v.split()) for k, v in headers.items()}
    signed["x-amz-date"] = stamp
    if credentials.token:
        signed["x-amz-security-token"] = credentials.token
    signed.pop("user-agent", None)
    order = sorted(signed)
    names = ";".join(order)
    canonical = "\n".join(
        ["POST", "/", "", *(f"{k}:{signed[k]}" for k in order), "", names,
         hashlib.sha256(body).hexdigest()]
    )  # fmt: skip
    scope = f"{stamp[:8]}/{region}/dynamodb/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{digest}"
    key = _signing_key(credentials.secret_key, stamp[:8], region)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out = dict(headers)
    out["X-Amz-Date"] = stamp
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    return out


@lru_cache(maxsize=8)
def _signing_key(secret: str, day: str, region: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (day, region, "dynamodb", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class Wire:
    """Signed JSON calls to one DynamoDB endpoint; thread-safe (a connection per thread)."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str,
        credentials: Any,
        ca_bundle: str | None,
        connect_timeout: float,
        read_timeout: float,
        attempts: int,
    ) -> None:
        url = urlsplit(endpoint_url)
        self.https = url.scheme == "https"
        self.host = url.hostname or ""
        self.port = url.port
        # The Host header as SigV4 signs it: the port only when it is not the scheme's own.
        self.netloc = url.netloc.removesuffix(":443" if self.https else ":80")
        self.region = region
        self.credentials = credentials
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.attempts = attempts
        self.tls = ssl.create_default_context(cafile=ca_bundle) if self.https else None
        self.local = threading.local()

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """One operation ("UpdateItem"), retried as botocore's standard mode retries."""
        body = json.dumps(params, separators=(",", ":")).encode()
        attempt = 0
        while True:
            try:
                return self._send(operation, body)
            except AwsError as e:
                if not (e.throttled or e.transient) or attempt == self.attempts - 1:
                    raise
                scale = 1.0 if e.throttled else 0.025
            except Unreachable:
                if attempt == self.attempts - 1:
                    raise
                scale = 0.025
            time.sleep(random.random() * min(scale * 2**attempt, MAX_BACKOFF))  # noqa: S311
            attempt += 1

    def _send(self, operation: str, body: bytes) -> dict[str, Any]:
        if self.credentials is None:
            raise Unreachable("no AWS credentials were found")
        try:
            frozen = self.credentials.get_frozen_credentials()
        except BotoCoreError as e:  # a role's credentials could not be refreshed
            raise Unreachable(f"credentials: {e}") from e
        headers = sign(self._headers(operation), body, frozen, self.region, datetime.now(UTC))
        connection = self._connection()
        try:
            connection.request("POST", "/", body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as e:
            # A dropped keep-alive connection, a refused one, a timeout: the next try opens
            # a new one. Whether a write went through is for its caller's retry to tell.
            connection.close()
            raise Unreachable(f"{type(e).__name__}: {e}") from e
        crc = answer.getheader("x-amz-crc32")
        if crc is not None and (not crc.isdigit() or int(crc) != zlib.crc32(data)):
            connection.close()
            raise Unreachable("the answer's CRC32 does not match its body")
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = None  # not DynamoDB's answer (a proxy's error page, say)
        if answer.status != 200:
            raise AwsError(answer.status, parsed if isinstance(parsed, dict) else {})
        if not isinstance(parsed, dict):
            raise Unreachable("the answer is not a JSON object")
        return parsed

    def _headers(self, operation: str) -> dict[str, str]:
        return {
            "Host": self.netloc,
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": TARGET + operation,
            "User-Agent": "waitlist",
        }

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self.local, "connection", None)
        if connection is None:
            connection = (
                http.client.HTTPSConnection(self.host, self.port, context=self.tls)
                if self.tls is not None
                else http.client.HTTPConnection(self.host, self.port)
            )
            connection.timeout = self.connect_timeout
            self.local.connection = connection
        if connection.sock is None:
            try:
                connection.connect()
            except OSError as e:
                connection.close()
                raise Unreachable(f"connect: {e}") from e
            # The connect timeout is the connection's; once it is open, reads get their own.
            assert connection.sock is not None
            connection.sock.settimeout(self.read_timeout)
        return connection
