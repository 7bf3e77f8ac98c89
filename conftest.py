"""Shared fixtures: real services on loopback (moto's server, gunicorn, Chromium), never mocks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
import requests
from django.conf import settings

from leads.store import LeadStore, get_store

# SES on a moto server of its own (its fixtures live with the SES test helpers).
pytest_plugins = ["leads.tests.ses_outbox"]

ROOT = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError(url)


# --- static files, collected once as in production -----------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory) -> Iterator[Path]:
    """Pages render {% static %} through the manifest, so the tests collect once, like the image."""
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


# --- moto's server (DynamoDB, SNS, S3, ...) over HTTP -------------------------------------------
class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.url + "/moto-api/", proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # freeing the session's tables can take longer
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None

    def reset(self) -> None:
        requests.post(self.url + "/moto-api/reset", timeout=10)


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    server = MotoServer()
    server.start()
    os.environ["AWS_ENDPOINT_URL"] = server.url
    yield server
    os.environ.pop("AWS_ENDPOINT_URL", None)
    server.stop()


# --- the store port, on every backend -----------------------------------------------------------
STORE_BACKENDS = ["sql", "dynamodb"]


@pytest.fixture(params=STORE_BACKENDS)
def store(request, settings, db):
    """A fresh, empty store of each backend; the contract tests run once per backend.

    `db` is asked for statically on every backend: pytest-django sets the test database up
    only for tests whose fixtures name it, and Django's own tables are needed on all of them.
    On DynamoDB each test gets its own tables on the session's moto server, dropped afterwards.
    """
    get_store.cache_clear()
    settings.LEADS_BACKEND = request.param
    tables: tuple[str, ...] = ()
    if request.param == "dynamodb":
        server = request.getfixturevalue("moto")
        settings.LEADS_TABLE = f"leads-{uuid.uuid4().hex[:12]}"
        settings.COUNTERS_TABLE = f"{settings.LEADS_TABLE}-counters"
        tables = (settings.LEADS_TABLE, settings.COUNTERS_TABLE)
    store = get_store()
    if tables:
        store.setup()
        settle_before_counting(store)
    yield store
    # A client of its own: the test may have pointed the store's at a stopped endpoint.
    for table in tables:
        client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=server.url)
        client.delete_table(TableName=table)
    get_store.cache_clear()


def settle_before_counting(store: LeadStore) -> None:
    """Make every count read (and list: the day counters guide it) of this store wait until the
    counters hold every write so far.

    The DynamoDB backend counts from its table's stream, a moment behind the writes; in
    production the worker settles it every second. A test reads counts right after writing, so
    here each count settles first: the figures are still the tally's, only never stale.
    """
    for name in ("domain_counts", "daily_counts", "total", "search"):
        read = getattr(store, name)

        def settled(*args: Any, read: Callable[..., Any] = read, **kwargs: Any) -> Any:
            store.settle()
            return read(*args, **kwargs)

        setattr(store, name, settled)


# --- the app served by gunicorn, as in production -----------------------------------------------
def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result


def _server_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", **extra}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A migrated database that each app server copies: migrating once keeps the suite fast."""
    url = settings.DATABASES["default"]
    if url["ENGINE"].endswith("sqlite3"):
        template = f"sqlite:///{tmp_path_factory.mktemp('template') / 'db.sqlite3'}"
    else:
        template = _create_pg_database(url, "template_" + uuid.uuid4().hex[:12])
    _manage(_server_env(DATABASE_URL=template), "migrate", "--no-input")
    return template


def _create_pg_database(url: Mapping[str, Any], name: str, template: str | None = None) -> str:
    dsn = f"host={url['HOST']} port={url['PORT']} user={url['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"postgres://{url['USER']}@{url['HOST']}:{url['PORT']}/{name}"


def _copy_database(template: str, tmp_path: Path) -> str:
    """A new database with the template's tables: a copied SQLite file, or a PostgreSQL copy."""
    if template.startswith("sqlite:///"):
        target = tmp_path / f"db-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    name = "app_" + uuid.uuid4().hex[:12]
    return _create_pg_database(settings.DATABASES["default"], name, template.rpartition("/")[2])


class AppServer:
    def __init__(self, url: str, env: dict[str, str], proc: subprocess.Popen) -> None:
        self.url = url
        self.port = int(url.rpartition(":")[2])
        self.env = env
        self.proc = proc

    def manage(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return _manage({**self.env, **extra_env}, *args)

    def create_user(self, username: str, password: str, *, staff: bool = True) -> None:
        code = (
            "from django.contrib.auth.models import User; "
            f"User.objects.create_user({username!r}, password={password!r}, is_staff={staff})"
        )
        self.manage("shell", "-v", "0", "-c", code)

    def stop(self, timeout: float = 35) -> float:
        """SIGTERM, as ECS sends it; the seconds gunicorn took to exit."""
        start = time.monotonic()
        self.proc.terminate()
        self.proc.wait(timeout=timeout)
        return time.monotonic() - start


@pytest.fixture
def app_server(tmp_path, collected_static, migrated_database) -> Iterator[Callable[..., AppServer]]:
    """Starts gunicorn with the production config (deploy/gunicorn.conf.py) on a fresh database;
    call it with extra environment variables.

    A DATABASE_URL among them is migrated and used instead of a copy of the template.
    """
    yield from _app_servers(tmp_path, collected_static, migrated_database)


@pytest.fixture(scope="module")
def app_server_module(
    tmp_path_factory, collected_static, migrated_database
) -> Iterator[Callable[..., AppServer]]:
    """app_server, shared by a module's tests (for tests that only read what it holds)."""
    tmp_path = tmp_path_factory.mktemp("app")
    yield from _app_servers(tmp_path, collected_static, migrated_database)


def _app_servers(
    tmp_path: Path, collected_static: Path, migrated_database: str
) -> Iterator[Callable[..., AppServer]]:
    servers: list[AppServer] = []

    def start(workers: int = 3, **extra_env: str) -> AppServer:
        port = free_port()
        own_database = extra_env.pop("DATABASE_URL", None)
        env = _server_env(
            DATABASE_URL=own_database or _copy_database(migrated_database, tmp_path),
            SITE_URL=f"http://127.0.0.1:{port}",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(workers),
            GUNICORN_LOGLEVEL="warning",
            **{"STATIC_ROOT": str(collected_static), **extra_env},
        )
        env.pop("GUNICORN_THREADS", None)
        if own_database:
            _manage(env, "migrate", "--no-input")
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "waitlist.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log
        )
        server = AppServer(f"http://127.0.0.1:{port}", env, proc)
        servers.append(server)
        wait_for(server.url + "/healthz", proc=proc)
        return server

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


# --- a real browser ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    """Chromium, for one test module. Playwright's sync API keeps its event loop set as running
    in the main thread while it is open, and Django then refuses the ORM there (an "async
    context"): a browser kept for the whole session broke every database test that a worker of
    pytest-xdist ran after a browser module (run alone, pytest-django runs those first)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
