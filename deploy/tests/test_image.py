"""The image, built by a real container engine (podman) and run the way ECS runs the web task.

The Dockerfile is built once per session, unchanged, then run as the task definition runs it
(deploy/cloudformation/waitlist.yaml): a read-only root filesystem with a scratch volume on
/tmp only, the image's own user, the environment of a deploy without a certificate, and port
8000 published on 127.0.0.1. The one departure is the database: SQLite on the container's /tmp
instead of PostgreSQL, so the one-off `migrate` task runs inside the web container itself
(`podman exec`: the same image, user, environment and read-only root).

Skipped only where no engine is installed; ../shared/tools/container-engine installs one.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from conftest import free_port
from deploy.tests.conftest import ROOT

PODMAN = shutil.which("podman")
pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(
        PODMAN is None,
        reason="no container engine: podman is not installed "
        "(as root, ../shared/tools/container-engine installs it)",
    ),
]

# Written by ../shared/tools/container-engine: runc, cgroupfs, no default ulimits.
ENGINE_CONF = Path("/etc/containers/containers.conf.d-free.conf")
# Only the build steps see this machine's trust store (pip reaches the registry through it).
TRUST_STORE = Path("/etc/ssl/certs/ca-certificates.crt")
ECS_STOP_TIMEOUT = 30  # the task definition's StopTimeout, seconds from SIGTERM to SIGKILL
APP_UID = "10001"
WORKERS = 2  # WEB_CONCURRENCY: the template's default
DOMAIN = "waitlist.example.com"
BALANCER = "waitlist-web-123456789.us-east-1.elb.amazonaws.com"
# Paths podman itself creates in the container's layer before it makes the root read-only
# (/etc/mtab, /run/.containerenv); `podman diff` reports their folders as changed.
ENGINE_OWN = {"/etc", "/run"}
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")


def podman(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if "CONTAINERS_CONF" not in env and ENGINE_CONF.exists():
        env["CONTAINERS_CONF"] = str(ENGINE_CONF)
    result = subprocess.run(
        [PODMAN or "podman", *args], capture_output=True, text=True, timeout=timeout, env=env
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"podman {' '.join(args)} exited with {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def deploy_env() -> dict[str, str]:
    """The web task's environment (no certificate, so plain HTTP), with SQLite for the stores."""
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{DOMAIN},{BALANCER}",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_SECURE_COOKIES": "False",
        "SITE_URL": f"http://{BALANCER}",
        "TRUSTED_PROXY_COUNT": "1",
        "CACHE_URL": "db://django_cache",
        "LEADS_BACKEND": "sql",
        "DATABASE_URL": "sqlite:////tmp/waitlist.sqlite3",
        "AWS_REGION": "us-east-1",
        "WEB_CONCURRENCY": str(WORKERS),
    }


@dataclass(frozen=True)
class Container:
    name: str
    url: str

    def session(self) -> requests.Session:
        """A client that reaches the task as the load balancer does, for the site's domain."""
        client = requests.Session()
        client.headers["Host"] = DOMAIN
        # The balancer appends the visitor's address; TRUSTED_PROXY_COUNT=1 reads it.
        client.headers["X-Forwarded-For"] = "198.51.100.7"
        return client

    def inspect(self, template: str) -> str:
        return podman("inspect", "--format", template, self.name).stdout.strip()

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr


