"""Analytics at 1 million orders and 10 million progress rows: the dashboards one request at
a time (target: p95 under 150 ms on PostgreSQL) and an export of every order (target: flat
memory, under 200 MB RSS).

    .venv/bin/python bench/analytics.py               # agora_analytics on 127.0.0.1
    .venv/bin/python bench/analytics.py --refill      # generate the data again
    .venv/bin/python bench/analytics.py --scale 1000 --database postgres://.../other
                                                      # a tiny run (1,000 orders) to try it

The data is generated in the database with INSERT ... SELECT over generate_series (never
row by row through the ORM), once, and kept between runs: 200,000 learners, 1,000
instructors with 2 courses each (10 lessons each), 1,000,000 paid orders of one course over
the last 365 days (5 % refunded a few days later) with their ledger transactions (sale, and
refund), 1,000,000 enrollments, 10,000,000 lesson progress rows (every lesson of every
enrollment; about 40 % completed, the rest stopped somewhere in the video; each started some
time after its enrollment), a day of watching per progress row (LessonActivityDay, on the
day the row last changed) and a year of page views per course. Then `rebuild_analytics`
rolls it all up (timed).

Each dashboard is requested `--requests` times through the whole API stack (Django's test
client, a JWT, no network): an instructor's course (last 30 days, last 12 months), all of an
instructor's courses (30 days), the admin's figures (30 days, 12 months). Each request is a
different instructor or a different end day, so no two are the same question. Then one
export of all orders as CSV and as XLSX runs in a child process whose resident memory is
sampled every 0.2 s. Results go to bench/results/<timestamp>-analytics.json.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, setup_django, write_results  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/agora_analytics"
LEARNERS = 200_000
INSTRUCTORS = 1_000
COURSES_EACH = 2
LESSONS = 10  # per course, in two modules
ORDERS = 1_000_000
TARGET_MS = 150.0
TARGET_RSS_MB = 200.0
EMAIL_DOMAIN = "@analytics.bench.test"


def _insert_select(model: Any, expressions: dict[str, str], source: str, params: dict) -> int:
    """INSERT INTO model's table SELECT ... FROM `source`: every concrete column is given,
    by `expressions` (SQL) or by the field's default, so raw SQL never misses a NOT NULL
    column Django fills."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name not in expressions:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in expressions:
            values.append(expressions[field.name])
        else:
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({key})s")
    # Table and column names come from the models; values are parameters.
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def scale(divisor: int) -> None:
    """Fewer learners and orders (each learner still buys five courses; the courses stay)."""
    global LEARNERS, ORDERS
    LEARNERS //= divisor
    ORDERS = LEARNERS * 5


