"""Runs the web server and the background workers (one for payments, one for the rest with
the beat scheduler) together.

`make run` uses it. Ctrl-C or SIGTERM stops them all cleanly; if one dies, the others are
stopped too, so nothing is left running half-alive.
"""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the ASGI web server and the Celery workers (with beat), and stop them together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "uvicorn",
                "agora.asgi:application",
                "--host",
                options["host"],
                "--port",
                str(options["port"]),
                "--no-server-header",
                "--lifespan",
                "off",
            ],
        }
        if not options["no_worker"]:
            worker = [python, "-m", "celery", "-A", "agora", "worker", "--loglevel", "INFO"]
            # Payments get a worker of their own: a burst of emails never delays access.
            commands["payments-worker"] = [
                *worker,
                "--queues",
                "payments",
                "--hostname",
                "payments@%h",
                "--concurrency",
                "1",
            ]
            # Video processing takes minutes per lecture: its own worker, one job at a time.
            commands["video-worker"] = [
                *worker,
                "--queues",
                "video",
                "--hostname",
                "video@%h",
                "--concurrency",
                "1",
            ]
            # Learners' programs: their own worker, so a queue of runs never delays email
            # (the sandbox itself caps how many run at once: CODE_RUN_CONCURRENCY).
            commands["code-worker"] = [
                *worker,
                "--queues",
                "code",
                "--hostname",
                "code@%h",
                "--concurrency",
                "2",
            ]
            commands["worker"] = [
                *worker,
                "--queues",
                "notifications,bulk",
                "--hostname",
                "jobs@%h",
                "--concurrency",
                "2",
                "--beat",
            ]
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        self.stdout.write(
            f"Agora is running at http://{options['host']}:{options['port']}/ "
            f"({', '.join(children)}). Press Ctrl-C to stop."
        )
        stopping = False

        def stop(signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with status {child.returncode}; stopping.")
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("Stopped.")
        sys.exit(exit_code)
