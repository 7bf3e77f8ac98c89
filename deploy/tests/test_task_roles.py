"""The task roles of waitlist.yaml against the AWS calls the code makes, on moto's server.

Each test runs what a task runs (a worker round, a web task's store calls, the maintenance
commands), records every call as IAM authorises it (action and resource ARN; a
TransactWriteItems part by part, as its Put, Update or Delete; SES v2's SendEmail of raw MIME
as ses:SendEmail and ses:SendRawEmail on the sender's identity and configuration set), and
checks the role's policy, in a stack with a mail sender, against the record: every call is
granted, and for the worker, every grant is used. The worker also runs as its own process, on
its task definition's environment alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, message_from_string
from email.utils import parseaddr
from fnmatch import fnmatchcase
from typing import Any

import boto3
import pytest
import requests
from django.core.management import call_command

from deploy.tests.conftest import PSEUDO, ROOT, container, resolve, statements
from leads import notify, worker
from leads.mailer import Mailer
from leads.outbox import Outbox
from leads.store import get_store
from leads.store.dynamodb.cache import DynamoCache
from leads.store.dynamodb.store import DynamoLeadStore
from leads.tests.factories import T0, add_confirmed, add_leads, confirmed, lead
from leads.tests.sns_inbox import Inbox
from waitlist.mailurl import SES, anymail_settings

TABLES = "arn:aws:dynamodb:us-east-1:123456789012:table/"
IDENTITIES = "arn:aws:ses:us-east-1:123456789012:"
# The stack's mail parameters in these tests: its sender's domain is the identity.
MAIL = {"MailFrom": "hello@example.com", "MailConfigurationSet": "waitlist"}
TRANSACT_PARTS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}

Grant = tuple[str, str]  # (IAM action, resource ARN or pattern)


class Calls:
    """Every AWS call made while `on`, as (action, resource) pairs IAM authorises."""

    def __init__(self) -> None:
        self.on = False
        self.made: set[Grant] = set()
        self.stream = ""

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.on:
            self.made |= set(self.authorised(model.service_model.service_name, model.name, params))

    def dynamodb(self, operation: str, params: dict[str, Any], _answer: dict) -> None:
        """The store's own DynamoDB calls, which go over its wire, not through a boto3 client."""
        if self.on:
            self.made |= set(self.authorised("dynamodb", operation, params))

    def authorised(self, service: str, operation: str, params: dict) -> Iterator[Grant]:
        if service == "sns":
            yield f"sns:{operation}", params["TopicArn"]
        elif service == "dynamodbstreams":
            # GetRecords names only an iterator, which came from this stream.
            self.stream = params.get("StreamArn", self.stream)
            yield f"dynamodb:{operation}", self.stream
        elif service == "sesv2":
            assert operation == "SendEmail", operation
            raw = params["Content"]["Raw"]["Data"]
            sender = parseaddr(message_from_bytes(raw)["From"])[1]
            resources = [IDENTITIES + "identity/" + sender.rpartition("@")[2]]
            if "ConfigurationSetName" in params:
                resources.append(IDENTITIES + "configuration-set/" + params["ConfigurationSetName"])
            for resource in resources:  # raw content: authorised as both actions
                yield "ses:SendEmail", resource
                yield "ses:SendRawEmail", resource
        elif service == "ses":
            yield f"ses:{operation}", "*"  # GetSendQuota: no resource of its own
        elif operation == "BatchGetItem":
            for table in params["RequestItems"]:
                yield "dynamodb:BatchGetItem", TABLES + table
        elif operation == "TransactWriteItems":
            for part in params["TransactItems"]:
                ((kind, body),) = part.items()
                yield f"dynamodb:{TRANSACT_PARTS[kind]}", TABLES + body["TableName"]
        else:
            index = f"/index/{params['IndexName']}" if "IndexName" in params else ""
            yield f"dynamodb:{operation}", TABLES + params["TableName"] + index


def grants(template: dict, role: str, names: dict[str, str]) -> set[Grant]:
    """The role's (action, resource) pairs in a stack with the MAIL parameters, its !GetAtt,
    !Ref and !Sub resolved from `names`."""
    found: set[Grant] = set()
    for statement in statements(template, role, MAIL):
        assert statement["Effect"] == "Allow"
        action, resource = statement["Action"], statement["Resource"]
        for a in [action] if isinstance(action, str) else action:
            for r in resource if isinstance(resource, list) else [resource]:
                found.add((a, resolve(r, names | PSEUDO | MAIL | {"MailIdentity": ""})))
    return found


def denied(made: set[Grant], granted: set[Grant]) -> set[Grant]:
    return {
        (action, arn)
        for action, arn in made
        if not any(action == a and fnmatchcase(arn, pattern) for a, pattern in granted)
    }


def unused(made: set[Grant], granted: set[Grant]) -> set[Grant]:
    return {
        (a, pattern)
        for a, pattern in granted
        if not any(action == a and fnmatchcase(arn, pattern) for action, arn in made)
    }


