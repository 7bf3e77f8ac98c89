"""Gunicorn settings for the container (the Dockerfile's CMD loads this file).

Workers come from WEB_CONCURRENCY; the shutdown budget fits inside ECS's stopTimeout
(deploy/cloudformation/waitlist.yaml), so in-flight requests finish before SIGKILL.
"""

import json
import logging
import os
import urllib.request

# ECS gives a task `stopTimeout` seconds between SIGTERM and SIGKILL (30 in our template).
ECS_STOP_TIMEOUT = 30

bind = [os.getenv("GUNICORN_BIND", f"0.0.0.0:{os.getenv('PORT', '8000')}")]
workers = int(os.getenv("WEB_CONCURRENCY", "2"))
# Threaded workers (gthread). A sync worker is held by one slow client until the worker timeout;
# here idle and kept-alive connections wait in the worker's poller, a slow client holds one
# thread while its request is read, and the other threads keep serving and overlap their AWS
# and database round trips. Not gevent: Django keeps a database connection per greenlet (per
# client connection, unbounded), and SQLite's lock waits would stall every greenlet.
# 2 workers x 8 threads: 16 requests in flight (at most 16 PostgreSQL connections), far more
# than 0.25 vCPU needs to stay busy. A worker whose 8 threads are all held still accepts, and
# what it accepts waits: the task stays healthy with up to 7 slow clients a worker.
worker_class = "gthread"
threads = int(os.getenv("GUNICORN_THREADS", "8"))
# Connections per worker, kept-alive ones included (a socket each, not a thread).
worker_connections = 1000
# Workers heartbeat from their event loop: this catches a stuck worker, it does not bound a
# request. gthread has no header or body read timeout (it waits 5 s for a first byte).
timeout = 30
graceful_timeout = ECS_STOP_TIMEOUT - 5
# Longer than the ALB's 60 s idle timeout, so the balancer closes idle connections first
# (the other way round shows up as sporadic 502s).
keepalive = 75
# The heartbeat files must live on a tmpfs: the root filesystem is read-only, and a slow disk
# can make the arbiter kill healthy workers.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a tmpfs, private to the container
# Gunicorn 27's control socket (for `gunicornc`) would live in $HOME, which the app user does
# not have on a read-only filesystem; nothing here uses it.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.getenv("GUNICORN_LOGLEVEL", "info")


def task_addresses(metadata_uri: str | None, timeout: float = 2.0) -> list[str]:
    """The task's private IPv4 addresses, from the ECS task metadata endpoint (v4).

    The load balancer's health check sends `Host: <task ip>:8000`; Django would answer 400
    unless that address is an allowed host. Outside ECS there is no endpoint and no address.
    """
    if not metadata_uri:
        return []
    try:
        with urllib.request.urlopen(metadata_uri, timeout=timeout) as response:  # noqa: S310
            container = json.load(response)
    except (OSError, ValueError) as exc:
        logging.getLogger("gunicorn.error").warning("no ECS task metadata: %s", exc)
        return []
    return [ip for net in container.get("Networks", []) for ip in net.get("IPv4Addresses", [])]


def allow_task_addresses(environ: "os._Environ[str] | dict[str, str]") -> None:
    extra = task_addresses(environ.get("ECS_CONTAINER_METADATA_URI_V4"))
    if extra:
        hosts = [h for h in environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]
        environ["DJANGO_ALLOWED_HOSTS"] = ",".join([*hosts, *extra])


# Runs once in the arbiter, before any worker imports Django's settings.
allow_task_addresses(os.environ)
