"""Signup throughput with gunicorn, as a ratio to a bare Django view served the same way.

    .venv/bin/python bench/signup.py [--seconds 10] [--rounds 3] [--workers 4] [--database-url URL]

One gunicorn serves /bare (an HttpResponse behind the same middleware), the landing page and
/signup, and wrk (Debian's package) loads them in turn, round after round, so that all see the
same machine.
Every signup posts a new email; the script checks afterwards that each 200 was stored. It also
reports the workers' CPU time per request (Linux: it reads /proc).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wrk(url: str, seconds: int, connections: int, env: dict, script: str | None = None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit("wrk saw an answer other than 200:\n" + out)
    rps_line = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    done_line = re.search(r"(\d+) requests in", out)
    if not (rps_line and p50 and done_line):
        raise SystemExit("wrk printed no figures:\n" + out)
    rps = float(rps_line.group(1))
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    done = int(done_line.group(1))
    return {"rps": rps, "p50_ms": float(p50.group(1)) * scale, "requests": done}


def workers_cpu_ms(arbiter: int) -> float:
    """CPU time (user + system) that gunicorn's workers have used so far, in milliseconds."""
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{arbiter}/task/{arbiter}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15 of stat
    return total * tick_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY, as in the image")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-signup-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bare_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "False",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_SECURE_COOKIES": "False",
        "DJANGO_LOGLEVEL": "WARNING",
        "SIGNUP_RATE_LIMIT": "off",
        "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        "PYTHONPATH": str(ROOT),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True, cwd=ROOT)

    port = 18000 + os.getpid() % 1000
    base = f"http://127.0.0.1:{port}"
    # The container's own gunicorn settings (deploy/gunicorn.conf.py), access log included.
    config = str(ROOT / "deploy" / "gunicorn.conf.py")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", config, "waitlist.wsgi"],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(args.workers)},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                session = requests.Session()
                session.get(base + "/", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.2)
        token = session.cookies["csrftoken"]
        script = str(ROOT / "bench" / "signup.lua")
        urls = {"bare": "/bare", "landing": "/", "signup": "/signup"}
        results: dict[str, list[dict]] = {name: [] for name in urls}
        answered = 0  # signups that wrk saw answered 200, warm-up included
        for n in range(args.rounds + 1):  # round 0 warms both up and is not counted
            for name, path in urls.items():
                run_env = {**env, "CSRF_TOKEN": token, "RUN_ID": uuid.uuid4().hex[:8]}
                seconds = 3 if n == 0 else args.seconds
                url = base + path
                cpu_before = workers_cpu_ms(server.pid)
                result = wrk(
                    url, seconds, args.connections, run_env, script if name == "signup" else None
                )
                # Both runs keep the workers busy; CPU per request says what a request costs.
                result["cpu_ms"] = (workers_cpu_ms(server.pid) - cpu_before) / result["requests"]
                if name == "signup":
                    answered += result["requests"]
                if n:
                    results[name].append(result)
                print(f"round {n} {name}: {result}", flush=True)

        # Unloaded latency: one client, one signup at a time.
        headers = {"Accept": "application/json", "X-CSRFToken": token}
        timings = []
        for i in range(200):
            data = {
                "name": "Solo",
                "email": f"solo{i}-{uuid.uuid4().hex[:6]}@x.example",
                "previewAccess": "No",
            }
            start = time.perf_counter()
            session.post(base + "/signup", data=data, headers=headers).raise_for_status()
            timings.append((time.perf_counter() - start) * 1000)

        check = subprocess.run(
            [*manage, "shell", "-v0", "-c",
             "from leads.store import get_store; print(get_store().total())"],
            env=env, capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        stored = int(check.stdout.strip())
    finally:
        server.terminate()
        server.wait()

    bare = statistics.median(r["rps"] for r in results["bare"])
    signup = statistics.median(r["rps"] for r in results["signup"])
    print()
    print(f"bare view:     {bare:8.0f} req/s (median of {args.rounds} runs)")
    print(f"signup:        {signup:8.0f} req/s")
    print(f"ratio:         {signup / bare:8.2f}")
    landing = statistics.median(r["rps"] for r in results["landing"])
    print(f"landing page:  {landing:8.0f} req/s")
    for name in urls:
        cpu = statistics.median(r["cpu_ms"] for r in results[name])
        print(f"workers' CPU per {name} request: {cpu:.2f} ms")
    print(
        f"signup p50 under load: {statistics.median(r['p50_ms'] for r in results['signup']):.1f} ms"
    )
    print(f"signup p50, one client: {statistics.median(timings):.1f} ms")
    # wrk stops counting at its deadline while a few requests are still in flight.
    print(f"leads stored: {stored}; signups answered 200: {answered + len(timings)}")
    if stored < answered + len(timings):
        raise SystemExit("an accepted signup was not stored")


if __name__ == "__main__":
    main()
