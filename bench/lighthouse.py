"""Lighthouse scores of the landing and thanks pages, served as in production.

Collects the static files, starts gunicorn with production settings (debug off, WhiteNoise,
only the HTTPS redirect and secure cookies off for plain HTTP on localhost) and runs the pinned
Lighthouse (bench/package.json) with Debian's Chromium against each page.

    cd bench && npm ci && cd .. && .venv/bin/python bench/lighthouse.py [--runs 3] [--brand]

--brand serves the landing page with an owner's own name, words, logo, accent colour and
SHOW_COUNT (BRAND below), as README's "Your own page" configures it.

Each page is measured --runs times (a fresh Chromium each time) and the median run is reported,
since a loaded 2-core machine adds noise to the simulated timings. Exits 1 when the median of
a page misses a target. Reports are written to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
OUT = ROOT / "bench" / "out"
PAGES = {"landing": "/", "thanks": "/thanks"}
TARGETS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
BRAND = {
    "SITE_NAME": "Acme Rockets",
    "SITE_HEADLINE": "Rockets for everyone.",
    "SITE_DESCRIPTION": "The first rocket you can park in a garage. Be the first to fly one.",
    "SITE_ACCENT": "#e91e63",
    "SITE_LOGO": str(ROOT / "bench" / "brand-logo.svg"),
    "PRIVACY_LINE": "No spam, ever. We write once, at launch.",
    "SHOW_COUNT": "True",
}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(tmp: Path, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_SECURE_COOKIES": "False",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp / "staticfiles"),
        "SITE_URL": f"http://localhost:{port}",
    }
    for name in ("STATIC_CDN_DOMAIN", "STATIC_BUCKET", "AWS_S3_CUSTOM_DOMAIN", "CLOUD_FRONT"):
        env.pop(name, None)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_for(url: str, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - our own localhost URL
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


def lighthouse(url: str, report: Path, attempts: int = 3) -> dict:
    """One Lighthouse run; retried when Lighthouse itself fails to record the trace (its
    NO_NAVSTART error on a loaded machine), which says nothing about the page."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility,best-practices,seo",
    ]
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    for attempt in range(1, attempts + 1):
        if subprocess.run(command, env=env).returncode == 0:
            break
        print(f"Lighthouse failed on {url} (attempt {attempt} of {attempts})", file=sys.stderr)
    else:
        raise SystemExit(f"Lighthouse failed {attempts} times on {url}")
    return json.loads(report.read_text())


def summary(result: dict) -> dict:
    audits = result["audits"]
    return {
        **{name: result["categories"][name]["score"] for name in TARGETS},
        "bytes": int(audits["total-byte-weight"]["numericValue"]),
        "requests": len(audits["network-requests"]["details"]["items"]),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "failed": sorted(
            key
            for key, audit in audits.items()
            if audit.get("score") is not None
            and audit["score"] < 1
            and audit.get("scoreDisplayMode") in ("binary", "metricSavings")
        ),
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median performance score; the other categories barely vary."""
    ordered = sorted(runs, key=lambda r: r["performance"] or 0)
    return {**ordered[len(ordered) // 2], "all_performance": [r["performance"] for r in runs]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--brand", action="store_true", help="the owner's own page (BRAND)")
    args = parser.parse_args()
    runs = args.runs
    if not LIGHTHOUSE.exists():
        print("Run `npm ci` in bench/ first (installs the pinned lighthouse).", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp_name:
        env = production_env(Path(tmp_name), port) | (BRAND if args.brand else {})
        manage(env, "collectstatic", "--no-input", "--verbosity=0")
        manage(env, "migrate", "--no-input", "--verbosity=0")
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "waitlist.wsgi",
                f"--bind=127.0.0.1:{port}",
                "--workers=2",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://localhost:{port}"
            wait_for(base + "/healthz", server)
            results = {
                name: median_run(
                    [
                        summary(lighthouse(base + path, OUT / f"lighthouse-{name}-{i}.json"))
                        for i in range(1, runs + 1)
                    ]
                )
                for name, path in PAGES.items()
            }
        finally:
            server.terminate()
            server.wait(timeout=15)
    ok = True
    print(
        f"Lighthouse 12.2.3, mobile preset (simulated throttling), median of {runs} runs"
        + (", custom branding" if args.brand else "")
    )
    print(
        "| page | performance (each run) | accessibility | best practices | SEO | bytes | "
        + "requests | LCP |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        every = ", ".join(str(p) for p in r["all_performance"])
        print(
            f"| {name} | {r['performance']} ({every}) | {r['accessibility']} "
            f"| {r['best-practices']} | {r['seo']} | {r['bytes']:,} | {r['requests']} "
            f"| {r['lcp_ms']} ms |"
        )
        missed = [k for k, target in TARGETS.items() if (r[k] or 0) < target]
        if missed or r["failed"]:
            print(f"  {name}: below target {missed}; audits not passed: {r['failed']}")
        ok = ok and not missed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
