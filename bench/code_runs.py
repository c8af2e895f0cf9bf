"""Code runs end to end: how long a trivial Python submission takes from the request to its
verdict, and how many runs per second the `code` worker sustains.

    .venv/bin/python bench/code_runs.py                       # embedded: SQLite + filesystem broker
    .venv/bin/python bench/code_runs.py --redis redis://127.0.0.1:6379/9 \\
        --database postgres://postgres@127.0.0.1:5432/agora_bench_code

It starts the `code` worker the way `make run` does (two processes, CODE_RUN_CONCURRENCY 2)
on a fresh database in a temporary folder, then through the real service
(`exercises.start_code_run`, the same call the API makes):

1. latency: --runs submissions one after another, each waited for: p50 and p95 of the time
   from the call to the stored verdict (three tests each: three sandboxed programs);
2. throughput: --burst submissions at once from as many learners: runs (and programs) per
   second until the last verdict.

A trivial run is one test (--tests 1, the default): one sandboxed program per run.

The local sandbox needs bubblewrap and root. Results go to
bench/results/<timestamp>-code-runs-<engine>.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _tests(count: int) -> list[dict[str, object]]:
    return [
        {
            "name": f"sum {i}",
            "stdin": f"{i} {i}\n",
            "expected_stdout": f"{2 * i}\n",
            "hidden": i > 1,
        }
        for i in range(1, count + 1)
    ]


PROGRAM = "a, b = map(int, input().split())\nprint(a + b)"


def _env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "agora.settings.base",
        "AGORA_VAR_DIR": str(var_dir),
        "DATABASE_URL": args.database or f"sqlite:///{var_dir / 'bench-code.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        "CODE_RUN_RATE_LIMIT": "100000/m",
        "CODE_RUN_CONCURRENCY": str(args.concurrency),
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    if args.redis:
        env["CELERY_BROKER_URL"] = args.redis
        env["REDIS_URL"] = args.redis
    return env


def _worker(env: dict[str, str], var_dir: Path, concurrency: int) -> subprocess.Popen:
    command = [
        sys.executable,
        *("-m", "celery", "-A", "agora", "worker", "--loglevel", "WARNING"),
        *("--queues", "code", "--hostname", "code@bench", "--concurrency", str(concurrency)),
    ]
    return subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        command,
        cwd=ROOT,
        env=env,
        stdout=(var_dir / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", help="a Redis URL for the broker and cache (default: none)")
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temp folder)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--burst", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--tests", type=int, default=1, help="tests (programs) per run")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="agora-bench-code-"))
    env = _env(args, var_dir)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from agora.catalog.models import LessonType
    from agora.learning import exercises
    from agora.learning.models import CodeRun, CodeRunStatus
    from tests.accounts.factories import UserFactory
    from tests.catalog.factories import CourseFactory, LessonFactory, ModuleFactory, enroll

    if args.database:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    course = CourseFactory(price=0)
    lesson = LessonFactory(
        module=ModuleFactory(course=course),
        type=LessonType.CODE,
        code_language="python",
        code_tests=_tests(args.tests),
    )
    learners = [UserFactory() for _ in range(max(args.burst, 1))]
    for learner in learners:
        enroll(learner, course)
    connection.close()

    worker = _worker(env, var_dir, args.concurrency)
    try:
        # Warm up: the worker's first run pays its start-up.
        first = exercises.start_code_run(
            user=learners[0], lesson=lesson, code=PROGRAM, mode="submit"
        )
        deadline = time.monotonic() + 120
        while CodeRun.objects.get(pk=first.pk).status != CodeRunStatus.DONE:
            if time.monotonic() > deadline:
                raise SystemExit(f"the worker did not answer: see {var_dir / 'worker.log'}")
            time.sleep(0.02)

        latencies = []
        for index in range(args.runs):
            started = time.monotonic()
            run = exercises.start_code_run(
                user=learners[index % len(learners)], lesson=lesson, code=PROGRAM, mode="submit"
            )
            while True:
                row = CodeRun.objects.get(pk=run.pk)
                if row.status == CodeRunStatus.DONE:
                    break
                time.sleep(0.005)
            if not row.passed_all:
                raise SystemExit(f"a right program failed: {row.error or row.results}")
            latencies.append(time.monotonic() - started)

        started = time.monotonic()
        burst = [
            exercises.start_code_run(user=learner, lesson=lesson, code=PROGRAM, mode="submit").pk
            for learner in learners[: args.burst]
        ]
        while CodeRun.objects.filter(pk__in=burst, status=CodeRunStatus.DONE).count() < len(burst):
            if time.monotonic() - started > 600:
                raise SystemExit("the burst did not finish in 10 minutes")
            time.sleep(0.05)
        burst_seconds = time.monotonic() - started
        passed = CodeRun.objects.filter(pk__in=burst, passed_all=True).count()
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    results = {
        "engine": "redis" if args.redis else "embedded",
        "database": connection.vendor,
        "concurrency": args.concurrency,
        "tests_per_run": args.tests,
        "latency_runs": args.runs,
        "latency_p50_ms": round(statistics.median(latencies) * 1000),
        "latency_p95_ms": round(_percentile(latencies, 0.95) * 1000),
        "burst_runs": len(burst),
        "burst_passed": passed,
        "burst_seconds": round(burst_seconds, 2),
        "runs_per_second": round(len(burst) / burst_seconds, 2),
        "programs_per_second": round(len(burst) * args.tests / burst_seconds, 2),
    }
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"{stamp}-code-runs-{results['engine']}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
