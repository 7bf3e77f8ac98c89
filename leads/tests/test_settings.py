"""waitlist/settings.py: production-safe defaults that fail fast on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "a-real-looking-secret-key-for-the-settings-test-0123456789-abcdefghij"
PRODUCTION = {"DJANGO_SECRET_KEY": KEY, "DJANGO_ALLOWED_HOSTS": "signup.example.com"}


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with only `env` set (no .env, no test env)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SIGNUP_"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "waitlist.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


def setting(name: str, **env: str) -> str:
    result = run(f"from django.conf import settings; print(repr(settings.{name}))", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class TestSettings:
    def test_production_passes_the_deploy_check(self):
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env={**os.environ, **PRODUCTION, "DJANGO_DEBUG": "False",
                 "DJANGO_SECURE_SSL_REDIRECT": "True", "DJANGO_SECURE_COOKIES": "True"},
            capture_output=True,
            text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr

    def test_debug_is_off_by_default(self):
        assert setting("DEBUG", **PRODUCTION) == "False"
        assert setting("SESSION_COOKIE_SECURE", **PRODUCTION) == "True"
        assert setting("SECURE_SSL_REDIRECT", **PRODUCTION) == "True"

    @pytest.mark.parametrize(
        "key", ["", "short", "django-insecure-" + "x" * 60], ids=["none", "short", "insecure"]
    )
    def test_production_refuses_to_start_without_a_real_secret_key(self, key):
        result = run("", DJANGO_ALLOWED_HOSTS="a.example", DJANGO_SECRET_KEY=key)
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY" in result.stderr

    def test_production_refuses_to_start_without_allowed_hosts(self):
        result = run("", DJANGO_SECRET_KEY=KEY)
        assert result.returncode != 0
        assert "DJANGO_ALLOWED_HOSTS" in result.stderr

    @pytest.mark.parametrize("hosts", ["a.example,b.example", "a.example:b.example"])
    def test_allowed_hosts_split_on_comma_or_colon(self, hosts):
        env = {**PRODUCTION, "DJANGO_ALLOWED_HOSTS": hosts}
        assert setting("ALLOWED_HOSTS", **env) == "['a.example', 'b.example']"

    def test_a_bad_boolean_fails_fast(self):
        result = run("", **PRODUCTION, DJANGO_DEBUG="maybe")
        assert result.returncode != 0
        assert "DJANGO_DEBUG must be True or False" in result.stderr

    @pytest.mark.parametrize("rate", ["ten", "10", "10/x", "-1/m"])
    def test_a_bad_rate_limit_fails_fast(self, rate):
        result = run("", **PRODUCTION, SIGNUP_RATE_LIMIT=rate)
        assert result.returncode != 0
        assert "SIGNUP_RATE_LIMIT must look like" in result.stderr

    def test_rate_limits_take_rates_or_off(self):
        assert setting("SIGNUP_RATE_LIMIT", **PRODUCTION, SIGNUP_RATE_LIMIT="100/5m") == "'100/5m'"
        assert setting("SIGNUP_RATE_LIMIT", **PRODUCTION, SIGNUP_RATE_LIMIT="OFF") == "'off'"
        assert setting("SIGNUP_RATE_LIMIT", **PRODUCTION) == "'10/m'"

    def test_shared_rate_limit_counters_outlast_the_longest_window(self):
        env = {**PRODUCTION, "CACHE_URL": "db://django_cache", "LOGIN_RATE_LIMIT": "100/5m"}
        assert (
            setting("CACHES['default']['BACKEND']", **env) == "'waitlist.cache.AtomicDatabaseCache'"
        )
        assert setting("CACHES['default']['TIMEOUT']", **env) == "305"
        assert (
            setting("CACHES['default']['TIMEOUT']", **PRODUCTION, SIGNUP_RATE_LIMIT="5/h") == "3605"
        )

    def test_the_lab_env_names_work(self):
        env = {**PRODUCTION, "CCBDA_SIGNUP_TABLE": "lab-table", "DJANGO_LOGLEVEL": "debug"}
        assert setting("LEADS_TABLE", **env) == "'lab-table'"
        assert setting("COUNTERS_TABLE", **env) == "'lab-table-counters'"
        assert setting("LOGGING['root']['level']", **env) == "'DEBUG'"

    def test_the_dev_server_turns_debug_on_unless_told_otherwise(self):
        assert setting("DEBUG", WAITLIST_DEV_SERVER="1") == "True"
        assert setting("DEBUG", **PRODUCTION, WAITLIST_DEV_SERVER="1", DJANGO_DEBUG="False") == (
            "False"
        )

    def test_database_url_selects_postgresql(self):
        env = {**PRODUCTION, "DATABASE_URL": "postgres://u:p@db.example:5432/leads"}
        engine = setting("DATABASES['default']['ENGINE']", **env)
        assert engine == "'django.db.backends.postgresql'"