@pytest.fixture
def aws(
    moto, ses_server, settings, monkeypatch
) -> Iterator[tuple[DynamoLeadStore, Calls, dict[str, str]]]:
    """A DynamoDB store with its stream and a topic on moto; every client made records calls."""
    calls = Calls()
    make_client = boto3.session.Session.client

    def recording_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        made = make_client(self, *args, **kwargs)
        made.meta.events.register("before-parameter-build.*.*", calls)
        return made

    monkeypatch.setattr(boto3.session.Session, "client", recording_client)
    inbox = Inbox(moto.url)
    settings.NEW_SIGNUP_TOPIC = inbox.topic
    settings.LEADS_BACKEND = "dynamodb"
    settings.LEADS_TABLE = f"leads-{uuid.uuid4().hex[:12]}"
    settings.COUNTERS_TABLE = f"{settings.LEADS_TABLE}-counters"
    get_store.cache_clear()
    notify._sns.cache_clear()
    store = get_store()
    assert isinstance(store, DynamoLeadStore)
    store.client.listeners.append(calls.dynamodb)
    store.setup()
    names = {
        "LeadsTable.Arn": TABLES + settings.LEADS_TABLE,
        "CountersTable.Arn": TABLES + settings.COUNTERS_TABLE,
        "SignupTopic": inbox.topic,
    }
    # Mail as a stack with the MAIL parameters sends it: SES, from MailFrom, with the set.
    settings.EMAIL_BACKEND = SES
    settings.DEFAULT_FROM_EMAIL = MAIL["MailFrom"]
    settings.ANYMAIL = anymail_settings("us-east-1", MAIL["MailConfigurationSet"])
    sesv2 = boto3.client("sesv2", region_name="us-east-1", endpoint_url=ses_server.url)
    sesv2.create_email_identity(EmailIdentity=MAIL["MailFrom"].rpartition("@")[2])
    sets = sesv2.list_configuration_sets()["ConfigurationSets"]
    if MAIL["MailConfigurationSet"] not in sets:  # moto's server outlives a test
        sesv2.create_configuration_set(ConfigurationSetName=MAIL["MailConfigurationSet"])
    yield store, calls, names
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto.url)
    for table in (settings.LEADS_TABLE, settings.COUNTERS_TABLE):
        dynamodb.delete_table(TableName=table)
    get_store.cache_clear()
    notify._sns.cache_clear()


