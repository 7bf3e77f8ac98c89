"""The parts of a deploy that run on the deployer's machine: the staff command, the image tag."""

import os
import subprocess
import sys
from pathlib import Path

from deploy.deploy import STAFF_CODE, image_tag
from deploy.tests.conftest import ROOT


class TestStaffCommand:
    def test_its_command_makes_a_staff_user_who_can_sign_in(self, tmp_path):
        from deploy.deploy import password_hash

        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"}
        env |= {k: v for k, v in os.environ.items() if k.startswith("DJANGO_")}

        def manage(*args: str, **extra: str) -> str:
            return subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env={**env, **extra},
                capture_output=True,
                text=True,
                check=True,
            ).stdout

        manage("migrate", "--no-input")
        out = manage(
            "shell",
            "--no-imports",
            "-c",
            STAFF_CODE,
            STAFF_USERNAME="alice",
            STAFF_PASSWORD_HASH=password_hash("correct horse battery"),
        )
        assert out.strip() == "staff user ready: alice"
        check = (
            "from django.contrib.auth import authenticate; "
            "u = authenticate(username='alice', password='correct horse battery'); "
            "print(u is not None and u.is_staff)"
        )
        assert manage("shell", "--no-imports", "-c", check).strip() == "True"


class TestTag:
    def git(self, repo: Path, *args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def test_it_tags_images_with_the_commit_and_marks_a_dirty_tree(self, tmp_path):
        self.git(tmp_path, "init", "-q")
        (tmp_path / "app.py").write_text("print(1)\n")
        self.git(tmp_path, "add", "app.py")
        self.git(tmp_path, "commit", "-q", "-m", "one")
        head = self.git(tmp_path, "rev-parse", "--short=12", "HEAD")
        assert image_tag(tmp_path) == head
        (tmp_path / "app.py").write_text("print(2)\n")
        assert image_tag(tmp_path).startswith(f"{head}-dirty-")