def fill() -> dict[str, float]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from agora.accounts.models import User
    from agora.catalog.models import Category, Course, CourseDailyStat, Lesson, Module
    from agora.commerce.models import LedgerEntry, LedgerTransaction, Order, OrderItem
    from agora.learning.models import Enrollment, LessonActivityDay, LessonProgress

    timings: dict[str, float] = {}
    started = time.monotonic()
    password = make_password(None)
    with transaction.atomic():
        _insert_select(
            User,
            {
                "email": "'learner-' || g || '" + EMAIL_DOMAIN + "'",
                "name": "'Learner ' || g",
                "password": "%(password)s",
                "date_joined": "now() - (random() * 400) * interval '1 day'",
                "auth_stamp": "md5(g::text)",
            },
            "generate_series(1, %(count)s) AS g",
            {"password": password, "count": LEARNERS},
        )
        _insert_select(
            User,
            {
                "email": "'teacher-' || g || '" + EMAIL_DOMAIN + "'",
                "name": "'Teacher ' || g",
                "password": "%(password)s",
                "is_instructor": "true",
                "date_joined": "now() - interval '400 days'",
                "auth_stamp": "md5('t' || g::text)",
            },
            "generate_series(1, %(count)s) AS g",
            {"password": password, "count": INSTRUCTORS},
        )
        category, _ = Category.objects.get_or_create(
            slug="bench-analytics", defaults={"name": "Benchmark analytics"}
        )
        _insert_select(
            Course,
            {
                "owner": "u.id",
                "category": "%(category)s",
                "slug": "'bench-analytics-' || u.id || '-' || k",
                "title": "'Course ' || k || ' of ' || u.name",
                "status": "'published'",
                "price": "1000 + (u.id %% 20) * 500",
                "currency": "'USD'",
                "created_at": "u.date_joined",
                "updated_at": "u.date_joined",
                "published_at": "u.date_joined",
            },
            "accounts_user u CROSS JOIN generate_series(1, %(each)s) AS k "
            "WHERE u.email LIKE 'teacher-%%' AND u.email LIKE %(domain)s",
            {"category": category.pk, "each": COURSES_EACH, "domain": "%" + EMAIL_DOMAIN},
        )
        course_filter = "c.slug LIKE 'bench-analytics-%%'"
        _insert_select(
            Module,
            {"course": "c.id", "title": "'Part ' || p", "position": "p"},
            f"catalog_course c CROSS JOIN generate_series(1, 2) AS p WHERE {course_filter}",
            {},
        )
        _insert_select(
            Lesson,
            {
                "module": "m.id",
                "title": "'Lesson ' || ((m.position - 1) * 5 + p)",
                "type": "'video'",
                "position": "p",
                "duration_seconds": "300 + (p * 60)",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "catalog_module m JOIN catalog_course c ON c.id = m.course_id "
            f"CROSS JOIN generate_series(1, {LESSONS // 2}) AS p WHERE {course_filter}",
            {},
        )
        timings["people_and_courses_s"] = round(time.monotonic() - started, 1)

        # Orders: learner n buys five courses, 400 courses apart, so each pair is unique.
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_learner AS SELECT row_number() OVER (ORDER BY id) - 1 "
                "AS n, id FROM accounts_user WHERE email LIKE 'learner-%%' AND email LIKE %s",
                ["%" + EMAIL_DOMAIN],
            )
            cursor.execute(
                "CREATE TEMP TABLE bench_course AS SELECT row_number() OVER (ORDER BY id) - 1 "  # noqa: S608
                f"AS n, id, owner_id, price, title FROM catalog_course c WHERE {course_filter}"
            )
            cursor.execute("CREATE INDEX ON bench_learner (n); CREATE INDEX ON bench_course (n)")
            cursor.execute(
                """
                CREATE TEMP TABLE bench_sale AS
                SELECT g, l.id AS buyer_id, c.id AS course_id, c.owner_id, c.price, c.title,
                       now() - random() * interval '365 days' AS paid_at,
                       g %% 20 = 0 AS refunded
                FROM generate_series(0, %s - 1) AS g
                JOIN bench_learner l ON l.n = g %% %s
                JOIN bench_course c ON c.n = (l.n * 13 + (g / %s) * 400) %% %s
                """,
                [ORDERS, LEARNERS, LEARNERS, INSTRUCTORS * COURSES_EACH],
            )
        started = time.monotonic()
        _insert_select(
            Order,
            {
                "buyer": "s.buyer_id",
                "status": "CASE WHEN s.refunded THEN 'refunded' ELSE 'paid' END",
                "currency": "'USD'",
                "subtotal": "s.price",
                "total": "s.price",
                "provider": "'demo'",
                "provider_payment_id": "'bench-' || s.g",
                "created_at": "s.paid_at - interval '1 minute'",
                "paid_at": "s.paid_at",
                "refunded_at": "CASE WHEN s.refunded THEN LEAST(now(), s.paid_at + "
                "interval '3 days') END",
            },
            "bench_sale s ORDER BY s.g",
            {},
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_order AS SELECT o.id AS order_id, s.* FROM "
                "commerce_order o JOIN bench_sale s ON o.provider_payment_id = 'bench-' || s.g"
            )
        _insert_select(
            OrderItem,
            {
                "order": "b.order_id",
                "course": "b.course_id",
                "title": "b.title",
                "price": "b.price",
                "commission_basis_points": "2000",
                "instructor_shares": "jsonb_build_array(jsonb_build_object("
                "'user_id', b.owner_id, 'percent', 100))",
            },
            "bench_order b",
            {},
        )
        for kind, moment, where in (
            ("sale", "b.paid_at", "true"),
            ("refund", "LEAST(now(), b.paid_at + interval '3 days')", "b.refunded"),
        ):
            _insert_select(
                LedgerTransaction,
                {
                    "kind": f"'{kind}'",
                    "idempotency_key": f"'{kind}:order:' || b.order_id",
                    "created_at": moment,
                },
                f"bench_order b WHERE {where}",
                {},
            )
            sign = 1 if kind == "sale" else -1
            for account, amount, instructor in (
                ("provider_clearing", f"{sign} * b.price", "NULL"),
                ("platform_revenue", f"{-sign} * (b.price * 2000 / 10000)", "NULL"),
                (
                    "instructor_pending",
                    f"{-sign} * (b.price - b.price * 2000 / 10000)",
                    "b.owner_id",
                ),
            ):
                _insert_select(
                    LedgerEntry,
                    {
                        "transaction": "t.id",
                        "account": f"'{account}'",
                        "instructor": instructor,
                        "amount": amount,
                        "currency": "'USD'",
                    },
                    "bench_order b JOIN commerce_ledgertransaction t ON t.idempotency_key = "
                    f"'{kind}:order:' || b.order_id WHERE {where}",
                    {},
                )
        timings["orders_and_ledger_s"] = round(time.monotonic() - started, 1)

        started = time.monotonic()
        _insert_select(
            Enrollment,
            {
                "learner": "b.buyer_id",
                "course": "b.course_id",
                "source": "'purchase'",
                "created_at": "b.paid_at",
                "revoked_at": "CASE WHEN b.refunded THEN b.paid_at + interval '3 days' END",
                "progress_percent": "CASE WHEN b.g %% 5 < 2 THEN 100 ELSE (b.g %% 9) * 10 END",
                "completed_at": "CASE WHEN b.g %% 5 < 2 THEN LEAST(now(), b.paid_at + "
                "interval '20 days') END",
                "last_activity_at": "LEAST(now(), b.paid_at + interval '20 days')",
            },
            "bench_order b",
            {},
        )
        # Every lesson of every enrollment: 10 million rows. A learner who completed the
        # course completed each lesson; the others stopped somewhere in each video.
        _insert_select(
            LessonProgress,
            {
                "user": "e.learner_id",
                "lesson": "l.id",
                "course": "e.course_id",
                "completed_at": "CASE WHEN e.completed_at IS NOT NULL THEN e.completed_at END",
                "position_seconds": "CASE WHEN e.completed_at IS NOT NULL THEN "
                "l.duration_seconds ELSE floor(random() * l.duration_seconds)::int END",
                "seconds_spent": "floor(random() * l.duration_seconds)::int",
                # One draw for both: started (at most ten days after enrolling) no later than
                # the last change (at most twenty), and no later than the completion.
                "started_at": "LEAST(now(), e.created_at + (x.r * 10) * interval '1 day')",
                "updated_at": "LEAST(now(), e.created_at + (x.r * 20) * interval '1 day')",
            },
            "learning_enrollment e JOIN catalog_module m ON m.course_id = e.course_id "
            "JOIN catalog_lesson l ON l.module_id = m.id "
            "JOIN bench_course c ON c.id = e.course_id "
            "CROSS JOIN LATERAL (SELECT random() + 0 * l.id AS r) x",
            {},
        )
        # The watching each progress row stands for, on the day it last changed.
        _insert_select(
            LessonActivityDay,
            {
                "user": "p.user_id",
                "lesson": "p.lesson_id",
                "course": "p.course_id",
                "day": "p.updated_at::date",
                "seconds": "p.seconds_spent",
                "position_seconds": "p.position_seconds",
            },
            "learning_lessonprogress p JOIN bench_course c ON c.id = p.course_id",
            {},
        )
        _insert_select(
            CourseDailyStat,
            {
                "course": "c.id",
                "day": "d::date",
                "views": "floor(random() * 60)::int",
            },
            "bench_course c CROSS JOIN generate_series(current_date - 364, current_date, "
            "interval '1 day') AS d",
            {},
        )
        timings["enrollments_progress_views_s"] = round(time.monotonic() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return timings


def counts() -> dict[str, int]:
    from agora.commerce.exports import orders_table
    from agora.learning.models import LessonProgress

    return {
        "orders": orders_table().count(),
        "progress_rows": LessonProgress.objects.count(),
    }


def timed_rebuild() -> float:
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    call_command("rebuild_analytics")
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE") if connection.get_autocommit() else None
    return round(seconds, 1)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, int(len(ordered) * pct) - 1)], 2)


