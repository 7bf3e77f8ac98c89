"""`manage.py runworker`: the worker beside the web tasks (counters, the owner's notifications,
the joiners' mail).

Runs until SIGTERM or SIGINT, then finishes its round and exits 0: ECS stops it that way.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from django.core.management.base import BaseCommand

from leads import worker


class Command(BaseCommand):
    help = (
        "Keep the counters up to date, tell the owner about new signups and send the joiners' "
        "mail, every second."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, metavar="SECONDS")

    def handle(self, *args: object, interval: float, **options: object) -> None:
        stop = threading.Event()

        def finish(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, finish)
        signal.signal(signal.SIGINT, finish)
        self.stdout.write("The worker is running; SIGTERM or Ctrl-C stops it.")
        worker.run(stop, interval=interval)
        self.stdout.write("The worker stopped.")
