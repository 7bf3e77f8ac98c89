"""Helpers for the CDN-mode tests: collectstatic into moto's S3, and a stand-in for CloudFront."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from conftest import ROOT, MotoServer, free_port

CDN_DOMAIN = "d111111abcdef8.cloudfront.net"


def s3_client(moto: MotoServer) -> Any:
    return boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1")


@dataclass
class CollectedToS3:
    bucket: str
    static_root: Path  # where the CDN-mode collectstatic wrote its (local) manifest
    output: str

    @property
    def manifest(self) -> dict[str, str]:
        return json.loads((self.static_root / "staticfiles.json").read_text())["paths"]


def cdn_vars(s3_endpoint: str, bucket: str, static_root: Path, **extra: str) -> dict[str, str]:
    """The variables that switch the app to CDN mode."""
    return {
        "AWS_ENDPOINT_URL": s3_endpoint,
        "STATIC_ROOT": str(static_root),
        "STATIC_CDN_DOMAIN": CDN_DOMAIN,
        "STATIC_BUCKET": bucket,
        **extra,
    }


def cdn_env(s3_endpoint: str, bucket: str, static_root: Path, **extra: str) -> dict[str, str]:
    """A whole environment for manage.py in CDN mode."""
    env = {**os.environ, **cdn_vars(s3_endpoint, bucket, static_root, **extra)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def collect_to_s3(moto: MotoServer, tmp: Path) -> CollectedToS3:
    """Creates a private bucket and runs `manage.py collectstatic` in CDN mode against it."""
    bucket = "static-" + uuid.uuid4().hex[:12]
    s3_client(moto).create_bucket(Bucket=bucket)
    static_root = tmp / "staticfiles"
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=ROOT,
        env=cdn_env(moto.url, bucket, static_root),
        capture_output=True,
        text=True,
        check=True,
    )
    return CollectedToS3(bucket, static_root, done.stdout)


class CloudFrontStandIn:
    """A second local origin that serves a private bucket's objects, as CloudFront does with
    Origin Access Control: it reads S3 with its own credentials and passes the object's headers.
    """

    def __init__(self, moto: MotoServer, bucket: str) -> None:
        self.served: list[str] = []
        s3 = s3_client(moto)
        served = self.served

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                key = self.path.split("?", 1)[0].lstrip("/")
                try:
                    obj = s3.get_object(Bucket=bucket, Key=key)
                except ClientError:
                    self.send_error(403)  # what CloudFront answers for a key the bucket lacks
                    return
                body = obj["Body"].read()
                served.append(key)
                self.send_response(200)
                self.send_header("Content-Type", obj["ContentType"])
                self.send_header("Cache-Control", obj.get("CacheControl", ""))
                self.send_header("ETag", obj["ETag"])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CloudFrontStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
