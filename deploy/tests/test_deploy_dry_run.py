"""`python -m deploy.deploy --dry-run`: every step printed, in order, and no AWS call made."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT, free_port


def dry_run(*args: str) -> subprocess.CompletedProcess:
    """Runs the script with no credentials and every AWS endpoint on a closed port: any call
    to AWS would fail the command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_REGION": "eu-west-1"}
    env |= {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    return subprocess.run(
        [sys.executable, "-m", "deploy.deploy", "--dry-run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def result() -> subprocess.CompletedProcess:
    return dry_run("--stack", "shop-waitlist", "--param", "NotificationEmail=me@example.com")


class TestDryRun:
    def test_it_prints_every_step_in_order(self, result):
        assert result.returncode == 0, result.stderr
        steps = [line for line in result.stdout.splitlines() if line.startswith("[dry-run] ")]
        expected = [
            "deploy stack shop-waitlist (template and parameters, images unchanged)",
            "build and push <RepositoryUri>:",
            "upload static files to s3://<StaticBucket>",
            "deploy stack shop-waitlist (one-off tasks use the new image)",
            "one-off task on <ClusterName> (release)",
            "deploy stack shop-waitlist (roll the web and worker services)",
            "wait until <ClusterName>/<ServiceName> and <ClusterName>/<WorkerServiceName>",
        ]
        assert len(steps) == len(expected)
        for step, start in zip(steps, expected, strict=True):
            assert step.removeprefix("[dry-run] ").startswith(start), step
        assert "eu-west-1" in result.stdout.splitlines()[0]

    def test_it_rolls_the_worker_with_the_web_on_the_same_image_tag(self, result):
        out = result.stdout
        tag = out.splitlines()[0].split()[3]
        (roll,) = [
            line for line in out.splitlines() if "(roll the web and worker services)" in line
        ]
        assert roll.endswith(f"WebImageTag={tag}")
        waits = [line for line in out.splitlines() if line.startswith("[dry-run] wait until")]
        assert waits == [
            "[dry-run] wait until <ClusterName>/<ServiceName> and"
            " <ClusterName>/<WorkerServiceName> are stable"
        ]

    def test_it_shows_the_commands_it_would_run(self, result):
        out = result.stdout
        assert "$ docker login --username AWS --password-stdin" in out
        assert "$ docker build --platform linux/amd64 --pull -t '<RepositoryUri>:" in out
        assert "$ docker push '<RepositoryUri>:" in out
        assert "manage.py collectstatic --no-input" in out
        assert "python manage.py migrate --no-input" in out
        assert "python manage.py createtables" in out

    def test_it_passes_the_image_tag_to_the_stack(self, result):
        out = result.stdout
        tag = out.splitlines()[0].split()[3]
        assert f"TaskImageTag={tag}" in out
        assert f"WebImageTag={tag}" in out
        assert "NotificationEmail=me@example.com TaskImageTag=" in out

    def test_it_prints_the_staff_step_and_no_password(self):
        result = dry_run("--create-staff", "alice")
        assert result.returncode == 0, result.stderr
        assert "[dry-run] one-off task on <ClusterName> (staff user alice)" in result.stdout
        assert "shown once" not in result.stdout

    def test_it_rejects_a_parameter_without_a_value(self):
        result = dry_run("--param", "NotificationEmail")
        assert result.returncode == 2
        assert "--param takes KEY=VALUE" in result.stderr
