"""EMAIL_URL -> Django's mail settings, for settings.py; a bad URL fails fast.

    console://                      every mail written to standard output (make run's default)
    locmem://                       kept in django.core.mail.outbox (tests)
    ses://  or  ses://eu-west-1     Amazon SES (v2 API, through django-anymail), in AWS_REGION
                                    or the region named
    smtp://user:password@host:587   SMTP with STARTTLS (port 587 unless given)
    smtps://user:password@host:465  SMTP over TLS (port 465 unless given)
    smtp+plain://localhost:1025     SMTP without TLS: only to a relay on this machine

The user and password are percent-encoded (`@` as `%40`).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from waitlist.env import ImproperlyConfiguredError

CONSOLE = "django.core.mail.backends.console.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SES = "anymail.backends.amazon_ses.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
# Production with no EMAIL_URL: every send fails, so queued mail stays queued (leads/mailer.py).
UNCONFIGURED = "leads.mailer.UnconfiguredBackend"

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class MailConfig:
    backend: str
    sends_real_mail: bool = False
    region: str = ""
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False


def parse_email_url(url: str, *, region: str) -> MailConfig:
    """The mail settings of `url`; an empty `url` is the unconfigured backend."""
    if not url:
        return MailConfig(UNCONFIGURED)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("console", "locmem") and not (parts.netloc or parts.path):
        return MailConfig(CONSOLE if scheme == "console" else LOCMEM)
    if scheme == "ses" and not parts.path.strip("/"):
        return MailConfig(SES, sends_real_mail=True, region=parts.hostname or region)
    if scheme in ("smtp", "smtps", "smtp+plain") and parts.hostname:
        return _smtp(scheme, url)
    raise ImproperlyConfiguredError(
        "EMAIL_URL must be console://, locmem://, ses://[REGION], smtp://USER:PASSWORD@HOST[:PORT]"
        f", smtps://... or smtp+plain://localhost[:PORT], not {_without_password(url)!r}"
    )


def sender(address: str, required: bool) -> str:
    """DEFAULT_FROM_EMAIL: `address` checked, or a local one when no mail really leaves."""
    if required and not address:
        raise ImproperlyConfiguredError("DEFAULT_FROM_EMAIL must be set when EMAIL_URL sends mail")
    address = address or "waitlist@localhost"
    if "@" not in parseaddr(address)[1]:
        raise ImproperlyConfiguredError(
            f"DEFAULT_FROM_EMAIL must be an address or Name <address>, not {address!r}"
        )
    return address


def anymail_settings(region: str, configuration_set: str) -> dict[str, Any]:
    """django-anymail's settings for Amazon SES."""
    return {
        "AMAZON_SES_CLIENT_PARAMS": {
            "region_name": region,
            # One try per call: leads/mailer.py retries, paced, and knows when to stop for now.
            "config": {
                "connect_timeout": 3,
                "read_timeout": 10,
                "retries": {"total_max_attempts": 1},
            },
        },
        "AMAZON_SES_CONFIGURATION_SET_NAME": configuration_set or None,
    }


def _smtp(scheme: str, url: str) -> MailConfig:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if scheme == "smtp+plain" and host not in _LOCAL_HOSTS:
        raise ImproperlyConfiguredError("EMAIL_URL smtp+plain:// is only for a relay on localhost")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfiguredError("EMAIL_URL has a bad port") from None
    default_port = {"smtp": 587, "smtps": 465, "smtp+plain": 25}[scheme]
    return MailConfig(
        SMTP,
        sends_real_mail=True,
        host=host,
        port=port or default_port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=scheme == "smtp",
        use_ssl=scheme == "smtps",
    )


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
