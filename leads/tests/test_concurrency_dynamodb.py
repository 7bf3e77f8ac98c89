"""The concurrency test on the DynamoDB backend: gunicorn workers against moto's server.

moto's TransactWriteItems is not atomic across its request threads (a cancelled transaction
restores a copy of the whole table taken before it started, wiping concurrent writes), which
real DynamoDB, whose transactions are serializable, never does. So this test's emulator runs
one request at a time: a legal serialization of DynamoDB's semantics, while the app's side
(4 gunicorn workers, 16 client threads, duplicates racing) stays fully concurrent.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from conftest import MotoServer, wait_for
from leads.store.dynamodb import DynamoLeadStore
from leads.tests.test_concurrency import check_exact, hammer

SERIAL_MOTO = """
import sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler

dispatcher = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()

def serial(environ, start_response):
    with lock:
        return list(dispatcher(environ, start_response))

run_simple("127.0.0.1", int(sys.argv[1]), serial, threaded=True, request_handler=MotoRequestHandler)
"""


class SerialMotoServer(MotoServer):
    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERIAL_MOTO, str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.url + "/moto-api/", proc=self.proc)


@pytest.fixture
def serial_moto() -> Iterator[MotoServer]:
    server = SerialMotoServer()
    server.start()
    yield server
    server.stop()


class TestDynamoConcurrency:
    def test_concurrent_signups_with_duplicates_are_stored_once_and_counted_exactly(
        self, app_server, serial_moto, monkeypatch
    ):
        table = f"leads-{uuid.uuid4().hex[:12]}"
        server = app_server(
            workers=4,
            SIGNUP_RATE_LIMIT="off",
            LEADS_BACKEND="dynamodb",
            LEADS_TABLE=table,
            COUNTERS_TABLE=f"{table}-counters",
            AWS_ENDPOINT_URL=serial_moto.url,
        )
        server.manage("createtables")
        wanted = hammer(server)
        check_exact(server, wanted)

        monkeypatch.setenv("AWS_ENDPOINT_URL", serial_moto.url)
        store = DynamoLeadStore(leads_table=table, counters_table=f"{table}-counters")
        assert store.total() == len(wanted)
        assert sum(day.total for day in store.daily_counts()) == len(wanted)
        assert store.pending(limit=1000) == []  # each new lead was notified and marked once
