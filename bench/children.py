"""Benchmarks that run each store in a child process of its own: its environment (a fresh
SQLite file, or moto's server and new tables), and its one line of JSON read back."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def child_env(backend: str, tmp: Path, moto: str = "", **extra: str) -> dict[str, str]:
    """A child's settings: `backend` on a store of its own (moto's server at `moto`)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "waitlist.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"sqlite:///{tmp / f'{backend}-{secrets.token_hex(4)}.sqlite3'}",
        "LEADS_BACKEND": backend,
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    if moto:
        name = f"line-{secrets.token_hex(4)}"
        env |= {"AWS_ENDPOINT_URL": moto, "AWS_DEFAULT_REGION": "us-east-1"}
        env |= {"LEADS_TABLE": name, "COUNTERS_TABLE": f"{name}-counters"}
        env |= {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
    return env


def run_child(module: str, args: list[str], env: dict[str, str]) -> Any:
    """`python -m module args` in `env`; the last line it printed, as JSON."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{module} {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])
