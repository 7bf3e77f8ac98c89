"""compose.yaml: the local stack's services, health checks and wiring.

`docker compose config` is not available on the test machines, so the file is checked as YAML.
"""

import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import yaml

from deploy.tests.conftest import ROOT


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def app_env(compose: dict, service: str = "web") -> dict:
    return compose["services"][service]["environment"]


class TestCompose:
    def test_it_runs_the_app_postgres_and_a_dynamodb_endpoint(self, compose):
        assert set(compose["services"]) == {"web", "init", "db", "dynamodb"}
        assert compose["services"]["web"]["build"] == "."
        assert compose["services"]["db"]["image"].startswith("postgres:")

    def test_it_checks_the_health_of_the_backing_services(self, compose):
        db = compose["services"]["db"]["healthcheck"]["test"]
        assert db[:2] == ["CMD", "pg_isready"]
        dynamo = compose["services"]["dynamodb"]["healthcheck"]["test"]
        assert dynamo[0] == "CMD" and "/moto-api/" in dynamo[-1]

    def test_it_starts_the_app_after_its_dependencies_and_the_init_job(self, compose):
        assert compose["services"]["web"]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "dynamodb": {"condition": "service_healthy"},
            "init": {"condition": "service_completed_successfully"},
        }
        assert compose["services"]["init"]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "dynamodb": {"condition": "service_healthy"},
        }

    def test_it_migrates_and_creates_the_tables_once(self, compose):
        init = compose["services"]["init"]
        script = init["command"][-1]
        assert init["command"][:2] == ["sh", "-c"]
        for step in ("migrate --no-input", "createcachetable", "createtables"):
            assert f"python manage.py {step}" in script
        assert init["restart"] == "no"

    def test_it_wires_the_app_to_the_local_services(self, compose):
        env = app_env(compose)
        assert env == app_env(compose, "init")
        database = urlsplit(env["DATABASE_URL"])
        db = compose["services"]["db"]["environment"]
        assert (database.hostname, database.port, database.path) == ("db", 5432, "/waitlist")
        assert (database.username, database.password) == (
            db["POSTGRES_USER"],
            db["POSTGRES_PASSWORD"],
        )
        endpoint = urlsplit(env["AWS_ENDPOINT_URL"])
        assert endpoint.hostname == "dynamodb"
        assert str(endpoint.port) == compose["services"]["dynamodb"]["environment"]["MOTO_PORT"]
        assert env["LEADS_BACKEND"] == "dynamodb"
        assert env["CACHE_URL"] == "db://django_cache"

    def test_it_marks_every_credential_as_local_only(self, compose):
        env = app_env(compose)
        for name in ("DJANGO_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            assert env[name].startswith("local-only"), name
        assert "local-only" in compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"]

    def test_it_runs_the_app_read_only_on_loopback(self, compose):
        web = compose["services"]["web"]
        assert web["read_only"] is True
        assert web["ports"] == ["127.0.0.1:8000:8000"]

    def test_its_environment_satisfies_the_production_settings(self, compose):
        env = {k: str(v) for k, v in app_env(compose).items()}
        code = (
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.DATABASES['default']['HOST'], settings.LEADS_BACKEND, settings.DEBUG)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "waitlist.settings", **env},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["db", "dynamodb", "False"]
