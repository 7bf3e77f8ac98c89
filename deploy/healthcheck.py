"""Docker HEALTHCHECK: GET /healthz on the local gunicorn; exit 0 only on a 200.

It sends a Host header Django accepts (the first allowed host), so no curl and no
extra allowed host are needed in the image.
"""

import os
import sys
import urllib.error
import urllib.request


def first_allowed_host(value: str) -> str:
    for host in value.replace(":", ",").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    port = os.getenv("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": first_allowed_host(os.getenv("DJANGO_ALLOWED_HOSTS", ""))},
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
