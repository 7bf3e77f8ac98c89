"""The lab's signup as the seed wrote it, as a tiny WSGI app for bench/launch_day.py (config a).

Every POST /signup is one PutItem on `ccbda-signup-table` keyed by email (name, email, preview;
no condition, so a second signup with the same email overwrites the first), then an SNS publish
to NEW_SIGNUP_TOPIC, both inside the request; the answer is 200 (the lab answered the status
of its put). No Django, no form validation, no CSRF: the lab's view did little more.

One difference, in the lab's favour: the lab's view made a boto3 resource and an SNS client on
every request (boto3's default session, which is not thread-safe under gthread); here each
gunicorn worker makes one low-level client of each at import, before its threads start.
GET /ping answers without any AWS call (the load generator's ceiling), GET / and /healthz too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import boto3
from botocore.exceptions import BotoCoreError, ClientError

TABLE = os.environ.get("LEADS_TABLE", "ccbda-signup-table")
TOPIC = os.environ.get("NEW_SIGNUP_TOPIC", "")
REGION = os.environ.get("AWS_REGION", "us-east-1")

_session = boto3.session.Session()
dynamodb = _session.client("dynamodb", region_name=REGION)
sns = _session.client("sns", region_name=REGION)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def signup(form: dict[str, list[str]]) -> str:
    name = form.get("name", [""])[0]
    email = form.get("email", [""])[0]
    preview = form.get("previewAccess", ["No"])[0]
    try:
        dynamodb.put_item(
            TableName=TABLE,
            Item={"name": {"S": name}, "email": {"S": email}, "preview": {"S": preview}},
        )
    except (BotoCoreError, ClientError):
        return "500 Internal Server Error"
    with contextlib.suppress(BotoCoreError, ClientError):  # the lab logged it, answered 200
        sns.publish(TopicArn=TOPIC, Message=f"New signup: {email}", Subject="New signup")
    return "200 OK"


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    status = "404 Not Found"
    if method == "POST" and path == "/signup":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(length).decode())
        status = signup(form)
    elif method == "GET" and path in ("/", "/healthz", "/ping"):
        status = "200 OK"
    body = b'{"message": "ok"}' if status.startswith("200") else b'{"error": "failed"}'
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]
