"""Leaderboards at 100,000 people and 5 million XP awards: the top 50 plus the viewer's own
rank, one request at a time, from PostgreSQL and from Redis (target: under 20 ms p95).

    .venv/bin/python bench/leaderboards.py            # agora_bench_lb on 127.0.0.1, Redis db 7
    .venv/bin/python bench/leaderboards.py --rebuild  # refill the ledger first

The database is created when missing, migrated and filled once (about 3 minutes): 100,000
people (2 % opted out of leaderboards), 200 published courses, 4,950,000 awards spread over
the last 60 days with a long tail (a few people earn a lot, most a little; a third of it in
one popular course, the rest in three courses per person) and 50,000 of them taken back.
The boards are then rebuilt from the ledger by `rebuild_leaderboards` (timed).

For each backend (`database`, `redis`) and four boards (this week, this month, all time,
all time in the popular course) it sends `--requests` requests for
`GET /api/v1/leaderboards/...`, each as a different random person (JWT), through the whole
stack with Django's test client (no network), and times the read alone too
(`queries.leaderboard`). Redis boards are loaded first (timed). Both backends must give the
same answers: the benchmark checks it for every viewer. Results go to
bench/results/<timestamp>-leaderboards.json.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, setup_django, write_results  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/agora_bench_lb"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
PEOPLE = 100_000
COURSES = 200
AWARDS = 4_950_000
TAKEN_BACK = 50_000
TARGET_MS = 20.0


def setup(database: str, redis_url: str) -> None:
    setup_django(database, REDIS_URL=redis_url, LEADERBOARD_KEY_PREFIX="agora-bench:lb")


def fill(rebuild: bool) -> bool:
    """People, courses and the ledger (kept between runs unless --rebuild)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from agora.accounts.models import User
    from agora.catalog.models import Category, Course, CourseStatus
    from agora.gamification.models import XpAward

    have = XpAward.objects.count()
    if have >= AWARDS + TAKEN_BACK and not rebuild:
        print(f"reusing {have:,} awards and their board scores")
        return False
    started = time.monotonic()
    with transaction.atomic():
        if User.objects.filter(email__endswith="@lb.bench.test").count() < PEOPLE:
            User.objects.bulk_create(
                [
                    User(
                        email=f"person-{index}@lb.bench.test",
                        name=f"Person {index}",
                        password=make_password(None),  # no one signs in as them
                        show_on_leaderboards=index % 50 != 7,
                    )
                    for index in range(PEOPLE)
                ],
                batch_size=5000,
                ignore_conflicts=True,
            )
        teacher, _ = User.objects.get_or_create(
            email="teacher@lb.bench.test", defaults={"name": "Teacher", "is_instructor": True}
        )
        category, _ = Category.objects.get_or_create(
            slug="bench-lb", defaults={"name": "Benchmark leaderboards"}
        )
        Course.objects.bulk_create(
            [
                Course(
                    slug=f"bench-lb-{index}",
                    owner=teacher,
                    category=category,
                    title=f"Leaderboard course {index}",
                    status=CourseStatus.PUBLISHED,
                    price=0,
                )
                for index in range(COURSES)
            ],
            ignore_conflicts=True,
        )
    people = list(
        User.objects.filter(email__endswith="@lb.bench.test", is_instructor=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    courses = list(
        Course.objects.filter(slug__startswith="bench-lb-")
        .order_by("id")
        .values_list("id", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE gamification_xpaward CASCADE")
        # A long tail: the person is the first id plus N * r^3 (few earn a lot); a third of
        # what each earns is in the popular course, the rest in three courses of their own;
        # within the last 60 days.
        cursor.execute(
            """
            INSERT INTO gamification_xpaward
                (user_id, rule, object_type, object_id, points, course_id, created_at, counts_at)
            SELECT %(first_person)s + person,
                   CASE WHEN g %% 10 = 0 THEN 'quiz_passed' ELSE 'lesson_completed' END,
                   'lesson', g::text,
                   CASE WHEN g %% 10 = 0 THEN 20 ELSE 10 END,
                   %(first_course)s + CASE WHEN random() < 0.3 THEN 0
                       ELSE (person * 7 + floor(random() * 3)::bigint) %% %(courses)s END,
                   moment, moment
            FROM (SELECT g, floor(%(people)s * power(random(), 3))::bigint AS person,
                         now() - random() * interval '60 days' AS moment
                  FROM generate_series(1, %(awards)s) AS g) AS spread
            """,
            {
                "first_person": people[0],
                "people": len(people),
                "first_course": courses[0],
                "courses": len(courses),
                "awards": AWARDS,
            },
        )
        cursor.execute(
            """
            INSERT INTO gamification_xpaward
                (user_id, rule, object_type, object_id, points, course_id,
                 reverses_id, created_at, counts_at)
            SELECT user_id, rule, object_type, object_id, -points, course_id, id, now(), counts_at
            FROM gamification_xpaward WHERE id %% 99 = 0 ORDER BY id LIMIT %(taken)s
            """,
            {"taken": TAKEN_BACK},
        )
        cursor.execute("ANALYZE gamification_xpaward")
    print(f"filled {XpAward.objects.count():,} awards in {time.monotonic() - started:.0f} s")
    return True


def timed_rebuild() -> float:
    from django.db import connection

    from agora.gamification.models import LeaderboardScore
    from agora.gamification.services import rebuild_leaderboards

    started = time.monotonic()
    count = rebuild_leaderboards()
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        # Compact, as after a restore (a refill leaves the old scores' space behind), then
        # let index-only scans skip the table (the visibility map).
        cursor.execute(f"VACUUM FULL {LeaderboardScore._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {LeaderboardScore._meta.db_table}")
    print(f"rebuilt {count:,} board scores from the ledger in {seconds:.1f} s")
    return seconds


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, int(len(ordered) * pct) - 1)], 2)


def measure(requests: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from agora.accounts.models import User
    from agora.accounts.tokens import issue_access_token
    from agora.gamification import boards, queries
    from agora.gamification.models import GLOBAL, LeaderboardScore, Period
    from agora.gamification.rules import period_starts

    rng = random.Random(5)
    now_starts = period_starts(timezone.now())
    popular = (
        LeaderboardScore.objects.filter(period=Period.ALL_TIME)
        .exclude(course_id=GLOBAL)
        .values_list("course_id", flat=True)
        .order_by("course_id")
        .first()
    )
    cases = {
        "weekly": (Period.WEEKLY, GLOBAL),
        "monthly": (Period.MONTHLY, GLOBAL),
        "all_time": (Period.ALL_TIME, GLOBAL),
        "all_time, popular course": (Period.ALL_TIME, popular),
    }
    people = list(
        User.objects.filter(email__endswith="@lb.bench.test", is_instructor=False).values_list(
            "id", flat=True
        )
    )
    viewers = {pk: User.objects.get(pk=pk) for pk in rng.sample(people, requests)}
    tokens = {pk: issue_access_token(person) for pk, person in viewers.items()}
    client = Client(HTTP_HOST="127.0.0.1")
    results: dict[str, Any] = {"machine": machine(), "boards": {}}
    for name, (period, course_id) in cases.items():
        board = (period, now_starts[period], course_id)
        listed = LeaderboardScore.objects.filter(
            period=period, starts_on=board[1], course_id=course_id, xp__gt=0
        ).count()
        row: dict[str, Any] = {"people_on_board": listed}
        path = f"/api/v1/leaderboards/{period}" + (f"?course_id={course_id}" if course_id else "")
        answers: dict[str, dict[int, Any]] = {}
        for backend in ("database", "redis"):
            settings.LEADERBOARD_BACKEND = backend
            if backend == "redis":
                started = time.monotonic()
                boards.load(board)
                row["redis_load_s"] = round(time.monotonic() - started, 2)
            api: list[float] = []
            read: list[float] = []
            answers[backend] = {}
            for index, (pk, person) in enumerate(viewers.items()):
                headers = {"Authorization": f"Bearer {tokens[pk]}"}
                if index < 5:
                    client.get(path, headers=headers)  # warm-up
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                api.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.content[:200]!r}")
                started = time.perf_counter()
                answer = queries.leaderboard(
                    period=period, starts_on=board[1], course_id=course_id, viewer=person
                )
                read.append((time.perf_counter() - started) * 1000)
                answers[backend][pk] = answer
            row[backend] = {
                "api_p50_ms": round(statistics.median(api), 2),
                "api_p95_ms": percentile(api, 0.95),
                "api_max_ms": round(max(api), 2),
                "read_p50_ms": round(statistics.median(read), 2),
                "read_p95_ms": percentile(read, 0.95),
            }
        row["same_answers"] = answers["database"] == answers["redis"]
        if not row["same_answers"]:
            raise SystemExit(f"{name}: Redis and the database disagree")
        results["boards"][name] = row
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_LB_DATABASE", DEFAULT_DATABASE))
    parser.add_argument("--redis", default=os.environ.get("BENCH_LB_REDIS", DEFAULT_REDIS))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true", help="refill the ledger")
    args = parser.parse_args()
    setup(args.database, args.redis)
    rebuild_seconds = timed_rebuild() if fill(args.rebuild) else None
    results = measure(args.requests)
    if rebuild_seconds is not None:
        results["rebuild_s"] = round(rebuild_seconds, 1)
    print(
        f"\n{args.requests} requests one at a time, each as another person (target p95 "
        f"{TARGET_MS:.0f} ms)"
    )
    print(
        f"{'board':<28}{'people':>9}  {'backend':<9}{'API p50':>9}{'API p95':>9}"
        f"{'read p50':>10}{'read p95':>10}"
    )
    for name, row in results["boards"].items():
        for backend in ("database", "redis"):
            figures = row[backend]
            print(
                f"{name:<28}{row['people_on_board']:>9,}  {backend:<9}"
                f"{figures['api_p50_ms']:>9}{figures['api_p95_ms']:>9}"
                f"{figures['read_p50_ms']:>10}{figures['read_p95_ms']:>10}"
            )
        print(f"{'':<39}Redis load {row['redis_load_s']} s; same answers: {row['same_answers']}")
    print(f"results: {write_results('leaderboards', results)}")


if __name__ == "__main__":
    main()
