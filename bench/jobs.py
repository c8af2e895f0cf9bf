"""Background jobs under a burst: does a purchase wait behind bulk work, and how fast does the
broker drain?

    .venv/bin/python bench/jobs.py                      # embedded: SQLite + filesystem broker
    .venv/bin/python bench/jobs.py --redis redis://127.0.0.1:6379/9 \\
        --database postgres://postgres@127.0.0.1:5432/agora_bench_jobs

It starts the workers the way `make run` does (one for `payments`, one with two processes
for `notifications,bulk`) on a fresh database in a temporary folder, then:

1. burst: 120 sign-ups through the real registration service (240 emails queued), then at
   once a purchase (checkout + the provider's signed webhook): how long until the buyer is
   enrolled, and how long until the burst's emails are all sent;
2. drain: 1,000 email jobs queued in one transaction, then a second purchase at once: how
   long its access takes while the backlog drains, and jobs per second until all are done.

Sign-ups hash passwords with a fast hasher so that the burst is a burst (a real site's
sign-ups come from many web processes at once); everything else is the production path.
Results go to bench/results/<timestamp>-jobs-<engine>.json.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "agora.settings.base",
        "AGORA_VAR_DIR": str(var_dir),
        "DATABASE_URL": args.database or f"sqlite:///{var_dir / 'bench-jobs.sqlite3'}",
        "SITE_URL": "http://127.0.0.1:8000",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("EMAIL_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    if args.redis:
        env["CELERY_BROKER_URL"] = args.redis
    return env


def _workers(env: dict[str, str], var_dir: Path) -> list[subprocess.Popen]:
    base = [sys.executable, "-m", "celery", "-A", "agora", "worker", "--loglevel", "WARNING"]
    commands = [
        [*base, "--queues", "payments", "--hostname", "payments@bench", "--concurrency", "1"],
        [
            *base,
            "--queues",
            "notifications,bulk",
            "--hostname",
            "jobs@bench",
            "--concurrency",
            os.environ.get("BENCH_CONCURRENCY", "2"),
        ],
    ]
    return [
        subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=(var_dir / f"worker-{index}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for index, command in enumerate(commands)
    ]


def _wait(predicate, *, seconds: float, step: float = 0.005) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > seconds:
            raise SystemExit(f"gave up after {seconds}s")
        time.sleep(step)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", help="a Redis URL to use as the broker (default: filesystem)")
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temp folder)")
    parser.add_argument("--signups", type=int, default=120)
    parser.add_argument("--drain", type=int, default=1000)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="agora-bench-jobs-"))
    env = _env(args, var_dir)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import RequestFactory, override_settings

    from agora.accounts.services import register_user
    from agora.catalog.models import Category, Course, Module
    from agora.commerce.providers import demo
    from agora.commerce.services import checkout, payments
    from agora.core import jobs
    from agora.core.models import Job, OutboxEmail, WorkerHeartbeat
    from agora.core.tasks import deliver_email
    from agora.learning.models import Enrollment
    from tests.accounts.factories import UserFactory

    if args.database:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    owner = UserFactory(is_instructor=True)
    course = Course.objects.create(
        owner=owner,
        title="Bench course",
        slug=f"bench-course-{time.time_ns()}",
        price=4900,
        currency="USD",
        category=Category.objects.first() or Category.objects.create(name="Bench", slug="bench"),
        status="published",
        description="For the jobs benchmark.",
    )
    Module.objects.create(course=course, title="Start", position=1)
    buyer = UserFactory()
    connection.close()

    workers = _workers(env, var_dir)
    results: dict[str, object] = {
        "engine": "redis" if args.redis else "embedded",
        "database": "postgresql" if args.database else "sqlite",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        _wait(lambda: WorkerHeartbeat.objects.count() >= 2, seconds=60, step=0.2)
        time.sleep(1)

        # 1. The burst, then a purchase.
        request = RequestFactory().post("/api/v1/auth/register", HTTP_HOST="127.0.0.1")
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        started = time.monotonic()
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            for number in range(args.signups):
                register_user(
                    email=f"burst-{number}-{time.time_ns()}@example.com",
                    password="Bench-password-42",  # noqa: S106 - made-up bench users
                    name=f"Burst {number}",
                    request=request,
                )
        results["burst_seconds"] = round(time.monotonic() - started, 3)
        order = checkout.checkout(buyer=buyer, course_ids=[course.pk], provider_name="demo").order
        body = demo.event_body(
            event_type="payment.succeeded",
            payment_id=order.provider_payment_id or "",
            amount=order.total,
            currency=order.currency,
        )
        paid_at = time.monotonic()
        payments.receive_webhook(
            provider_name="demo", body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body)}
        )
        access = _wait(
            lambda: Enrollment.objects.filter(learner=buyer, course=course).exists(), seconds=120
        )
        waiting = OutboxEmail.objects.count()
        results["access_seconds"] = round(access, 3)
        results["burst_emails_sent_when_access_granted"] = waiting
        emails = 2 * args.signups + 1  # + the buyer's receipt
        results["burst_drained_seconds"] = round(
            _wait(lambda: OutboxEmail.objects.count() >= emails, seconds=300, step=0.05)
            + (time.monotonic() - paid_at - access),
            3,
        )

        # 2. Drain rate, with a second purchase made while the backlog is still there.
        before = OutboxEmail.objects.count()
        with transaction.atomic():
            for number in range(args.drain):
                jobs.enqueue(
                    deliver_email, to=[f"drain-{number}@example.com"], subject="Drain", text="."
                )
        started = time.monotonic()
        second_buyer = UserFactory()
        order = checkout.checkout(
            buyer=second_buyer, course_ids=[course.pk], provider_name="demo"
        ).order
        body = demo.event_body(
            event_type="payment.succeeded",
            payment_id=order.provider_payment_id or "",
            amount=order.total,
            currency=order.currency,
        )
        payments.receive_webhook(
            provider_name="demo", body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body)}
        )
        results["access_during_backlog_seconds"] = round(
            _wait(
                lambda: Enrollment.objects.filter(learner=second_buyer, course=course).exists(),
                seconds=120,
            ),
            3,
        )
        results["backlog_left_when_access_granted"] = (
            before + args.drain - OutboxEmail.objects.count()
        )
        took = _wait(
            lambda: OutboxEmail.objects.count() >= before + args.drain + 1, seconds=600, step=0.05
        )
        results["drain_jobs"] = args.drain
        results["drain_seconds"] = round(took, 3)
        results["drain_jobs_per_second"] = round(args.drain / took, 1)
        results["jobs_not_done"] = Job.objects.filter(done_at__isnull=True).count()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}-jobs-{results['engine']}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