def start(image: str) -> Container:
    """`podman run` as ECS runs the web container, once /healthz answers 200 from the host."""
    name = f"waitlist-test-{uuid.uuid4().hex[:12]}"
    port = free_port()
    podman(
        "run",
        "--detach",
        f"--name={name}",
        "--read-only",
        # podman would also mount tmpfs on /run and /var/tmp; ECS mounts only the /tmp volume.
        "--read-only-tmpfs=false",
        "--tmpfs=/tmp:rw,mode=1777",
        f"--publish=127.0.0.1:{port}:8000",
        *(f"--env={key}={value}" for key, value in deploy_env().items()),
        image,
    )
    container = Container(name, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while True:
        try:
            if container.session().get(container.url + "/healthz", timeout=5).status_code == 200:
                return container
        except requests.RequestException:
            pass
        if container.inspect("{{.State.Running}}") != "true" or time.monotonic() > deadline:
            logs = container.logs()
            podman("rm", "--force", name, check=False)
            raise AssertionError(f"the container never answered /healthz:\n{logs[-4000:]}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def image() -> Iterator[str]:
    """The Dockerfile built as it stands, tagged for this session only and removed after it.

    Docker format, as `docker build` makes it for ECR: building podman's default OCI format
    drops the HEALTHCHECK (the OCI image config has no such field).
    Layers stay in the engine's cache, so the next session rebuilds only what changed.
    """
    tag = f"localhost/waitlist-test:{uuid.uuid4().hex[:12]}"
    mounts = [f"--volume={TRUST_STORE}:{TRUST_STORE}:ro"] if TRUST_STORE.exists() else []
    podman(
        "build",
        "--pull=missing",  # offline, the base is the stand-in that the engine script built
        "--network=host",
        "--format=docker",
        *mounts,
        f"--tag={tag}",
        str(ROOT),
        timeout=900,
    )
    yield tag
    podman("rmi", "--force", tag, check=False)


@pytest.fixture(scope="module")
def web(image: str) -> Iterator[Container]:
    """The web container, migrated as the deploy's one-off task does before it shifts traffic."""
    container = start(image)
    try:
        for command in (["migrate", "--no-input"], ["createcachetable"]):
            podman("exec", container.name, "python", "manage.py", *command)
        yield container
    finally:
        podman("rm", "--force", "--time=0", container.name, check=False)


class TestImage:
    def test_it_runs_as_the_images_user_on_a_read_only_root(
        self, image: str, web: Container
    ) -> None:
        assert podman("image", "inspect", "--format", "{{.User}}", image).stdout.strip() == (
            f"{APP_UID}:{APP_UID}"
        )
        assert podman("exec", web.name, "id", "-u").stdout.strip() == APP_UID
        assert podman("exec", web.name, "id", "-g").stdout.strip() == APP_UID
        # Every process, the gunicorn arbiter (PID 1) and its workers alike.
        users = podman("top", web.name, "huser").stdout.split()[1:]
        assert len(users) == 1 + WORKERS and set(users) == {APP_UID}
        assert web.inspect("{{.HostConfig.ReadonlyRootfs}}") == "true"

    def test_healthz_answers_200_from_the_host(self, web: Container) -> None:
        response = web.session().get(web.url + "/healthz", timeout=10)
        assert (response.status_code, response.text) == (200, "ok\n")

    def test_the_landing_page_links_hashed_static_files_it_serves(self, web: Container) -> None:
        client = web.session()
        page = client.get(web.url + "/", timeout=10)
        assert page.status_code == 200
        links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
        assert links and all(HASHED.search(link) for link in links), links
        for link in links:
            asset = client.get(web.url + link, timeout=10)
            assert asset.status_code == 200, link
            assert "immutable" in asset.headers["Cache-Control"], link

    def test_a_signup_is_stored_under_tmp(self, web: Container) -> None:
        client = web.session()
        page = client.get(web.url + "/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        response = client.post(
            web.url + "/signup",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "name": "Ada",
                "email": "ada@example.com",
                "previewAccess": "Yes",
            },
            headers={"Referer": f"http://{DOMAIN}/"},
            allow_redirects=False,
            timeout=10,
        )
        assert (response.status_code, response.headers.get("Location")) == (302, "/thanks")
        listing = podman("exec", web.name, "ls", "/tmp").stdout.split()
        assert "waitlist.sqlite3" in listing

    def test_the_images_healthcheck_passes(self, image: str, web: Container) -> None:
        check = json.loads(
            podman("image", "inspect", "--format", "{{json .HealthCheck}}", image).stdout
        )
        assert check and check["Test"] == ["CMD", "python", "deploy/healthcheck.py"], check
        result = podman("healthcheck", "run", web.name, check=False)
        assert result.returncode == 0, result.stdout + result.stderr + web.logs()[-4000:]
        # The probe's own request (urllib's agent), in the access log that ECS ships to CloudWatch.
        assert re.search(r'"GET /healthz HTTP/1.1" 200 .*"Python-urllib/', web.logs())

    def test_nothing_is_written_outside_tmp(self, web: Container) -> None:
        # Last in the class: after the migration, the requests, the signup and the health check.
        changes = json.loads(podman("diff", "--format=json", web.name).stdout or "{}")
        outside = [
            (kind, path)
            for kind, paths in changes.items()
            for path in paths or []
            if path != "/tmp"
            and not path.startswith("/tmp/")
            and not (kind == "changed" and path in ENGINE_OWN)
        ]
        assert outside == [], changes


class TestStop:
    def test_sigterm_ends_it_with_0_within_the_ecs_stop_timeout(
        self, image: str, record_property: Callable[[str, object], None]
    ) -> None:
        container = start(image)
        try:
            assert container.session().get(container.url + "/", timeout=10).status_code == 200
            started = time.monotonic()
            podman("kill", "--signal=TERM", container.name)
            try:
                code = podman("wait", container.name, timeout=ECS_STOP_TIMEOUT).stdout.strip()
            except subprocess.TimeoutExpired:
                pytest.fail(f"still running {ECS_STOP_TIMEOUT} s after SIGTERM (ECS would kill it)")
            elapsed = time.monotonic() - started
            record_property("sigterm_to_exit_seconds", round(elapsed, 2))
            print(f"SIGTERM to exit: {elapsed:.2f} s")
            logs = container.logs()
            assert code == "0", logs[-4000:]
            assert elapsed < ECS_STOP_TIMEOUT
            assert "Handling signal: term" in logs and "Shutting down: Master" in logs
        finally:
            podman("rm", "--force", "--time=0", container.name, check=False)
