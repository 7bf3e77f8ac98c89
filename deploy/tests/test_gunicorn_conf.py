"""deploy/gunicorn.conf.py and deploy/healthcheck.py: workers, shutdown budget, allowed hosts."""

import json
import os
import runpy
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from conftest import ROOT, free_port
from deploy.healthcheck import first_allowed_host

CONFIG = str(ROOT / "deploy" / "gunicorn.conf.py")


def load(monkeypatch, **env: str) -> dict:
    for name in (
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "ECS_CONTAINER_METADATA_URI_V4",
        "GUNICORN_BIND",
        "PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(CONFIG)


@pytest.fixture
def metadata() -> Iterator[str]:
    """The ECS task metadata endpoint (v4) of a task with one private address."""
    body = json.dumps({"Networks": [{"NetworkMode": "awsvpc", "IPv4Addresses": ["10.42.0.17"]}]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v4/container"
    server.shutdown()


class TestGunicornConf:
    def test_it_takes_workers_from_web_concurrency(self, monkeypatch):
        assert load(monkeypatch, WEB_CONCURRENCY="5")["workers"] == 5
        assert load(monkeypatch)["workers"] == 2

    def test_it_runs_threaded_workers_that_slow_clients_cannot_all_hold(self, monkeypatch):
        config = load(monkeypatch)
        assert (config["worker_class"], config["threads"]) == ("gthread", 8)
        # Idle and kept-alive connections wait in the worker's poller, not in a thread.
        assert config["worker_connections"] > config["threads"]

    def test_it_takes_threads_from_gunicorn_threads(self, monkeypatch):
        assert load(monkeypatch, GUNICORN_THREADS="4")["threads"] == 4

    def test_it_binds_all_interfaces_on_port_8000_by_default(self, monkeypatch):
        assert load(monkeypatch)["bind"] == ["0.0.0.0:8000"]

    def test_it_finishes_requests_before_ecs_kills_the_task(self, monkeypatch):
        config = load(monkeypatch)
        assert config["timeout"] <= config["graceful_timeout"] + 5
        assert config["graceful_timeout"] < config["ECS_STOP_TIMEOUT"]

    def test_it_keeps_connections_open_longer_than_the_load_balancer(self, monkeypatch):
        assert load(monkeypatch)["keepalive"] > 60

    def test_it_writes_heartbeats_to_a_tmpfs_and_logs_to_the_output(self, monkeypatch):
        config = load(monkeypatch)
        assert config["worker_tmp_dir"] == "/dev/shm"
        assert (config["accesslog"], config["errorlog"]) == ("-", "-")
        assert config["control_socket_disable"] is True  # it would want a writable $HOME

    def test_it_allows_the_task_address_that_the_load_balancer_checks(self, monkeypatch, metadata):
        monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "signup.example.com")
        load(monkeypatch, ECS_CONTAINER_METADATA_URI_V4=metadata)
        assert os.environ["DJANGO_ALLOWED_HOSTS"] == "signup.example.com,10.42.0.17"

    def test_it_leaves_the_hosts_alone_outside_ecs(self, monkeypatch):
        monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "signup.example.com")
        load(monkeypatch)
        assert os.environ["DJANGO_ALLOWED_HOSTS"] == "signup.example.com"

    def test_it_starts_even_when_the_metadata_endpoint_is_down(self, monkeypatch):
        monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "signup.example.com")
        load(monkeypatch, ECS_CONTAINER_METADATA_URI_V4=f"http://127.0.0.1:{free_port()}/v4")
        assert os.environ["DJANGO_ALLOWED_HOSTS"] == "signup.example.com"


class TestHealthcheck:
    def test_it_sends_the_first_allowed_host(self):
        assert first_allowed_host("signup.example.com,other.example.com") == "signup.example.com"

    def test_it_reads_the_labs_colon_separated_hosts(self):
        assert first_allowed_host("a.example.com:b.example.com") == "a.example.com"

    def test_it_turns_a_subdomain_wildcard_into_its_domain(self):
        assert first_allowed_host(".example.com") == "example.com"

    def test_it_falls_back_to_localhost(self):
        assert first_allowed_host("*") == "localhost"
        assert first_allowed_host("") == "localhost"
