"""The worker's mail loop on moto's server: how many mails a second it sustains, and its pace.

    .venv/bin/python -m bench.mail_outbox [--backend dynamodb|sql] [--mails 1000] [--rate 14]

Starts moto's server on a free loopback port (DynamoDB, and SES with a verified sender), loads
`--mails` signups through the store port (each one ask: a confirmation due), then drains the
outbox as the worker's mail loop does (`leads.outbox.Outbox.send_due`, round after round, with
one `Mailer` through django-anymail's SES v2 backend) and times it, twice:

- unpaced: the mailer told SES sets no rate, so the figure is what the loop itself sustains
  (outbox reads, rendering, the SES call, the marks), moto's speed included;
- paced: the mailer told SES allows `--rate` a second (14 is a new production account's),
  `--rate` x 20 mails: the loop should keep that pace, not exceed it.

Every mail is read back from moto (`/moto-api/data.json`): each address once, none missing.
The process's CPU (utime + stime) per mail is the worker's; moto's is reported beside it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from email import message_from_string
from pathlib import Path

import requests

from bench.dynamo_tools import start_moto
from bench.launch_tools import FAKE_AWS, cpu_ms

SENDER = "hello@bench.example"


def configure(url: str, backend: str, tmp: Path) -> None:
    os.environ.update(
        FAKE_AWS,
        AWS_ENDPOINT_URL=url,
        DJANGO_SETTINGS_MODULE="waitlist.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="False",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOGLEVEL="WARNING",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        LEADS_BACKEND=backend,
        LEADS_TABLE="bench-mail",
        EMAIL_URL="ses://",
        DEFAULT_FROM_EMAIL=SENDER,
        SITE_URL="https://signup.bench.example",
    )
    for name in ("NEW_SIGNUP_TOPIC", "MAIL_RATE", "SES_CONFIGURATION_SET"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(count: int, start: int) -> None:
    from leads.store import Lead, get_store

    store = get_store()
    began = datetime(2026, 11, 20, tzinfo=UTC)
    for i in range(start, start + count):
        lead = Lead(f"Lead {i}", f"u{i:06d}@d{i % 50}.example", i % 3 == 0, began)
        assert store.add(lead)


def sent_mails(url: str) -> list[str]:
    data = requests.get(f"{url}/moto-api/data.json", timeout=60).json()
    return [str(message_from_string(raw["raw_data"])["To"]) for raw in data["ses"]["RawMessage"]]


def drain(rate: float | None, expected: int) -> tuple[float, float, int, int]:
    """Rounds until nothing is owed: (seconds, worker CPU ms, mails sent, rounds)."""
    from leads.mailer import Mailer
    from leads.outbox import Outbox

    outbox = Outbox(Mailer(rate=lambda: rate))
    sent = rounds = 0
    cpu, began = time.process_time(), time.perf_counter()
    while sent < expected:
        done = outbox.send_due()
        if done.held:
            raise SystemExit(f"mail was held: {done.held.reason}")
        sent, rounds = sent + done.sent, rounds + 1
        if not done.sent:
            break
    seconds = time.perf_counter() - began
    outbox.mailer.close()
    return seconds, (time.process_time() - cpu) * 1000, sent, rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["dynamodb", "sql"], default="dynamodb")
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=14.0)
    args = parser.parse_args()
    moto, url = start_moto()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            configure(url, args.backend, Path(tmp))
            import boto3

            from leads.store import get_store

            get_store().setup()
            boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)
            print(f"backend={args.backend} python={sys.version.split()[0]}")
            paced = int(args.rate * 20)
            runs = [
                ("unpaced", None, args.mails, 0),
                (f"paced {args.rate:g}/s", args.rate, paced, args.mails),
            ]
            for label, rate, count, start in runs:
                load(count, start)
                moto_cpu = cpu_ms([moto.pid])
                seconds, cpu, sent, rounds = drain(rate, count)
                moto_cpu = cpu_ms([moto.pid]) - moto_cpu
                print(
                    f"{label}: {sent} mails in {seconds:.1f} s = {sent / seconds:.1f} mails/s "
                    f"({rounds} rounds); worker CPU {cpu / sent:.1f} ms/mail, "
                    f"moto {moto_cpu / sent:.1f} ms/mail"
                )
            to = Counter(sent_mails(url))
            expected = args.mails + paced
            assert len(to) == expected and set(to.values()) == {1}, "a mail lost or sent twice"
            print(f"read back from moto: {expected} mails, each address once")
    finally:
        moto.terminate()
        moto.wait(timeout=10)


if __name__ == "__main__":
    main()
