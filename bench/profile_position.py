"""cProfile of `PUT /api/v1/lessons/{id}/position` in-process, through every middleware
(Django's test `Client`, production settings, a learner's JWT), printed as a text summary.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/agora_bench_pos \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/profile_position.py

The database is migrated and given one course, one lesson and one enrolled learner (reused
when present). Prints the milliseconds per request, the queries per request and the top
functions by cumulative time.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("AGORA_ENV", "production")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("API_RATE_LIMIT_PER_ADDRESS", "100000000/m")
    os.environ.setdefault("API_RATE_LIMIT_PER_USER", "100000000/m")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from agora.accounts.models import User
    from agora.accounts.tokens import issue_access_token
    from agora.catalog.models import Category, Course, Lesson, Module
    from agora.learning.models import Enrollment

    call_command("migrate", verbosity=0)
    email = "position-profile@bench.test"
    learner = User.objects.filter(email=email).first()
    if learner is None:
        owner = User.objects.create_user(email="owner-profile@bench.test", password="x" * 12)
        category, _ = Category.objects.get_or_create(slug="profiled", defaults={"name": "Bench"})
        course = Course.objects.create(
            category=category,
            owner=owner,
            title="Profiled course",
            slug="profiled-course",
            status="published",
        )
        module = Module.objects.create(course=course, title="One", position=1)
        Lesson.objects.create(
            module=module, title="Video", type="video", position=1, duration_seconds=3600
        )
        learner = User.objects.create_user(email=email, password="x" * 12)
        Enrollment.objects.create(learner=learner, course=course, source="free")
    lesson = Lesson.objects.get(module__course__slug="profiled-course")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(learner)}")
    path = f"/api/v1/lessons/{lesson.pk}/position"

    def put(n: int) -> None:
        answer = client.put(
            path,
            data=f'{{"seconds": {n % 3000}, "spent_seconds": 5}}',
            content_type="application/json",
        )
        if answer.status_code != 204:
            raise SystemExit(f"{answer.status_code}: {answer.content!r}")

    for n in range(20):  # warm-up: connections, caches, imports
        put(n)
    queries: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        put(0)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for n in range(args.requests):
        put(n)
    profile.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(args.top)
    calls = stats.total_calls / args.requests  # type: ignore[attr-defined]
    print(
        f"{args.requests} requests, {elapsed / args.requests * 1000:.2f} ms each (profiled), "
        f"{calls:,.0f} Python function calls each (the same on every run)"
    )
    print(f"queries per request: {len(queries)}")
    for sql in queries:
        print("  ", sql[:150])
    print(out.getvalue())


if __name__ == "__main__":
    main()