def measure(requests: int) -> dict[str, Any]:
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from agora.accounts.models import User
    from agora.accounts.tokens import issue_access_token
    from agora.catalog.models import Course

    rng = random.Random(16)
    teachers = list(User.objects.filter(email__startswith="teacher-", email__endswith=EMAIL_DOMAIN))
    admin, _ = User.objects.get_or_create(
        email="admin" + EMAIL_DOMAIN, defaults={"name": "Admin", "is_staff": True}
    )
    admin_token = issue_access_token(admin)
    courses = dict(
        Course.objects.filter(owner__in=teachers).values_list("owner_id", "id").order_by("id")
    )
    client = Client(HTTP_HOST="127.0.0.1")
    today = timezone.localdate()

    def span(days: int) -> str:
        last = today - timedelta(days=rng.randint(0, 60))
        return f"from={last - timedelta(days=days - 1)}&to={last}"

    cases: dict[str, Any] = {
        "instructor, one course, 30 days": lambda t: (
            f"/api/v1/instructor/analytics?course_id={courses[t.pk]}&{span(30)}"
        ),
        "instructor, one course, 12 months": lambda t: (
            f"/api/v1/instructor/analytics?course_id={courses[t.pk]}&{span(365)}"
        ),
        "instructor, all courses, 30 days": lambda t: f"/api/v1/instructor/analytics?{span(30)}",
        "admin, 30 days": lambda t: f"/api/v1/admin/analytics?{span(30)}",
        "admin, 12 months": lambda t: f"/api/v1/admin/analytics?{span(365)}",
    }
    results: dict[str, Any] = {}
    for name, path_for in cases.items():
        timings: list[float] = []
        admin_case = name.startswith("admin")
        for index in range(requests + 5):
            teacher = rng.choice(teachers)
            token = admin_token if admin_case else issue_access_token(teacher)
            path = path_for(teacher)
            started = time.perf_counter()
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
            if index >= 5:  # the first five warm the connection and the code paths
                timings.append(elapsed)
        results[name] = {
            "requests": len(timings),
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": percentile(timings, 0.95),
            "max_ms": round(max(timings), 1),
        }
        row = results[name]
        print(f"{name:40} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms", flush=True)
    return results


