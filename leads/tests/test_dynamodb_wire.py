"""The store's road to DynamoDB (leads/store/dynamodb/wire.py): its signature held to botocore's,
and the failures of the road itself (dropped connections, corrupted answers, error pages),
against moto's server over loopback."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.auth
import pytest
import requests
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from leads.store import StoreUnavailable
from leads.store.dynamodb import wire
from leads.tests.factories import lead
from loopback.faults import Fault, FaultyProxy, Request

NOW = datetime(2026, 12, 2, 14, 5, 9, tzinfo=UTC)
BODY = b'{"TableName":"t","Key":{"email":{"S":"ann@x.com"}}}'


@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize("host", ["dynamodb.eu-west-1.amazonaws.com", "127.0.0.1:4566"])
def test_the_signature_is_botocores(monkeypatch, token, host):
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    headers = {
        "Host": host,
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.GetItem",
        "User-Agent": "waitlist",
    }
    ours = wire.sign(headers, BODY, credentials.get_frozen_credentials(), "eu-west-1", NOW)

    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    theirs = AWSRequest("POST", f"https://{host}/", data=BODY, headers=dict(headers))
    botocore.auth.SigV4Auth(credentials, "dynamodb", "eu-west-1").add_auth(theirs)
    assert ours == dict(theirs.headers.items())
    assert ("X-Amz-Security-Token" in ours) is bool(token)


def test_a_changed_body_changes_the_signature():
    credentials = Credentials("AKID", "secret").get_frozen_credentials()
    headers = {"Host": "h", "X-Amz-Target": "DynamoDB_20120810.GetItem"}
    one = wire.sign(headers, BODY, credentials, "us-east-1", NOW)["Authorization"]
    other = wire.sign(headers, BODY + b" ", credentials, "us-east-1", NOW)["Authorization"]
    assert one != other


# --- the road's own failures, in front of moto ------------------------------------------------
on_dynamodb = pytest.mark.parametrize("store", ["dynamodb"], indirect=True)


@pytest.fixture
def point(store, monkeypatch):
    """Point the store's client at a loopback server."""

    def to(url: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        store.client.reset()

    return to


@on_dynamodb
def test_an_answer_with_a_wrong_crc32_is_tried_again(store, moto, point):
    corrupted = [2]

    def decide(request: Request) -> Fault | None:
        if request.operation != "UpdateItem" or not corrupted[0]:
            return None
        corrupted[0] -= 1
        return Fault(200, {}, headers={"x-amz-crc32": "12345"})

    proxy = FaultyProxy(moto.url, decide)
    try:
        point(proxy.url)
        assert store.add(lead("ann@x.com")) is True
        assert [r.operation for r in proxy.seen].count("UpdateItem") == 3
    finally:
        proxy.close()


@on_dynamodb
def test_an_outage_page_is_retried_then_unavailable(store, moto, point):
    proxy = FaultyProxy(moto.url, lambda request: Fault(503, {}))
    try:
        point(proxy.url)
        with pytest.raises(StoreUnavailable, match="HTTP503"):
            store.add(lead("ann@x.com"))
        assert len(proxy.seen) == 3  # the standard mode's attempts
    finally:
        proxy.close()


@on_dynamodb
def test_an_unexpected_error_is_not_retried(store, moto, point):
    denied = {"__type": "com.amazon.coral.service#AccessDeniedException", "message": "no"}
    proxy = FaultyProxy(moto.url, lambda request: Fault(400, denied))
    try:
        point(proxy.url)
        with pytest.raises(StoreUnavailable, match="AccessDeniedException: no"):
            store.add(lead("ann@x.com"))
        assert len(proxy.seen) == 1
    finally:
        proxy.close()


class Dropping(ThreadingHTTPServer):
    """A keep-alive server in front of moto that hangs up, unannounced, after each answer:
    what an idle connection's far end does after its timeout. With `tls`, over HTTPS."""

    def __init__(self, upstream: str, *, drop: bool = True, tls: ssl.SSLContext | None = None):
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(inner) -> None:
                self.requests += 1
                body = inner.rfile.read(int(inner.headers["Content-Length"]))
                headers = {k: v for k, v in inner.headers.items() if k.lower() != "host"}
                answer = requests.post(upstream, data=body, headers=headers, timeout=10)
                inner.send_response(answer.status_code)
                inner.send_header("Content-Length", str(len(answer.content)))
                inner.end_headers()
                inner.wfile.write(answer.content)
                inner.close_connection = drop  # and says nothing of it

            def log_message(inner, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.server_port}"


@on_dynamodb
def test_a_dropped_keep_alive_connection_is_opened_again(store, moto, point):
    server = Dropping(moto.url)
    try:
        point(server.url)
        for name in ("ann", "bob", "cat"):
            assert store.add(lead(f"{name}@x.com")) is True
        assert store.get("cat@x.com") is not None
        assert server.requests >= 4
    finally:
        server.shutdown()
        server.server_close()


@on_dynamodb
def test_through_a_proxy_the_calls_go_through_botocore(store, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    store.client.reset()
    assert store.client.wire is None
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    store.client.reset()
    assert store.client.wire is not None


def self_signed(directory) -> tuple[ssl.SSLContext, str]:
    """A server context for 127.0.0.1 and the path of its certificate, as a CA bundle."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)


@on_dynamodb
def test_over_https_the_certificate_is_checked_against_the_ca_bundle(
    store, moto, point, monkeypatch, tmp_path
):
    context, bundle = self_signed(tmp_path)
    server = Dropping(moto.url, drop=False, tls=context)
    try:
        # Not in botocore's bundle: the endpoint is refused, nothing is written.
        point(server.url)
        with pytest.raises(StoreUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            store.add(lead("ann@x.com"))
        assert server.requests == 0
        # AWS_CA_BUNDLE names it, as botocore reads it: the calls go through.
        monkeypatch.setenv("AWS_CA_BUNDLE", bundle)
        point(server.url)
        assert store.add(lead("ann@x.com")) is True
        assert store.get("ann@x.com") is not None
        assert server.requests == 2
    finally:
        server.shutdown()
        server.server_close()
