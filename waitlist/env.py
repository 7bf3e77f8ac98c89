"""Small readers of environment variables that fail fast on a bad value (for settings.py)."""

import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ImproperlyConfiguredError(Exception):
    pass


def envbool(name: str, default: bool) -> bool:
    value = os.getenv(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfiguredError(f"{name} must be True or False, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.getenv(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfiguredError(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str = "", *, colon_too: bool = False) -> list[str]:
    raw = os.getenv(name, default)
    if colon_too:
        raw = raw.replace(":", ",")
    return [item.strip() for item in raw.split(",") if item.strip()]


def envstr(name: str, default: str = "", *aliases: str) -> str:
    for key in (name, *aliases):
        value = os.getenv(key, "").strip()
        if value:
            return value
    return default


def envrate(name: str, default: str) -> str:
    """A django-ratelimit rate such as 10/m or 100/5m, or "off"."""
    value = envstr(name, default).lower()
    if value != "off" and not re.fullmatch(r"\d+/\d*[smhd]", value):
        raise ImproperlyConfiguredError(f"{name} must look like 10/m, 100/h or off, not {value!r}")
    return value


def rate_window(rate: str) -> int:
    """The seconds of a rate's window: 10/m -> 60, 100/5m -> 300."""
    period = rate.partition("/")[2]
    return int(period[:-1] or 1) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[-1]]


def envcolour(name: str, default: str = "") -> str:
    """A CSS colour written #rgb or #rrggbb (lower-cased), or the default when unset."""
    value = envstr(name, default).lower()
    if value and not re.fullmatch(r"#(?:[0-9a-f]{3}|[0-9a-f]{6})", value):
        raise ImproperlyConfiguredError(
            f"{name} must be a colour like #0b5cad or #09c, not {value!r}"
        )
    return value


def envfile(name: str, base: Path, suffixes: tuple[str, ...]) -> Path | None:
    """An existing file (relative to `base` unless absolute) with one of `suffixes`, or None."""
    value = envstr(name)
    if not value:
        return None
    path = (base / value).resolve()
    if path.suffix.lower() not in suffixes:
        raise ImproperlyConfiguredError(
            f"{name} must name a {', '.join(suffixes)} file, not {value!r}"
        )
    if not path.is_file():
        raise ImproperlyConfiguredError(f"{name} names a file that does not exist: {path}")
    return path


def envzone(name: str, default: str) -> str:
    """An IANA time zone name such as Europe/Madrid."""
    value = envstr(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfiguredError(
            f"{name} must be a time zone name such as Europe/Madrid, not {value!r}"
        ) from None
    return value