def export_child(export_format: str) -> None:
    """Runs in a child process: one export of every order, written through the job's code."""
    from agora.accounts.models import User
    from agora.analytics import exports
    from agora.analytics.models import Export

    admin = User.objects.get(email="admin" + EMAIL_DOMAIN)
    export = Export.objects.create(requested_by=admin, kind="orders", format=export_format)
    started = time.monotonic()
    exports.run_export(export_id=export.pk)
    export.refresh_from_db()
    print(
        f"EXPORT {export.status} rows={export.rows_written} bytes={export.size_bytes} "
        f"seconds={time.monotonic() - started:.1f}",
        flush=True,
    )


def measure_export(database: str, export_format: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": database}
    child = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, "--database", database, "--export-child", export_format],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    samples: list[tuple[float, float]] = []
    started = time.monotonic()

    def sample() -> None:
        status = Path(f"/proc/{child.pid}/status")
        while child.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        samples.append((time.monotonic() - started, int(line.split()[1]) / 1024))
            except OSError:
                break
            time.sleep(0.2)

    watcher = threading.Thread(target=sample)
    watcher.start()
    output, _ = child.communicate()
    watcher.join()
    line = next((line for line in output.splitlines() if line.startswith("EXPORT")), output)
    rss = [mb for _, mb in samples]
    tenth = max(len(rss) // 10, 1)
    result = {
        "format": export_format,
        "outcome": line,
        "seconds": round(time.monotonic() - started, 1),
        "rss_max_mb": round(max(rss), 1) if rss else None,
        "rss_at_10_percent_mb": round(rss[tenth], 1) if rss else None,
        "rss_at_50_percent_mb": round(rss[len(rss) // 2], 1) if rss else None,
        "rss_at_90_percent_mb": round(rss[-tenth], 1) if rss else None,
    }
    print(f"export {export_format}: {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", DEFAULT_DATABASE))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument(
        "--scale", type=int, default=1, help="divide the learners and orders by this (a trial)"
    )
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--export-child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django(args.database)
    if args.export_child:
        export_child(args.export_child)
        return
    from agora.learning.models import LessonProgress

    scale(args.scale)
    results: dict[str, Any] = {"machine": machine(), "scale": args.scale}
    have = LessonProgress.objects.count()
    if have < ORDERS * LESSONS or args.refill:
        print(f"generating {ORDERS:,} orders, {ORDERS * LESSONS:,} progress rows ...", flush=True)
        results["generation"] = fill()
        print(results["generation"], flush=True)
        print("rebuilding the rollups ...", flush=True)
        results["rebuild_s"] = timed_rebuild()
        print(f"rebuild_analytics: {results['rebuild_s']} s", flush=True)
    results["counts"] = counts()
    print(results["counts"], flush=True)
    results["dashboards"] = measure(args.requests)
    if not args.skip_exports:
        results["exports"] = [
            measure_export(args.database, "csv"),
            measure_export(args.database, "xlsx"),
        ]
    path = write_results("analytics", results)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
