"""Listing a course's questions when it has 10,000 of them: one request at a time, through
the whole stack, on PostgreSQL (the target: under 30 ms for a page of 20).

    .venv/bin/python bench/qa.py                                  # agora_bench_qa on 127.0.0.1
    .venv/bin/python bench/qa.py --database postgres://postgres@127.0.0.1:5432/other --rebuild

The database is created when missing, migrated and filled once: a course with 10,000
questions (a tenth about one lesson, a third answered, votes spread out, some hidden or
deleted) and 20,000 questions in 40 other courses, 300 learners. Then, for each list a
member reads (recent, votes, unanswered, one lesson's, a search), it sends `--requests`
requests one after another with Django's test client (JWT auth, the API's own code, JSON
rendering; no network) and prints p50/p95/max, then the plans of every query on the
questions (EXPLAIN ANALYZE) and whether any read the table sequentially. Results go to
bench/results/<timestamp>-qa.json.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import setup_django  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/agora_bench_qa"
QUESTIONS = 10_000
OTHER_COURSES = 40
OTHER_QUESTIONS = 20_000
LEARNERS = 300
TARGET_MS = 30.0


def _setup(database: str) -> None:
    setup_django(database)


def _fill(rebuild: bool) -> Any:
    """The benchmark course (created once; reused afterwards)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from agora.accounts.models import User
    from agora.catalog.models import (
        Category,
        Course,
        CourseStatus,
        Lesson,
        LessonType,
        Module,
    )
    from agora.community.models import Question
    from agora.learning.models import Enrollment

    course = Course.objects.filter(slug="bench-qa-main").first()
    if course is not None and not rebuild:
        return course
    if course is not None:
        Question.objects.all().delete()
    rng = random.Random(12)
    started = time.monotonic()
    with transaction.atomic():
        password = make_password("bench-qa-password")
        teacher, _ = User.objects.get_or_create(
            email="qa-teacher@bench.test",
            defaults={"name": "Quinn Teacher", "password": password, "is_instructor": True},
        )
        learners = []
        for index in range(LEARNERS):
            person, _ = User.objects.get_or_create(
                email=f"qa-learner-{index}@bench.test",
                defaults={"name": f"Learner {index}", "password": password},
            )
            learners.append(person)
        category, _ = Category.objects.get_or_create(
            slug="bench-qa", defaults={"name": "Benchmark Q&A"}
        )
        courses = []
        for index in range(OTHER_COURSES + 1):
            slug = "bench-qa-main" if index == 0 else f"bench-qa-other-{index}"
            item, _ = Course.objects.get_or_create(
                slug=slug,
                defaults={
                    "owner": teacher,
                    "category": category,
                    "title": f"Benchmark course {index}",
                    "status": CourseStatus.PUBLISHED,
                    "price": 0,
                    "published_at": datetime.now(UTC),
                },
            )
            courses.append(item)
        main = courses[0]
        module, _ = Module.objects.get_or_create(course=main, position=1, defaults={"title": "M"})
        lessons = [
            Lesson.objects.get_or_create(
                module=module,
                position=position,
                defaults={"title": f"Lesson {position}", "type": LessonType.TEXT},
            )[0]
            for position in range(1, 11)
        ]
        Enrollment.objects.bulk_create(
            [Enrollment(learner=person, course=main) for person in learners],
            ignore_conflicts=True,
        )
        words = (
            "knot sail wind anchor reef tide chart compass mooring bowline hitch cleat "
            "jib boom tack gybe keel rudder helm mast halyard sheet winch buoy harbour"
        ).split()
        now = datetime.now(UTC)

        def question(item: Course, number: int) -> Question:
            answered = rng.random() < 0.35
            title_words = " ".join(rng.choice(words) for _ in range(6))
            body = " ".join(rng.choice(words) for _ in range(60))
            created = now - timedelta(minutes=number)
            removed = rng.random()
            return Question(
                course=item,
                lesson=lessons[number % 10] if item.pk == main.pk and number % 10 == 0 else None,
                author=learners[number % LEARNERS],
                title=f"How do I {title_words}?",
                body=body,
                body_html=f"<p>{body}</p>",
                votes=max(-3, int(rng.gauss(2, 4))),
                answers_count=rng.randint(1, 5) if answered else 0,
                created_at=created,
                updated_at=created,
                hidden_at=created if removed < 0.01 else None,
                deleted_at=created if 0.01 <= removed < 0.02 else None,
            )

        Question.objects.bulk_create(
            [question(main, number) for number in range(QUESTIONS)], batch_size=2000
        )
        Question.objects.bulk_create(
            [
                question(courses[1 + number % OTHER_COURSES], number)
                for number in range(OTHER_QUESTIONS)
            ],
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE community_question")
        cursor.execute("ANALYZE learning_enrollment")
    print(f"filled in {time.monotonic() - started:.1f} s")
    return Course.objects.get(slug="bench-qa-main")


def _expect_ok(response: Any) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")


def _timings(client: Any, path: str, headers: dict[str, str], requests: int) -> dict[str, Any]:
    for _ in range(5):  # warm-up
        _expect_ok(client.get(path, headers=headers))
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        _expect_ok(response)
    samples.sort()
    return {
        "path": path,
        "items": len(response.json()["items"]),
        "count": response.json()["count"],
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "max_ms": round(samples[-1], 2),
    }


def _plans(client: Any, path: str, headers: dict[str, str]) -> tuple[int, list[str], bool]:
    from django.db import connection

    total = 0
    lines: list[str] = []
    sequential = False

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal total, sequential
        total += 1
        if sql.lstrip().upper().startswith("SELECT") and "community_question" in sql:
            cursor = context["cursor"].cursor
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
            lines.append("-- " + " ".join(sql.split())[:200])
            lines.extend(plan)
            sequential = sequential or any(
                "Seq Scan on community_question" in line for line in plan
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        client.get(path, headers=headers)
    return total, lines, sequential


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_QA_DATABASE", DEFAULT_DATABASE))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="refill the questions")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    _setup(args.database)

    from django.test import Client

    from agora.accounts.models import User
    from agora.accounts.tokens import issue_access_token

    course = _fill(args.rebuild)
    learner = User.objects.get(email="qa-learner-7@bench.test")
    headers = {"Authorization": f"Bearer {issue_access_token(learner)}"}
    lesson_id = course.questions.exclude(lesson=None).values_list("lesson_id", flat=True)[0]
    base = f"/api/v1/courses/{course.pk}/questions?page_size=20"
    paths = {
        "recent": base,
        "votes": f"{base}&sort=votes",
        "unanswered": f"{base}&sort=unanswered",
        "lesson": f"{base}&lesson_id={lesson_id}",
        "recent, page 50": f"{base}&page=50",
        "search 'mooring'": f"{base}&q=mooring",
        "search 'bowline anchor'": f"{base}&q=bowline+anchor",
    }
    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    print(
        f"\nGET a page of 20 questions, {args.requests} requests one at a time"
        f" (target {TARGET_MS:.0f} ms)"
    )
    print(f"{'list':<26}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, path in paths.items():
        result = _timings(client, path, headers, args.requests)
        results[name] = result
        print(
            f"{name:<26}{result['count']:>8}{result['p50_ms']:>10}{result['p95_ms']:>10}"
            f"{result['max_ms']:>10}"
        )
    if not args.no_explain:
        for name, path in paths.items():
            total, lines, sequential = _plans(client, path, headers)
            results[name]["queries"] = total
            results[name]["sequential_scan"] = sequential
            print(f"\n=== {name}: {total} queries; sequential scan of questions: {sequential}")
            print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"{stamp}-qa.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
