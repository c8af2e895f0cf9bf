"""The outbox relay as a process of its own: `python -m agora.core.relay WORKER_ID PARENT_PID`.

Every Celery worker starts one beside itself (agora/celery.py) and it ends when that worker
does. It lives in its own process because a worker's pool forks: a relay thread's database
connection (SQLite's locks, a PostgreSQL pool's sockets) must never be copied into a pool
process.
"""

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")
    import django

    django.setup()
    from agora.core import jobs

    worker = argv[0]
    parent_pid = int(argv[1]) if len(argv) > 1 else None
    jobs.run_relay(worker, parent_pid=parent_pid)


if __name__ == "__main__":
    main(sys.argv[1:])
