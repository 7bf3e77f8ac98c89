"""Mail settings: EMAIL_URL and DEFAULT_FROM_EMAIL, what make run does with none, what
production does with none, and bad values failing fast."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from leads.tests.test_settings import PRODUCTION, ROOT, run, setting
from waitlist.env import ImproperlyConfiguredError
from waitlist.mailurl import CONSOLE, SES, SMTP, UNCONFIGURED, parse_email_url

DEV = {"WAITLIST_DEV_SERVER": "1"}
SENDING = {**PRODUCTION, "DEFAULT_FROM_EMAIL": "hello@signup.example.com"}


class TestDefaults:
    def test_make_run_writes_every_mail_to_its_terminal(self):
        assert setting("EMAIL_BACKEND", **DEV) == repr(CONSOLE)
        assert setting("DEFAULT_FROM_EMAIL", **DEV) == "'waitlist@localhost'"

    def test_a_mail_sent_under_make_run_is_printed(self):
        code = (
            "from django.core.mail import send_mail; "
            "send_mail('Welcome aboard', 'Hi there.', None, ['ann@x.com'])"
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
            cwd=ROOT,
            env={**os.environ, **DEV, "DJANGO_DEBUG": ""},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert "Subject: Welcome aboard" in result.stdout
        assert "To: ann@x.com" in result.stdout
        assert "Hi there." in result.stdout

    def test_production_without_email_url_keeps_mail_queued(self):
        # Never the console there: mail marked sent that nobody gets, links in the logs.
        assert setting("EMAIL_BACKEND", **PRODUCTION) == repr(UNCONFIGURED)

    def test_ses_in_the_apps_region_or_its_own(self):
        assert setting("EMAIL_BACKEND", **SENDING, EMAIL_URL="ses://") == repr(SES)
        env = {**SENDING, "AWS_REGION": "eu-west-1"}
        assert setting("SES_REGION", **env, EMAIL_URL="ses://") == "'eu-west-1'"
        assert setting("SES_REGION", **env, EMAIL_URL="ses://eu-central-1") == "'eu-central-1'"
        assert setting("ANYMAIL['AMAZON_SES_CLIENT_PARAMS']['region_name']", **env,
                       EMAIL_URL="ses://eu-central-1") == "'eu-central-1'"  # fmt: skip

    def test_a_configuration_set_is_passed_to_ses(self):
        env = {**SENDING, "EMAIL_URL": "ses://", "SES_CONFIGURATION_SET": "waitlist-events"}
        name = setting("ANYMAIL['AMAZON_SES_CONFIGURATION_SET_NAME']", **env)
        assert name == "'waitlist-events'"
        assert setting("ANYMAIL['AMAZON_SES_CONFIGURATION_SET_NAME']", **SENDING) == "None"


class TestFailFast:
    def test_real_mail_needs_a_sender(self):
        result = run("", **PRODUCTION, EMAIL_URL="ses://")
        assert result.returncode != 0
        assert "DEFAULT_FROM_EMAIL must be set" in result.stderr

    def test_a_bad_sender_fails_fast(self):
        result = run("", **PRODUCTION, DEFAULT_FROM_EMAIL="Waitlist")
        assert result.returncode != 0
        assert "DEFAULT_FROM_EMAIL must be an address" in result.stderr

    def test_a_bad_email_url_fails_fast_without_showing_the_password(self):
        result = run("", **SENDING, EMAIL_URL="smpt://me:s3cret@mail.example")
        assert result.returncode != 0
        assert "EMAIL_URL must be" in result.stderr
        assert "s3cret" not in result.stderr

    def test_a_bad_mail_rate_fails_fast(self):
        result = run("", **PRODUCTION, MAIL_RATE="fast")
        assert result.returncode != 0
        assert "MAIL_RATE must look like" in result.stderr


class TestEmailUrl:
    def test_smtp_uses_starttls_and_decodes_the_credentials(self):
        config = parse_email_url("smtp://me%40x.com:p%3Ass@mail.example", region="us-east-1")
        assert (config.backend, config.host, config.port) == (SMTP, "mail.example", 587)
        assert (config.user, config.password) == ("me@x.com", "p:ss")
        assert config.use_tls and not config.use_ssl

    def test_smtps_uses_tls_from_the_start(self):
        config = parse_email_url("smtps://me:pw@mail.example:2465", region="us-east-1")
        assert (config.port, config.use_ssl, config.use_tls) == (2465, True, False)

    def test_plain_smtp_only_to_this_machine(self):
        config = parse_email_url("smtp+plain://localhost:1025", region="us-east-1")
        assert (config.host, config.port, config.use_tls) == ("localhost", 1025, False)
        with pytest.raises(ImproperlyConfiguredError, match="only for a relay on localhost"):
            parse_email_url("smtp+plain://mail.example", region="us-east-1")

    @pytest.mark.parametrize("url", ["console://x", "ses://us-east-1/path", "smtp://", "mail"])
    def test_anything_else_is_refused(self, url):
        with pytest.raises(ImproperlyConfiguredError, match="EMAIL_URL must be"):
            parse_email_url(url, region="us-east-1")
