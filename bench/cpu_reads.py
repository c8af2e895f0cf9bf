"""CPU time of the web process per request for the hot reads (in process, every middleware,
production settings), on the database `bench/speed.py` fills. CPU time, unlike wall time or
wrk's rate, hardly moves with the machine's load, so two checkouts can be compared on a
shared machine: `--root` runs another checkout's code (e.g. a worktree of main).

    .venv/bin/python bench/cpu_reads.py --database-url postgres://.../agora_speed
    .venv/bin/python bench/cpu_reads.py --root /path/to/main/checkout
"""

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

LEARNER_DOMAIN = "speed.bench.test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/agora_speed"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    os.environ.update(
        {
            "AGORA_ENV": "production",
            "SECRET_KEY": "bench-" + "x" * 60,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "LOG_LEVEL": "WARNING",
            "API_RATE_LIMIT_PER_ADDRESS": "100000000/m",
            "API_RATE_LIMIT_PER_USER": "100000000/m",
            "DJANGO_SETTINGS_MODULE": "agora.settings.base",
        }
    )
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client
    from redis.connection import Connection

    from agora.accounts.tokens import issue_access_token
    from agora.catalog.models import Course, Lesson
    from agora.learning.models import Enrollment

    trips: Counter[str] = Counter()
    current = ["warm-up"]
    send = Connection.send_packed_command

    def counting(self: Connection, command: object, check_health: bool = True) -> None:
        trips[current[0]] += 1
        send(self, command, check_health)  # type: ignore[arg-type]

    Connection.send_packed_command = counting  # type: ignore[method-assign]
    enrollment = (
        Enrollment.objects.filter(learner__email__endswith="@" + LEARNER_DOMAIN)
        .select_related("learner")
        .order_by("pk")
        .first()
    )
    if enrollment is None:
        raise SystemExit("no bench learners: run bench/speed.py on this database first")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {issue_access_token(enrollment.learner)}"}
    lesson = Lesson.objects.filter(module__course_id=enrollment.course_id).order_by("pk").first()
    courses = list(Course.objects.filter(status="published").values_list("pk", flat=True))
    rng = random.Random(7)
    rights_key = f"learning:rights:{enrollment.learner_id}:{lesson.pk}"  # type: ignore[union-attr]
    # name: (path, headers, method and body, what to forget before each request)
    scenarios = {
        "GET /me/enrollments": (lambda: "/api/v1/me/enrollments", bearer, None, None),
        "GET /lessons/{id}": (lambda: f"/api/v1/lessons/{lesson.pk}", bearer, None, None),  # type: ignore[union-attr]
        "GET .../progress": (
            lambda: f"/api/v1/courses/{enrollment.course_id}/progress",
            bearer,
            None,
            None,
        ),
        "PUT position, first": (
            lambda: f"/api/v1/lessons/{lesson.pk}/position",  # type: ignore[union-attr]
            bearer,
            ("put", '{"seconds": 30, "spent_seconds": 10}'),
            lambda: cache.delete(rights_key),
        ),
        "course detail, cold": (
            lambda: f"/api/v1/courses/{rng.choice(courses)}",
            {},
            None,
            cache.clear,
        ),
        "/healthz": (lambda: "/healthz", {}, None, None),
    }
    client = Client()
    print(f"code: {args.root}")
    for name, (path, headers, write, forget) in scenarios.items():

        def ask(target: str, headers: dict[str, str] = headers, write: Any = write) -> Any:
            if write is None:
                return client.get(target, **headers)
            method, body = write
            return getattr(client, method)(target, body, content_type="application/json", **headers)

        current[0] = "warm-up"
        for _ in range(5):
            ask(path())
        cpu = 0.0
        for _ in range(args.requests):
            if forget is not None:
                current[0] = "warm-up"
                forget()
            target = path()
            current[0] = name
            started = time.process_time()
            answer = ask(target)
            cpu += time.process_time() - started
            if answer.status_code not in (200, 204):
                raise SystemExit(f"{name}: {target} answered {answer.status_code}")
        print(
            f"  {name:<22} {1000 * cpu / args.requests:6.2f} ms CPU per request"
            f"  {trips[name] / args.requests:4.1f} Redis round trips"
        )


if __name__ == "__main__":
    main()
