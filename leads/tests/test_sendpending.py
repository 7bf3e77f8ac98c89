"""`manage.py sendpending`, and SNS going down under a running app: signups still succeed."""

from __future__ import annotations

import uuid

import pytest
import requests
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import free_port
from leads import notify
from leads.store import Lead
from leads.tests.factories import add_confirmed, lead
from leads.tests.sns_inbox import Inbox


class TestSendPending:
    def test_it_sends_every_pending_notification_once(self, store, inbox, capsys):
        for i in range(3):
            add_confirmed(store, lead(f"u{i}@x.com", minutes=i))
        call_command("sendpending")
        assert "Sent 3 pending notifications; 0 failed." in capsys.readouterr().out
        subjects = [m["Subject"] for m in inbox.read()]
        assert subjects == ["New signup: u0@x.com", "New signup: u1@x.com", "New signup: u2@x.com"]
        call_command("sendpending")
        assert "Sent 0 pending" in capsys.readouterr().out
        assert inbox.read() == []

    def test_it_fails_loudly_while_sns_is_down(self, store, inbox, monkeypatch, capsys):
        add_confirmed(store, lead("ann@x.com"))
        monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", f"http://127.0.0.1:{free_port()}")
        notify._sns.cache_clear()
        with pytest.raises(CommandError, match="1 notifications are still pending"):
            call_command("sendpending")
        assert "Sent 0 pending notifications; 1 failed." in capsys.readouterr().out
        assert [p.email for p in store.pending()] == ["ann@x.com"]

    def test_it_leaves_a_lead_alone_while_its_own_signup_may_be_publishing(
        self, store, inbox, capsys
    ):
        add_confirmed(
            store, Lead(name="Ann", email="ann@x.com", preview=False, created_at=timezone.now())
        )
        call_command("sendpending")  # two minutes by default
        assert "Sent 0 pending notifications; 0 failed." in capsys.readouterr().out
        call_command("sendpending", "--min-age", "0")
        assert "Sent 1 pending notifications; 0 failed." in capsys.readouterr().out
        assert [m["Subject"] for m in inbox.read()] == ["New signup: ann@x.com"]

    def test_it_refuses_a_negative_age(self, db):
        with pytest.raises(CommandError, match="--min-age cannot be negative"):
            call_command("sendpending", "--min-age", "-1")


def signup(session: requests.Session, url: str, email: str) -> requests.Response:
    data = {"name": "Ann", "email": email, "previewAccess": "No"}
    headers = {"Accept": "application/json", "X-CSRFToken": session.cookies["csrftoken"]}
    return session.post(url + "/signup", data=data, headers=headers)


class TestSnsOutage:
    def test_signups_succeed_while_sns_is_down_and_sendpending_delivers_later(
        self, app_server, moto
    ):
        box = Inbox(moto.url)
        table = f"leads-{uuid.uuid4().hex[:12]}"
        env = {
            "LEADS_BACKEND": "dynamodb",
            "LEADS_TABLE": table,
            "COUNTERS_TABLE": f"{table}-counters",
            "AWS_ENDPOINT_URL": moto.url,
            "NEW_SIGNUP_TOPIC": box.topic,
            "DOUBLE_OPT_IN": "false",  # confirmed at signup: the owner hears of each at once
        }
        dead_sns = f"http://127.0.0.1:{free_port()}"
        broken = app_server(workers=1, AWS_ENDPOINT_URL_SNS=dead_sns, **env)
        broken.manage("createtables")
        session = requests.Session()
        session.get(broken.url + "/")
        codes = [signup(session, broken.url, f"u{i}@x.com").status_code for i in range(3)]
        assert codes == [200, 200, 200]
        assert box.read() == []

        # --min-age 0: these leads are seconds old, and no signup is publishing them.
        delivered = broken.manage("sendpending", "--min-age", "0", AWS_ENDPOINT_URL_SNS=moto.url)
        assert "Sent 3 pending notifications; 0 failed." in delivered.stdout
        assert sorted(m["Subject"] for m in box.read()) == [
            f"New signup: u{i}@x.com" for i in range(3)
        ]

        # Normal operation: one message per new lead, and nothing resent.
        working = app_server(workers=1, **env)
        session = requests.Session()
        session.get(working.url + "/")
        assert signup(session, working.url, "dee@y.org").status_code == 200
        assert signup(session, working.url, "dee@y.org").status_code == 200  # duplicate
        assert signup(session, working.url, "u0@x.com").status_code == 200  # known
        sent = working.manage("sendpending", "--min-age", "0")
        assert "Sent 1 pending notifications; 0 failed." in sent.stdout
        assert [m["Subject"] for m in box.read()] == ["New signup: dee@y.org"]
        again = working.manage("sendpending", "--min-age", "0")
        assert "Sent 0 pending notifications; 0 failed." in again.stdout
        assert box.read() == []
