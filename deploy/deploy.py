"""One command from a checkout to a running service on AWS (`make deploy`).

  1. the stack (deploy/cloudformation/waitlist.yaml) exists and is up to date (and, with a mail
     sender, SES is asked whether it may send as it);
  2. the image for this commit is built and pushed to the stack's ECR repository;
  3. the static files are uploaded to the private bucket behind CloudFront;
  4. the one-off tasks run on the new image: migrate, the cache table, `createtables`
     (which only checks: the stack owns the DynamoDB tables);
  5. the web service and the worker service roll to the new image and are waited on until
     both are stable.

`--dry-run` prints every step and touches nothing. `--create-staff NAME` makes a staff account
through a one-off task instead. Credentials and region come from the usual AWS environment.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from dotenv import dotenv_values

from deploy import aws

ROOT = Path(__file__).resolve().parents[1]

TEMPLATE = ROOT / "deploy" / "cloudformation" / "waitlist.yaml"
# The stack outputs naming the services that run the web image, rolled and waited on together.
ROLLED = ("ServiceName", "WorkerServiceName")
RELEASE_COMMAND = [
    "sh",
    "-c",
    "python manage.py migrate --no-input && python manage.py createcachetable"
    " && python manage.py createtables",
]
# Sets a password hash made on the deployer's machine: the password itself never leaves it.
STAFF_CODE = (
    "import os; from django.contrib.auth.models import User; "
    'user, _ = User.objects.get_or_create(username=os.environ["STAFF_USERNAME"]); '
    'user.password = os.environ["STAFF_PASSWORD_HASH"]; user.is_staff = True; user.save(); '
    'print("staff user ready:", user.username)'
)
# collectstatic only needs settings that load; this key signs nothing.
THROWAWAY_KEY = "deploy-collectstatic-only-" + "x" * 40
# collectstatic reads the project's .env as well: set there but not in the deploy's own
# environment, these would send the upload to another endpoint, or as another identity.
UPLOAD_REDIRECTS = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


def image_tag(root: Path = ROOT) -> str:
    """The commit's short hash; a dirty tree gets a timestamp too (tags are immutable)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()

    tag = git("rev-parse", "--short=12", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        tag += "-dirty-" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return tag


def password_hash(password: str) -> str:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    if not settings.configured:
        settings.configure()
    return make_password(password)


class Deploy:
    def __init__(
        self,
        *,
        stack: str,
        region: str,
        params: dict[str, str],
        dry_run: bool = False,
        template: Path = TEMPLATE,
        cfn_role_arn: str = "",
        say: Callable[[str], None] = print,
    ) -> None:
        self.stack, self.region, self.params = stack, region, params
        self.cfn_role_arn = cfn_role_arn
        self.dry_run, self.template, self.say = dry_run, template, say
        self.out: dict[str, str] = {}
        self._session: Any = None
        self.dotenv = ROOT / ".env"

    def client(self, service: str) -> Any:
        if self._session is None:
            self._session = boto3.session.Session(region_name=self.region)
        return self._session.client(service)

    def step(self, text: str) -> bool:
        """Announces a step; False in a dry run, where nothing is done."""
        self.say(("[dry-run] " if self.dry_run else "==> ") + text)
        return not self.dry_run

    def output(self, key: str) -> str:
        return self.out.get(key, f"<{key}>")

    def sh(self, args: Sequence[str], *, stdin: str | None = None, **env: str) -> None:
        shown = [f"{k}={v}" for k, v in env.items() if k != "DJANGO_SECRET_KEY"]
        self.say("    $ " + shlex.join([*shown, *args]))
        if not self.dry_run:
            run_env = {**os.environ, **env} if env else None
            subprocess.run(args, cwd=ROOT, input=stdin, text=True, check=True, env=run_env)

    # --- the steps ----------------------------------------------------------------------------
    def stack_update(self, what: str, **tags: str) -> bool:
        given = {**self.params, **tags}
        shown = " ".join(f"{k}={v}" for k, v in given.items()) or "(parameters as they are)"
        acting = f" as {self.cfn_role_arn}" if self.cfn_role_arn else ""
        if not self.step(f"deploy stack {self.stack}{acting} ({what}): {shown}"):
            return True
        cfn = self.client("cloudformation")
        changed = aws.deploy_stack(
            cfn, self.stack, self.template.read_text(), given, self.cfn_role_arn
        )
        self.say("    updated" if changed else "    no changes")
        self.out = aws.outputs(cfn, self.stack)
        return changed

    def check_mail(self) -> None:
        """Say whether SES may send as the stack's sender (a warning, never a failure)."""
        identity = self.out.get("MailIdentity")
        if identity and self.step(f"check that SES may send as {identity}"):
            for line in aws.ses_report(self.client("sesv2"), self.client("ses"), identity):
                self.say(f"    {line}")

    def push_image(self, tag: str) -> str:
        image = f"{self.output('RepositoryUri')}:{tag}"
        if self.step(f"build and push {image}") and aws.image_exists(
            self.client("ecr"), self.out["RepositoryUri"], tag
        ):
            self.say("    already in the repository")
            return image
        user, password, registry = (
            aws.registry_login(self.client("ecr"))
            if not self.dry_run
            else ("AWS", "", "<registry>")
        )
        self.sh(
            ["docker", "login", "--username", user, "--password-stdin", registry], stdin=password
        )
        self.sh(["docker", "build", "--platform", "linux/amd64", "--pull", "-t", image, "."])
        self.sh(["docker", "push", image])
        return image

    def upload_static(self) -> None:
        bucket, cdn = self.output("StaticBucket"), self.output("StaticCdnDomain")
        self.step(f"upload static files to s3://{bucket} (served by https://{cdn})")
        stray = [
            name
            for name, value in dotenv_values(self.dotenv).items()
            if name in UPLOAD_REDIRECTS and value and name not in os.environ
        ]
        if stray:
            raise aws.DeployError(
                f"{self.dotenv} sets {', '.join(stray)}: collectstatic reads that file and "
                f"would not upload to s3://{bucket} as this deploy does; unset them for the deploy"
            )
        with tempfile.TemporaryDirectory() as scratch:
            self.sh(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "1"],
                CLOUD_FRONT="True",  # a lab .env may say False; the upload is the CDN's
                STATIC_BUCKET=bucket,
                STATIC_CDN_DOMAIN=cdn,
                STATIC_ROOT=scratch,
                AWS_REGION=self.region,
                DJANGO_SECRET_KEY=THROWAWAY_KEY,
                DJANGO_ALLOWED_HOSTS="localhost",
                DJANGO_DEBUG="False",
            )

    def one_off(self, what: str, command: list[str], **environment: str) -> None:
        shown = shlex.join(command)
        if not self.step(f"one-off task on {self.output('ClusterName')} ({what}): {shown}"):
            return
        ecs = self.client("ecs")
        arn = aws.run_one_off(ecs, self.out, command, environment)
        self.say(f"    started {arn}; logs in {self.out.get('LogGroup', 'the log group')}")
        aws.wait_one_off(ecs, self.out["ClusterName"], arn)
        self.say("    done")

    def roll(self, tag: str) -> None:
        """Both services run WebImageTag: the web tasks and the worker roll together."""
        changed = self.stack_update("roll the web and worker services", WebImageTag=tag)
        cluster = self.output("ClusterName")
        services = [self.output(key) for key in ROLLED]
        shown = " and ".join(f"{cluster}/{service}" for service in services)
        if not changed and self.step(f"force a new deployment of {shown} (same image)"):
            for service in services:
                aws.roll_service(self.client("ecs"), cluster, service)
        if self.step(f"wait until {shown} are stable"):
            aws.wait_stable(self.client("ecs"), cluster, *services)
        self.say(f"site: {self.output('SiteUrl')}")

    # --- the commands -------------------------------------------------------------------------
    def deploy(self, tag: str) -> None:
        self.say(f"deploying image tag {tag} to stack {self.stack} in {self.region}")
        self.stack_update("template and parameters, images unchanged")
        self.check_mail()
        self.push_image(tag)
        self.upload_static()
        self.stack_update("one-off tasks use the new image", TaskImageTag=tag)
        self.one_off("release", RELEASE_COMMAND)
        self.roll(tag)

    def create_staff(self, username: str) -> str:
        password = secrets.token_urlsafe(18)
        self.out = {} if self.dry_run else aws.outputs(self.client("cloudformation"), self.stack)
        self.one_off(
            f"staff user {username}",
            ["python", "manage.py", "shell", "--no-imports", "-c", STAFF_CODE],
            STAFF_USERNAME=username,
            STAFF_PASSWORD_HASH=password_hash(password),
        )
        if not self.dry_run:
            self.say(f"staff user {username!r}, password (shown once): {password}")
        return password


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack", default=os.getenv("WAITLIST_STACK", "waitlist"))
    parser.add_argument(
        "--region", default=os.getenv("AWS_REGION") or os.getenv("AWS_DEFAULT_REGION", "us-east-1")
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="stack parameter"
    )
    parser.add_argument(
        "--cfn-role-arn",
        default=os.getenv("WAITLIST_CFN_ROLE_ARN", ""),
        help="role CloudFormation acts as (see deploy/cloudformation/github-deploy-role.yaml)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the steps, change nothing")
    parser.add_argument("--create-staff", metavar="USERNAME", help="only make a staff account")
    args = parser.parse_args(argv)
    try:
        args.params = dict(item.split("=", 1) for item in args.param)
    except ValueError:
        parser.error("--param takes KEY=VALUE")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    deploy = Deploy(
        stack=args.stack,
        region=args.region,
        params=args.params,
        dry_run=args.dry_run,
        cfn_role_arn=args.cfn_role_arn,
    )
    try:
        if args.create_staff:
            deploy.create_staff(args.create_staff)
        else:
            deploy.deploy(image_tag())
    except (aws.DeployError, subprocess.CalledProcessError) as exc:
        print(f"deploy failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
