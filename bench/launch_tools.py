"""What bench/launch_day.py runs on: processes on loopback, the visitors, CPU time, the truth.

Everything listens on 127.0.0.1 only. AWS credentials are fixed fake values and the shared
config files are /dev/null, so nothing here can reach or read a real account.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import statistics
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import boto3
import requests

from bench.dynamo_tools import BIN, start_moto

ROOT = Path(__file__).resolve().parent.parent
CGROUP_V1 = Path("/sys/fs/cgroup/cpu")
HOT_DOMAIN = "launch.example"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}
Signup = tuple[str, str, str]  # name, email, previewAccess


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen | None = None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{proc.args!r} exited with {proc.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).ok:
                return
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


@dataclass
class Backend:
    """A fresh moto server and the physics proxy in front of it; `aws` talks to moto directly."""

    latency_ms: float
    procs: list[subprocess.Popen] = field(default_factory=list)

    def __enter__(self) -> Backend:
        moto, self.moto_url = start_moto()
        self.procs.append(moto)
        port = free_port()
        proxy = subprocess.Popen(
            [str(BIN / "python"), "-m", "loopback.dynamo_physics", "--upstream", self.moto_url,
             "--port", str(port), "--latency-ms", str(self.latency_ms)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.procs.append(proxy)
        self.url = f"http://127.0.0.1:{port}"
        wait_http(self.url + "/_physics/stats", proxy)
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)

    def aws(self, service: Literal["dynamodb", "sns"]) -> Any:
        session = boto3.session.Session(
            aws_access_key_id=FAKE_AWS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        return session.client(service, endpoint_url=self.moto_url)

    def physics(self, route: str) -> dict[str, Any]:
        method = "GET" if route == "stats" else "POST"
        reply = requests.request(method, f"{self.url}/_physics/{route}", timeout=5)
        reply.raise_for_status()
        return dict(reply.json())

    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs]


def cpu_ms(pids: list[int]) -> float:
    """utime + stime of these processes (fields 14 and 15 of /proc/PID/stat), in ms."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """A gunicorn master and its workers."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


@contextlib.contextmanager
def quarter_core(name: str, vcpu: float = 0.25) -> Iterator[Path]:
    """A cgroup v1 CPU group with a quota of `vcpu` x 100 ms every 100 ms; root only."""
    group = CGROUP_V1 / f"launchday-{name}-{os.getpid()}"
    group.mkdir()
    try:
        (group / "cpu.cfs_period_us").write_text("100000")
        (group / "cpu.cfs_quota_us").write_text(str(round(100_000 * vcpu)))
        yield group
    finally:
        for pid in (group / "cgroup.procs").read_text().split():  # any leftover: back to root
            with contextlib.suppress(OSError):
                (CGROUP_V1 / "cgroup.procs").write_text(pid)
        group.rmdir()


def start(cmd: list[str], env: dict[str, str], cwd: Path, log: Path, group: Path | None = None):
    """A server process, its output to `log`; in `group` (a cgroup) before it execs, if given."""
    if group is not None:
        cmd = ["sh", "-c", 'echo $$ > "$0"; exec "$@"', str(group / "cgroup.procs"), *cmd]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)


