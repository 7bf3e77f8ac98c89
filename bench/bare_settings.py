"""The project's settings with one extra URL: a bare view, the yardstick for bench/signup.py."""

from waitlist.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