def mail_round() -> int:
    """One round of the worker's mail loop; its mailer's time passes only when it waits."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    mailer = Mailer(clock=lambda: now[0], sleep=sleep)
    return Outbox(mailer, clock=lambda: now[0]).send_due().sent


class TestWorkerRole:
    def test_it_grants_exactly_what_worker_rounds_do(self, aws, template):
        store, calls, names = aws
        for email in add_leads(store, 3):
            confirmed(store, email)  # the owner's notification and the welcome are due
        store.delete("u00001@x.com")  # the stream holds an erasure too
        code = store.get("u00002@x.com").ref_code
        for n, ip in enumerate(["203.0.113.1", "198.51.100.9", "192.0.2.200"]):
            store.add(replace(lead(f"friend{n}@y.org"), referred_by=code))
            confirmed(store, f"friend{n}@y.org", ip=ip)  # the last: the referrer's network
        calls.on = True
        store.settle()  # the first round: no place in the shard yet; credits and withheld
        assert worker.notify_pending(worker.Pacer(10, timedelta(minutes=5))) == 5  # one by one
        assert mail_round() == 5  # the welcomes
        calls.on = False
        add_leads(store, 5, start=20)  # their confirmations are due
        for email in add_leads(store, 5, start=10):
            confirmed(store, email)
        calls.on = True
        store.settle()  # from its place
        assert worker.notify_pending(worker.Pacer(1, timedelta(minutes=5))) == 5  # a digest
        assert mail_round() == 10  # 5 confirmations, 5 welcomes
        calls.on = False
        assert store.total() == 15
        assert store.get("u00002@x.com").credits == 2
        granted = grants(template, "WorkerTaskRole", names)
        assert denied(calls.made, granted) == set()
        assert unused(calls.made, granted) == set()

    def test_it_lists_each_grant_on_one_table_index_stream_or_topic(self, aws, template):
        _, _, names = aws
        granted = grants(template, "WorkerTaskRole", names)
        wildcards = {(action, pattern) for action, pattern in granted if "*" in pattern}
        assert wildcards == {
            (a, names["LeadsTable.Arn"] + "/stream/*")
            for a in ("dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords")
        } | {("ses:GetSendQuota", "*")}  # it names no resource
        assert ("dynamodb:Query", names["LeadsTable.Arn"] + "/index/pending") in granted
        assert not {a for a, _ in granted if a.endswith("Scan")}
        leads = names["LeadsTable.Arn"]
        assert not {a for a, r in granted if a.endswith(("PutItem", "DeleteItem")) and r == leads}


class TestWebRole:
    def test_it_grants_what_the_web_tasks_store_calls_do(self, aws, template):
        store, calls, names = aws
        calls.on = True
        store.add(lead("ann@x.com"))
        store.add(lead("ann@x.com"))  # known: an ask
        store.get("ann@x.com")
        confirmed(store, "ann@x.com")
        store.place("ann@x.com"), store.line(), store.referrer(store.get("ann@x.com").ref_code)
        store.set_preview("ann@x.com", True)
        store.unsubscribe("ann@x.com", at=T0)
        store.add(lead("bob@x.com"))
        confirmed(store, "bob@x.com")
        store.invite("bob@x.com", at=T0), store.join("bob@x.com", at=T0)
        store.revoke_invite("bob@x.com"), store.top_referrers(), store.withheld()
        store.search()
        store.search(domain="x.com", preview=False)
        list(store.iter_leads())
        store.domain_counts(), store.daily_counts(), store.total(), store.counts_as_of()
        store.ping()
        assert store.delete("ann@x.com") is True
        limits = DynamoCache("", {})  # the rate limits (CACHE_URL=dynamodb://)
        limits.add("signup", 1, 60), limits.incr("signup"), limits.get("signup")
        limits.touch("signup", 60), limits.delete("signup")
        assert denied(calls.made, grants(template, "WebTaskRole", names)) == set()
        assert not [a for a, _ in calls.made if a.startswith(("sns:", "ses:"))]


class TestMaintenanceRole:
    def test_it_grants_what_the_scheduled_and_one_off_commands_do(self, aws, template, db):
        store, calls, names = aws
        add_leads(store, 2)
        calls.on = True
        call_command("createtables")
        call_command("sendpending", "--min-age", "0")
        call_command("rebuildcounts")  # reads the stream before and after its scan
        call_command("adoptlabtable")
        call_command("deletelead", "u00000@x.com")
        assert denied(calls.made, grants(template, "MaintenanceTaskRole", names)) == set()
        assert ("dynamodb:GetRecords", calls.stream) in calls.made


class TestWorkerTask:
    def test_it_runs_on_its_task_environment_alone_and_stops_on_sigterm(
        self, aws, template, ses_server
    ):
        store, _, names = aws
        add_confirmed(store, lead("ann@x.com"))  # its welcome and the owner's notification
        store.add(lead("bob@x.com"))  # its confirmation
        given = {e["Name"] for e in container(template, "WorkerTaskDefinition")["Environment"]}
        env = {
            "DJANGO_ALLOWED_HOSTS": "waitlist.example",
            "SITE_URL": "https://waitlist.example",
            "LEADS_BACKEND": "dynamodb",
            "LEADS_TABLE": names["LeadsTable.Arn"].rpartition("/")[2],
            "COUNTERS_TABLE": names["CountersTable.Arn"].rpartition("/")[2],
            "AWS_REGION": "us-east-1",
            "NEW_SIGNUP_TOPIC": names["SignupTopic"],
            "EMAIL_URL": "ses://",  # as with MailFrom
            "DEFAULT_FROM_EMAIL": MAIL["MailFrom"],
            "SES_CONFIGURATION_SET": MAIL["MailConfigurationSet"],
        }
        assert set(env) == given
        env |= {"DJANGO_SECRET_KEY": "w" * 64, "PATH": os.environ["PATH"]}  # the task's secret
        env |= {k: v for k, v in os.environ.items() if k.startswith("AWS_")}  # moto, its keys
        sqlite = ROOT / "db.sqlite3"
        existed = sqlite.exists()
        mailed = len(sent_to(ses_server.url))
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runworker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while owed(store) and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "The worker stopped." in out
        assert owed(store) == []  # sent and marked, without PostgreSQL or its URL
        assert sorted(sent_to(ses_server.url)[mailed:]) == ["ann@x.com", "bob@x.com"]
        assert store.counts_as_of() is not None
        assert existed or not sqlite.exists()


def owed(store: DynamoLeadStore) -> list[str]:
    """The leads with something still due: a notification, an ask unanswered, a mail queued.

    Not "the outbox is empty": the worker's notify and mail threads mark the same lead at once,
    and moto's server (unlike DynamoDB) does not apply one item's conditional updates one after
    the other, so now and then neither mark sees the other's and the lead's entry in the sparse
    index stays, with nothing due (the outbox tests check its removal one mark at a time).
    """
    return [d.lead.email for d in store.outbox() if d.notify or d.unanswered or d.mail]


def sent_to(moto_url: str) -> list[str]:
    """The recipient of each mail moto's SES has taken."""
    data = requests.get(f"{moto_url}/moto-api/data.json", timeout=10).json()
    return [str(message_from_string(raw["raw_data"])["To"]) for raw in data["ses"]["RawMessage"]]
