"""The task roles of waitlist.yaml against the AWS calls the code makes, on moto's server.

Each test runs what a task runs (a worker round, a web task's store calls, the maintenance
commands), records every call as IAM authorises it (action and resource ARN; a
TransactWriteItems part by part, as its Put, Update or Delete), and checks the role's policy
against the record: every call is granted, and for the worker, every grant is used. The worker
also runs as its own process, on its task definition's environment alone.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

import boto3
import pytest
from django.core.management import call_command

from deploy.tests.conftest import ROOT, container, statements
from leads import notify, worker
from leads.store import get_store
from leads.store.dynamodb.store import DynamoLeadStore
from leads.tests.factories import T0, add_confirmed, add_leads, confirmed, lead
from leads.tests.sns_inbox import Inbox

TABLES = "arn:aws:dynamodb:us-east-1:123456789012:table/"
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

    def authorised(self, service: str, operation: str, params: dict) -> Iterator[Grant]:
        if service == "sns":
            yield f"sns:{operation}", params["TopicArn"]
        elif service == "dynamodbstreams":
            # GetRecords names only an iterator, which came from this stream.
            self.stream = params.get("StreamArn", self.stream)
            yield f"dynamodb:{operation}", self.stream
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
    """The role's (action, resource) pairs, its !GetAtt, !Ref and !Sub resolved from `names`."""

    def resolve(value: Any) -> str:
        if "Fn::GetAtt" in value:
            return names[".".join(value["Fn::GetAtt"])]
        if "Ref" in value:
            return names[value["Ref"]]
        return re.sub(r"\$\{([^}]+)\}", lambda m: names[m[1]], value["Fn::Sub"])

    found: set[Grant] = set()
    for statement in statements(template, role):
        assert statement["Effect"] == "Allow"
        action, resource = statement["Action"], statement["Resource"]
        for a in [action] if isinstance(action, str) else action:
            for r in resource if isinstance(resource, list) else [resource]:
                found.add((a, resolve(r)))
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
def aws(moto, settings, monkeypatch) -> Iterator[tuple[DynamoLeadStore, Calls, dict[str, str]]]:
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
    store.setup()
    names = {
        "LeadsTable.Arn": TABLES + settings.LEADS_TABLE,
        "CountersTable.Arn": TABLES + settings.COUNTERS_TABLE,
        "SignupTopic": inbox.topic,
    }
    yield store, calls, names
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto.url)
    for table in (settings.LEADS_TABLE, settings.COUNTERS_TABLE):
        dynamodb.delete_table(TableName=table)
    get_store.cache_clear()
    notify._sns.cache_clear()


class TestWorkerRole:
    def test_it_grants_exactly_what_worker_rounds_do(self, aws, template):
        store, calls, names = aws
        for email in add_leads(store, 3):
            confirmed(store, email)
        store.delete("u00001@x.com")  # the stream holds an erasure too
        code = store.get("u00002@x.com").ref_code
        for n, ip in enumerate(["203.0.113.1", "198.51.100.9", "192.0.2.200"]):
            store.add(replace(lead(f"friend{n}@y.org"), referred_by=code))
            confirmed(store, f"friend{n}@y.org", ip=ip)  # the last: the referrer's network
        calls.on = True
        store.settle()  # the first round: no place in the shard yet; credits and withheld
        assert worker.notify_pending(worker.Pacer(10, timedelta(minutes=5))) == 5  # one by one
        calls.on = False
        for email in add_leads(store, 5, start=10):
            confirmed(store, email)
        calls.on = True
        store.settle()  # from its place
        assert worker.notify_pending(worker.Pacer(1, timedelta(minutes=5))) == 5  # a digest
        calls.on = False
        assert store.total() == 10
        assert store.get("u00002@x.com").credits == 2
        granted = grants(template, "WorkerTaskRole", names)
        assert denied(calls.made, granted) == set()
        assert unused(calls.made, granted) == set()

    def test_it_lists_each_grant_on_one_table_index_stream_or_topic(self, aws, template):
        _, _, names = aws
        granted = grants(template, "WorkerTaskRole", names)
        wildcards = {pattern for _, pattern in granted if "*" in pattern}
        assert wildcards == {names["LeadsTable.Arn"] + "/stream/*"}
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
        assert denied(calls.made, grants(template, "WebTaskRole", names)) == set()
        assert not [a for a, _ in calls.made if a.startswith("sns:")]


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
    def test_it_runs_on_its_task_environment_alone_and_stops_on_sigterm(self, aws, template):
        store, _, names = aws
        add_confirmed(store, lead("ann@x.com"))  # the owner's notification is due
        given = {e["Name"] for e in container(template, "WorkerTaskDefinition")["Environment"]}
        env = {
            "DJANGO_ALLOWED_HOSTS": "waitlist.example",
            "SITE_URL": "https://waitlist.example",
            "LEADS_BACKEND": "dynamodb",
            "LEADS_TABLE": names["LeadsTable.Arn"].rpartition("/")[2],
            "COUNTERS_TABLE": names["CountersTable.Arn"].rpartition("/")[2],
            "AWS_REGION": "us-east-1",
            "NEW_SIGNUP_TOPIC": names["SignupTopic"],
        }
        assert set(env) == given
        env |= {"DJANGO_SECRET_KEY": "w" * 64, "PATH": os.environ["PATH"]}  # the task's secret
        env |= {k: v for k, v in os.environ.items() if k.startswith("AWS_")}  # moto, its keys
        sqlite = ROOT / "db.sqlite3"
        existed = sqlite.exists()
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runworker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while store.pending() and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "The worker stopped." in out
        assert store.pending() == []  # published and marked, without PostgreSQL or its URL
        assert store.counts_as_of() is not None
        assert existed or not sqlite.exists()
