"""A loopback proxy that gives moto's server DynamoDB's physics, for tests and benchmarks.

Modelled, after the Amazon DynamoDB Developer Guide:

* "Transaction conflict handling in DynamoDB": while a TransactWriteItems is in flight (arrival
  to reply), another including one of its items fails with HTTP 400
  ``TransactionCanceledException`` (``CancellationReasons``, one per part in order: ``None``,
  ``TransactionConflict``, ``ThrottlingError``), a PutItem, UpdateItem or DeleteItem of such an
  item with HTTP 400 ``TransactionConflictException``.
* "Best practices for designing and using partition keys effectively": an item (its partition)
  takes at most 1,000 write units a second (here a sliding 1-second window per item); past it a
  write fails with HTTP 400 ``ProvisionedThroughputExceededException`` (botocore retries it as
  throttling), a transaction with ``ThrottlingError`` for the part. A write costs 1 WCU per
  started KB, a transaction 2 WCU/KB per part. Size estimate: the bytes of the compact JSON of
  the Item (Put), Key plus ExpressionAttributeValues (Update) or Key (Delete, ConditionCheck);
  type tags and quotes over-count a few bytes an attribute, and an update pays for what it
  sends, not for the item it grows (DynamoDB: the larger of before and after).
* The API Reference, TransactWriteItems, ClientRequestToken: a transaction sent again with the
  same token within 10 minutes is answered as the first one was, without being applied again
  (another request under that token: ``IdempotentParameterMismatchException``). moto ignores
  the token; botocore's retry of a transaction whose answer was lost relies on it.
* Latency: a TransactWriteItems is two round trips (prepare, commit), other calls one. moto's
  server is not atomic across threads (it undoes a transaction by restoring whole tables), so
  writes go to it one at a time, under a lock held only while talking to it, not in the latency.

Not modelled: partition splits, adaptive and burst capacity, reads (not serialised, like
DynamoDB's read-committed Query) and read capacity, table and account limits, BatchWriteItem's
items (serialised, neither charged nor refused). Requests without ``X-Amz-Target:
DynamoDB_20120810.*`` go through untouched: no latency, no accounting.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from loopback.physics import ERROR, TRANSACT, Physics, Write, refusal

TARGET = "DynamoDB_20120810."
PLAIN_WRITES = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete"}
WRITES = {*PLAIN_WRITES, TRANSACT, "BatchWriteItem"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}
Headers = CaseInsensitiveDict[str]


class DynamoPhysicsProxy:
    """A ThreadingHTTPServer on 127.0.0.1:port (0: a free one) before the moto server upstream."""

    def __init__(
        self, upstream: str, *, port: int = 0, latency_ms: float = 0.0, item_wcu_limit: int = 1000
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.physics = Physics(latency_ms, item_wcu_limit)
        self._session = requests.Session()
        self._session.trust_env = False  # loopback: never an environment's HTTP proxy
        self._upstream_lock = threading.Lock()
        self._schemas: dict[str, tuple[str, ...]] = {}
        self._answered: dict[str, tuple[float, bytes, requests.Response]] = {}  # by token
        server = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 128})  # bursts
        self._server = server(("127.0.0.1", port), type("Handler", (_Handler,), {"proxy": self}))
        self.url = "http://{}:{}".format(*self._server.server_address[:2])

    def start(self) -> DynamoPhysicsProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._session.close()

    def forward(
        self, method: str, path: str, headers: Headers, body: bytes, write: bool = False
    ) -> requests.Response:
        """One request upstream as it came; writes one at a time (see the docstring)."""
        url = self.upstream + path
        with self._upstream_lock if write else contextlib.nullcontext():
            return self._session.request(method, url, headers=headers, data=body, timeout=60)

    def answered(self, token: str, body: bytes) -> requests.Response | None:
        """The answer a transaction with this token and body had, within 10 minutes."""
        at, sent, reply = self._answered.get(token, (0.0, b"", None))
        if reply is None or time.monotonic() - at > 600:
            self._answered.pop(token, None)
            return None
        return reply if sent == body else None

    def _key_names(self, table: str, headers: Headers) -> tuple[str, ...] | None:
        if table not in self._schemas:
            asking = CaseInsensitiveDict({**headers, "X-Amz-Target": TARGET + "DescribeTable"})
            reply = self.forward("POST", "/", asking, json.dumps({"TableName": table}).encode())
            if not reply.ok:
                return None  # no such table, as upstream will say; the Item stands for its key
            schema = reply.json()["Table"]["KeySchema"]
            self._schemas[table] = tuple(key["AttributeName"] for key in schema)
        return self._schemas[table]

    def writes(self, op: str, request: dict[str, Any], headers: Headers) -> list[Write]:
        """The items a write touches, each with its write units, in the order of its parts."""
        if op in ("CreateTable", "DeleteTable"):
            self._schemas.pop(request.get("TableName", ""), None)
        parts = [(PLAIN_WRITES[op], request)] if op in PLAIN_WRITES else []
        if op == TRANSACT:
            parts = [next(iter(part.items())) for part in request.get("TransactItems", [])]
        found: list[Write] = []
        for kind, body in parts:  # sized: Put's Item, Update's Key and values, others' Key
            table, key = body.get("TableName", ""), body.get("Key") or body.get("Item", {})
            sized = {**key, **body.get("ExpressionAttributeValues", {})}
            if kind == "Put" and (names := self._key_names(table, headers)):
                key = {name: key[name] for name in names if name in key}
            kb = math.ceil(len(json.dumps(sized, separators=(",", ":"))) / 1024)
            item = f"{table} {json.dumps(key, sort_keys=True)}"
            found.append((item, (2 if op == TRANSACT else 1) * max(1, kb)))
        return found


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stalls
    proxy: DynamoPhysicsProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, headers: Headers, body: bytes) -> None:
        self.send_response_only(status)  # upstream's Date and Server, not ours
        for name, value in headers.items():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        head = self.command == "HEAD"
        length = headers.get("Content-Length", "0") if head else len(body)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(b"" if head else body)  # unbuffered: no flush

    def _json(self, status: int, document: Any) -> None:
        body = json.dumps(document).encode()
        crc, request_id = str(zlib.crc32(body)), str(uuid.uuid4())
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id}
        self._reply(status, CaseInsensitiveDict({**headers, "x-amz-crc32": crc}), body)

    def _control(self, body: bytes) -> None:
        physics, route = self.proxy.physics, f"{self.command} {self.path}"
        try:
            if route == "POST /_physics/config":
                physics.configure(**json.loads(body or b"{}"))
            elif route == "POST /_physics/reset":
                physics.reset()
            elif route != "GET /_physics/stats":
                return self._json(404, {"message": f"no {route}"})
        except (ValueError, TypeError) as exc:
            return self._json(400, {"message": f"config: {exc}"})
        self._json(200, dataclasses.asdict(physics.stats()))

    def _handle(self) -> None:
        proxy, physics = self.proxy, self.proxy.physics
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/_physics/"):
            return self._control(body)
        kept = ((k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP)
        headers: Headers = CaseInsensitiveDict(kept)
        op = headers.get("X-Amz-Target", "").removeprefix(TARGET)
        if op == headers.get("X-Amz-Target", ""):  # not DynamoDB: untouched
            reply = proxy.forward(self.command, self.path, headers, body)
            return self._reply(reply.status_code, reply.headers, reply.content)
        try:
            writes = proxy.writes(op, json.loads(body or b"{}"), headers)
        except (ValueError, AttributeError, TypeError, KeyError, StopIteration):
            writes = []  # malformed: moto answers it as DynamoDB would
        token = json.loads(body or b"{}").get("ClientRequestToken") if op == TRANSACT else None
        if token and (seen := proxy.answered(token, body)) is not None:
            return self._reply(seen.status_code, seen.headers, seen.content)
        if token and token in proxy._answered:
            mismatch = {"__type": ERROR + "IdempotentParameterMismatchException", "message": token}
            return self._json(400, mismatch)
        codes, held = physics.admit(op, writes)
        try:
            if codes is not None:
                time.sleep(physics.latency_ms / 1000)
                return self._json(400, refusal(op, codes))
            if op == TRANSACT:
                time.sleep(physics.latency_ms / 1000)  # the prepare
            reply = proxy.forward(self.command, self.path, headers, body, write=op in WRITES)
            if token and reply.ok:
                proxy._answered[token] = (time.monotonic(), body, reply)
            time.sleep(physics.latency_ms / 1000)  # the commit, or the call's one round trip
            self._reply(reply.status_code, reply.headers, reply.content)
        finally:
            physics.release(held)

    def do_GET(self) -> None:
        try:
            self._handle()
        except requests.RequestException as exc:
            self._json(502, {"message": f"upstream: {exc}"})

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="DynamoDB's physics in front of moto's server.")
    parser.add_argument("--upstream", required=True, help="the moto server's URL")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--item-wcu-limit", type=int, default=1000)
    args = parser.parse_args(argv)
    proxy = DynamoPhysicsProxy(args.upstream, port=args.port)
    proxy.physics.configure(args.latency_ms, args.item_wcu_limit)
    print(f"dynamo physics on {proxy.url} -> {proxy.upstream}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        proxy._server.serve_forever()


if __name__ == "__main__":
    main()