def plan(signups: int, visitors: int, seed: int = 7) -> list[list[Signup]]:
    """Each visitor's signups: 30% on one domain, the rest over 100, all today; 2% of them
    (in the last quarter of each visitor's turn) repeat an email another visitor sent earlier."""
    rng = random.Random(seed)
    per = [signups // visitors + (v < signups % visitors) for v in range(visitors)]
    turns: list[list[Signup]] = []
    for v, count in enumerate(per):
        turn = []
        for i in range(count):
            domain = HOT_DOMAIN if rng.random() < 0.3 else f"d{rng.randrange(100)}.example"
            preview = "Yes" if rng.random() < 0.4 else "No"
            turn.append((f"Visitor {v}", f"v{v}-{i}@{domain}", preview))
        turns.append(turn)
    for _ in range(round(signups * 0.02)):
        v, w = rng.sample(range(visitors), 2)
        early = turns[w][rng.randrange(max(1, len(turns[w]) // 2))]
        late = len(turns[v]) - 1 - rng.randrange(max(1, len(turns[v]) // 4))
        turns[v][late] = ("Again", early[1], "Yes")
    return turns


@dataclass
class Load:
    seconds: float = 0.0
    answers: list[tuple[float, float, int, str]] = field(default_factory=list)  # t0, t1, code
    generator_cpu_ms: float = 0.0

    @property
    def accepted(self) -> set[str]:
        return {email for _, _, code, email in self.answers if 200 <= code < 300}

    @property
    def ok(self) -> int:
        return sum(200 <= code < 300 for _, _, code, _ in self.answers)

    def percentile(self, p: float) -> float:
        times = sorted((t1 - t0) * 1000 for t0, t1, _, _ in self.answers)
        return times[min(len(times) - 1, int(p / 100 * len(times)))] if times else 0.0

    def last(self) -> float:
        return max(t1 for _, t1, _, _ in self.answers)

    def p50(self) -> float:
        return statistics.median((t1 - t0) * 1000 for t0, t1, _, _ in self.answers)


def address(email: str) -> str:
    """The signup's client address, as the load balancer names it in X-Forwarded-For: one
    per signup (a launch's visitors sign up once each), in 198.18.0.0/15, the benchmarking
    range (RFC 2544), so that the rate limits count each visitor apart."""
    n = zlib.crc32(email.encode()) % 131072
    return f"198.{18 + n // 65536}.{n // 256 % 256}.{n % 256}"


def visit(
    base: str, turns: list[list[Signup]], path: str = "/signup", deadline: float = 60
) -> Load:
    """Every visitor in its own thread and keep-alive session: GET / for the CSRF cookie, then
    its signups back to back (GET `path` instead, for the generator's ceiling), none started
    after `deadline` seconds (a bound on the run, not a timeout: what started finishes)."""
    load = Load()
    lock = threading.Lock()
    ready = threading.Barrier(len(turns) + 1)

    def visitor(turn: list[Signup]) -> None:
        session = requests.Session()
        session.trust_env = False
        session.get(base + "/", timeout=30)
        token = session.cookies.get("csrftoken", "")
        headers = {"Accept": "application/json", "X-CSRFToken": token, "Referer": base + "/"}
        ready.wait()
        mine, stop = [], time.perf_counter() + deadline
        for name, email, preview in turn:
            t0 = time.perf_counter()
            if t0 > stop:
                break
            try:
                if path == "/signup":
                    data = {"name": name, "email": email, "previewAccess": preview}
                    sent = headers | {"X-Forwarded-For": address(email)}
                    code = session.post(base + path, data=data, headers=sent, timeout=30)
                else:
                    code = session.get(base + path, timeout=30)
                status = code.status_code
            except requests.RequestException:
                status = 0
            mine.append((t0, time.perf_counter(), status, email))
        with lock:
            load.answers += mine

    threads = [threading.Thread(target=visitor, args=(turn,)) for turn in turns]
    for thread in threads:
        thread.start()
    ready.wait()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - t0
    load.generator_cpu_ms = (time.process_time() - cpu0) * 1000
    return load


def warm_up(base: str, count: int = 12) -> tuple[int, float]:
    """Signups one at a time, each on a new connection (so every worker gets some) before the
    load: a worker's first requests make its AWS clients. (non-2xx answers, median ms of the
    last 8: a signup's time with nothing else in flight)."""
    session = requests.Session()
    session.trust_env = False
    session.get(base + "/", timeout=30)
    token = session.cookies.get("csrftoken", "")
    bad, times = 0, []
    for i in range(count):
        email = f"warm{i}@warmup.example"
        headers = {"Accept": "application/json", "X-CSRFToken": token, "Connection": "close"}
        headers["X-Forwarded-For"] = address(email)
        data = {"name": "Warm", "email": email, "previewAccess": "No"}
        t0 = time.perf_counter()
        bad += not session.post(base + "/signup", data=data, headers=headers, timeout=30).ok
        times.append((time.perf_counter() - t0) * 1000)
    return bad, statistics.median(times[-8:])


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**params)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def miscounted(client: Any, leads: str, counters: str) -> tuple[int, int, int]:
    """Against a scan of the leads: (counts too high, counts too low, leads the owner is still
    to hear of), over the domain, day and total counters (a lead counted twice shows up three
    times). A lead's `day` carries its index shard after the date; the counter is the date's."""
    truth: dict[tuple[str, str], int] = {}
    pending = 0
    for item in scan(client, leads):
        pending += "notify" in item
        day = item["day"]["S"][:10]
        for key in (("domain", item["domain"]["S"]), ("day", day), ("total", "all")):
            truth[key] = truth.get(key, 0) + 1
    stored = {
        (i["kind"]["S"], i["key"]["S"]): int(i.get("total", {"N": "0"})["N"])
        for i in scan(client, counters)
        if i["kind"]["S"] in ("domain", "day", "total")
    }
    keys = truth.keys() | stored.keys()
    high = sum(max(0, stored.get(k, 0) - truth.get(k, 0)) for k in keys)
    low = sum(max(0, truth.get(k, 0) - stored.get(k, 0)) for k in keys)
    return high, low, pending
