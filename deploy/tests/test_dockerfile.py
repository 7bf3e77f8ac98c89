"""The Dockerfile: its properties, and its runtime stage replayed in a folder.

There is no Docker engine on the test machines, so the build is simulated: the runtime
stage's COPY, ENV and RUN instructions (all but the one adding the user account) are replayed
into a temporary folder, with this virtualenv standing in for /opt/venv; then its CMD and
HEALTHCHECK run there exactly as written.
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import requests

from conftest import ROOT, free_port, wait_for

BIN = Path(sys.executable).parent
VENV = BIN.parent


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def runtime_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def allowed_by_dockerignore() -> set[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return {line[1:].rstrip("/") for line in lines if line.startswith("!")}


class TestDockerfile:
    def test_it_passes_hadolint(self):
        result = subprocess.run(
            [str(BIN / "hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True
        )
        assert (result.returncode, result.stdout) == (0, "")

    def test_it_builds_in_two_stages_on_slim_python(self):
        bases = [args for op, args in instructions() if op == "FROM"]
        assert bases == ["python:3.11-slim-bookworm AS builder", "python:3.11-slim-bookworm"]
        copies = [args for op, args in runtime_stage() if op == "COPY"]
        assert copies[0] == "--from=builder /opt/venv /opt/venv"

    def test_it_installs_exactly_the_lock(self):
        runs = " ".join(args for op, args in instructions() if op == "RUN")
        assert "pip install --no-deps -r /tmp/prod.txt" in runs
        assert ("COPY", "requirements/prod.txt /tmp/prod.txt") in instructions()

    def test_it_runs_as_a_non_root_user(self):
        users = [args for op, args in instructions() if op == "USER"]
        uid, _, gid = users[-1].partition(":")
        assert int(uid) >= 1000 and int(gid) >= 1000
        assert [op for op, _ in runtime_stage()].index("USER") < len(runtime_stage()) - 1

    def test_it_starts_gunicorn_in_exec_form_with_its_config(self):
        (cmd,) = [args for op, args in instructions() if op == "CMD"]
        assert json.loads(cmd) == [
            "gunicorn",
            "--config",
            "deploy/gunicorn.conf.py",
            "waitlist.wsgi",
        ]

    def test_it_checks_health_in_exec_form(self):
        (check,) = [args for op, args in instructions() if op == "HEALTHCHECK"]
        command = json.loads(check.split("CMD", 1)[1])
        assert command == ["python", "deploy/healthcheck.py"]

    def test_it_bakes_no_secret_into_the_image(self):
        for op, args in instructions():
            if op in ("ENV", "ARG", "LABEL"):
                assert not re.search(r"SECRET|PASSWORD|TOKEN|KEY", args, re.I), args
        # The build-time key lives on the RUN line only, and is not one settings would use.
        (run,) = [args for op, args in runtime_stage() if op == "RUN" and "collectstatic" in args]
        assert "DJANGO_SECRET_KEY=build-only-" in run
        assert ".env" not in allowed_by_dockerignore()
        assert (ROOT / ".dockerignore").read_text().splitlines()[1] == "*"

    def test_it_sends_only_what_the_image_copies(self):
        sources = set()
        for op, args in instructions():
            if op == "COPY" and not args.startswith("--from"):
                sources |= set(args.split()[:-1])
        assert sources <= allowed_by_dockerignore()


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """The runtime stage replayed: COPY into /app, ENV applied, the app's RUN executed."""
    app = tmp_path_factory.mktemp("image") / "app"
    app.mkdir()
    env = {**os.environ}
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "STATIC_ROOT", "DATABASE_URL"):
        env.pop(name, None)
    for op, args in runtime_stage():
        if op == "ENV":
            for assignment in shlex.split(args):
                name, _, value = assignment.partition("=")
                env[name] = value.replace("/opt/venv", str(VENV)).replace("$PATH", env["PATH"])
        elif op == "COPY" and not args.startswith("--from"):
            *sources, target = args.split()
            for source in sources:
                destination = app / target if target.endswith("/") or len(sources) > 1 else app
                if target not in ("./", "."):
                    destination = app / target
                path = ROOT / source
                if path.is_dir():
                    shutil.copytree(
                        path, destination, ignore=shutil.ignore_patterns("__pycache__", "tests")
                    )
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, destination / path.name)
        elif op == "RUN" and "manage.py" in args:
            subprocess.run(["sh", "-c", args], cwd=app, env=env, check=True)
        elif op == "RUN":  # system setup (the user account) is not replayed on this machine
            assert args.startswith("groupadd "), args
    (app.parent / "env.json").write_text(json.dumps(env))
    return app


class TestImage:
    def test_it_has_the_locked_versions(self):
        pins = re.findall(
            r"^([\w.-]+)==([\w.]+)", (ROOT / "requirements/prod.txt").read_text(), re.M
        )
        assert pins
        assert {name: version(name) for name, _ in pins} == dict(pins)

    def test_it_collects_static_files_at_build_time(self, image):
        manifest = json.loads((image / "staticfiles" / "staticfiles.json").read_text())
        assert manifest["paths"]
        hashed = next(iter(manifest["paths"].values()))
        assert (image / "staticfiles" / hashed).is_file()
        assert not (image / "leads" / "tests").exists()

    def test_it_serves_and_reports_healthy_then_stops_gracefully(self, image, tmp_path):
        env = json.loads((image.parent / "env.json").read_text())
        port = free_port()
        env.update(
            DJANGO_SECRET_KEY="run-time-" + "r" * 60,
            DJANGO_ALLOWED_HOSTS="signup.example.com",
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            PORT=str(port),
        )
        python = [str(BIN / "python"), "manage.py"]
        subprocess.run(
            [*python, "migrate", "--no-input"], cwd=image, env=env, check=True, capture_output=True
        )
        before = sorted(p for p in image.rglob("*"))
        (cmd,) = [json.loads(args) for op, args in runtime_stage() if op == "CMD"]
        server = subprocess.Popen(
            cmd, cwd=image, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/", proc=server)
            (check,) = [args for op, args in runtime_stage() if op == "HEALTHCHECK"]
            probe = json.loads(check.split("CMD", 1)[1])
            assert subprocess.run(probe, cwd=image, env=env).returncode == 0
            page = requests.get(
                f"http://127.0.0.1:{port}/", headers={"Host": "signup.example.com"}, timeout=10
            )
            assert page.status_code == 200
            stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page.text)
            assert stylesheet, page.text
            css = stylesheet.group(1)
            asset = requests.get(
                f"http://127.0.0.1:{port}{css}", headers={"Host": "signup.example.com"}, timeout=10
            )
            assert asset.status_code == 200
            assert "immutable" in asset.headers["Cache-Control"]
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
        assert server.stdout is not None
        log = server.stdout.read()
        assert code == 0, log
        assert '"GET /healthz HTTP/1.1" 200' in log  # the access log goes to the container's output
        # Nothing was written into the image's folder: the root filesystem can be read-only.
        assert sorted(p for p in image.rglob("*")) == before

    def test_it_reports_unhealthy_when_nothing_answers(self, image):
        env = json.loads((image.parent / "env.json").read_text())
        env["PORT"] = str(free_port())
        (check,) = [args for op, args in runtime_stage() if op == "HEALTHCHECK"]
        result = subprocess.run(
            json.loads(check.split("CMD", 1)[1]), cwd=image, env=env, capture_output=True
        )
        assert result.returncode == 1
