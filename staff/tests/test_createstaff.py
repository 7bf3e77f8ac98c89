"""make staff / manage.py createstaff: a staff account on a fresh clone, no settings to know."""

from __future__ import annotations

import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fresh_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What a fresh clone has: no DJANGO_* settings at all, only a database of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WAITLIST_"))}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra}


def staff_accounts(tmp_path: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        return db.execute("SELECT username, is_staff, is_active FROM auth_user").fetchall()


class TestMakeStaff:
    def test_it_takes_the_name_and_password_from_the_environment_without_asking(self, tmp_path):
        env = fresh_env(
            tmp_path, DJANGO_SUPERUSER_USERNAME="ann", DJANGO_SUPERUSER_PASSWORD="correct horse"
        )
        done = subprocess.run(
            ["make", "--no-print-directory", "staff"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Staff account 'ann' created" in done.stdout
        assert staff_accounts(tmp_path) == [("ann", 1, 1)]

    def test_it_asks_for_a_name_and_a_password_in_a_terminal(self, tmp_path):
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"],
            cwd=ROOT,
            env=fresh_env(tmp_path, WAITLIST_DEV_SERVER="1"),
            check=True,
        )
        pid, fd = pty.fork()
        if pid == 0:  # the child: manage.py on the terminal's other end
            os.chdir(ROOT)
            env = fresh_env(tmp_path, WAITLIST_DEV_SERVER="1")
            os.execve(sys.executable, [sys.executable, "manage.py", "createstaff"], env)  # noqa: S606
        said = b""
        for prompt, answer in [
            (b"Staff name: ", b"bob\n"),
            (b"Password: ", b"s3cret pass\n"),
            (b"(again): ", b"s3cret pass\n"),
        ]:
            said += read_until(fd, prompt, said)
            os.write(fd, answer)
        said += read_until(fd, b"created", said)
        os.waitpid(pid, 0)
        assert staff_accounts(tmp_path) == [("bob", 1, 1)]
        assert b"s3cret" not in said  # the password is not echoed

    def test_without_a_terminal_or_the_variables_it_says_what_to_set(self, tmp_path):
        env = fresh_env(tmp_path, WAITLIST_DEV_SERVER="1")
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env)
        done = subprocess.run(
            [sys.executable, "manage.py", "createstaff"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1
        assert "Set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD" in done.stderr


def read_until(fd: int, wanted: bytes, before: bytes, timeout: float = 30) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout
    while wanted not in before + got:
        assert time.monotonic() < deadline, before + got
        if select.select([fd], [], [], 0.5)[0]:
            got += os.read(fd, 1024)
    return got
