"""Failure drill: Redis stopped for 10 s, the payments worker killed with SIGKILL mid-payment,
PostgreSQL restarted, all under a steady load of purchases and catalog reads. Then it
checks that nothing was lost or done twice.

    .venv/bin/python bench/faults.py            # about 3 minutes; needs root (see below)

It runs everything it breaks privately, so nothing else on the machine is disturbed: a
PostgreSQL cluster of its own (initdb as the `postgres` user, in a temporary folder, on a
spare port), a Redis server of its own (cache, rate limits and broker), the web server
(granian WSGI, as in production) and the two workers of `make run` (`payments`; and
`notifications,bulk`). A small supervisor restarts a killed worker after 2 s, as systemd
or Kubernetes would.

Load: buyers (threads) each buy courses one after another through the API — checkout,
then the provider's signed webhook, redelivered until it is acknowledged, as providers do —
while readers browse the catalog. Afterwards it waits for the jobs to settle and reports:

- lost payments: acknowledged webhooks whose order is not paid;
- lost emails: paid orders without their receipt; duplicates: a second receipt, enrollment,
  paid order or sale for the same purchase;
- ledger imbalance (`check_ledger`); answers by status during each fault (a 500 is a bug,
  503 with the error envelope is the clean refusal); how long recovery took.

The report is printed and written to bench/results/<timestamp>-faults.json.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WEBHOOK_SECRET = "faults-drill-webhook-secret"  # noqa: S105 - the drill's own demo provider

from bench.drill_services import (  # noqa: E402
    PG_BIN,
    Postgres,
    Redis,
    Supervised,
    free_port,
    wait_for_port,
)


# --- the load --------------------------------------------------------------------------------
class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.phase = "warm-up"
        self.answers: dict[str, Counter[str]] = {}
        self.acknowledged: list[tuple[int, int, int]] = []  # (buyer, course, order)
        self.unclean: list[str] = []

    def count(self, kind: str, status: int | str, body: bytes = b"") -> None:
        with self.lock:
            self.answers.setdefault(self.phase, Counter())[f"{kind} {status}"] += 1
            if status == 500 or (status == 503 and b'"error"' not in body and kind != "page"):
                self.unclean.append(f"{self.phase}: {kind} {status} {body[:200]!r}")


class Client:
    def __init__(self, port: int, token: str | None = None) -> None:
        self.port, self.token = port, token
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int | str, bytes]:
        headers = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return type(exc).__name__, b""


def sign(body: bytes) -> str:
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def buyer_loop(
    port: int, buyer_id: int, token: str, courses: list[int], stats: Stats, stop: threading.Event
) -> None:
    client = Client(port, token)
    for course_id in courses:
        if stop.is_set():
            return
        order: dict[str, Any] | None = None
        while order is None and not stop.is_set():
            status, body = client.request(
                "POST",
                "/api/v1/checkout",
                json.dumps({"course_ids": [course_id], "provider": "demo"}).encode(),
            )
            stats.count("checkout", status, body)
            if status == 201:
                order = json.loads(body)
            else:
                time.sleep(0.5)
        if order is None:
            return
        event = json.dumps(
            {
                "id": f"evt_drill_{order['order']['id']}",
                "type": "payment.succeeded",
                "created": int(time.time()),
                "data": {
                    "payment_id": order["payment"]["payment_id"],
                    "amount": order["order"]["total"],
                    "currency": order["order"]["currency"],
                },
            }
        ).encode()
        hook = Client(port)
        while True:  # the provider redelivers until the webhook is acknowledged
            status, body = hook.request(
                "POST", "/api/v1/payments/webhooks/demo", event, {"Demo-Signature": sign(event)}
            )
            stats.count("webhook", status, body)
            if status == 200:
                with stats.lock:
                    stats.acknowledged.append((buyer_id, course_id, order["order"]["id"]))
                break
            time.sleep(0.5)
        time.sleep(0.5)  # a steady trickle of purchases through every fault


def reader_loop(port: int, course_ids: list[int], stats: Stats, stop: threading.Event) -> None:
    client = Client(port)
    number = 0
    while not stop.is_set():
        number += 1
        path = (
            "/api/v1/courses?page_size=12"
            if number % 2
            else (f"/api/v1/courses/{course_ids[number % len(course_ids)]}")
        )
        status, body = client.request("GET", path)
        stats.count("read", status, body)
        time.sleep(0.02)


# --- the drill -------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=12)
    parser.add_argument("--courses", type=int, default=400)
    parser.add_argument("--readers", type=int, default=2)
    args = parser.parse_args()
    if os.geteuid() != 0 or not (PG_BIN / "initdb").exists():
        raise SystemExit("run as root on a machine with PostgreSQL 15 installed")

    folder = Path(tempfile.mkdtemp(prefix="agora-faults-"))
    postgres, redis = Postgres(folder), Redis(folder)
    postgres.create()
    redis.start()
    web_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"EMAIL_URL", "CELERY_BROKER_URL"}},
        "DJANGO_SETTINGS_MODULE": "agora.settings.base",
        "AGORA_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis.url,
        "DEBUG": "false",
        "DEMO_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SITE_URL": f"http://127.0.0.1:{web_port}",
        "RATELIMIT_ENABLE": "false",
        "LOG_LEVEL": "WARNING",
        "JOB_WORKER_DEAD_AFTER": "10",
        "JOB_REDELIVER_AFTER": "30",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from agora.accounts.tokens import issue_access_token
    from agora.catalog.models import Category, Course, Lesson, Module
    from tests.accounts.factories import UserFactory

    call_command("migrate", verbosity=0)
    owner = UserFactory(is_instructor=True)
    category = Category.objects.first()
    course_ids = []
    for number in range(args.courses):
        course = Course.objects.create(
            owner=owner,
            title=f"Drill course {number}",
            slug=f"drill-course-{number}",
            price=1500 + number,
            currency="USD",
            category=category,
            status="published",
            description="A course for the failure drill.",
        )
        module = Module.objects.create(course=course, title="Start", position=1)
        Lesson.objects.create(module=module, title="One", type="text", position=1, body="Hi")
        course_ids.append(course.pk)
    buyers = [UserFactory() for _ in range(args.buyers)]
    tokens = {buyer.pk: issue_access_token(buyer) for buyer in buyers}
    connection.close()

    python = sys.executable
    worker = [python, "-m", "celery", "-A", "agora", "worker", "--loglevel", "WARNING"]
    processes = {
        "web": Supervised(
            "web",
            [
                python,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "agora.wsgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(web_port),
                "--workers",
                "1",
                "--blocking-threads",
                "8",
                "--no-ws",
                "--log-level",
                "warning",
            ],
            env,
            folder / "web.log",
        ),
        "payments": Supervised(
            "payments",
            [
                *worker,
                "--queues",
                "payments",
                "--hostname",
                "payments@drill",
                "--concurrency",
                "1",
            ],
            env,
            folder / "payments.log",
        ),
        "jobs": Supervised(
            "jobs",
            [
                *worker,
                "--queues",
                "notifications,bulk",
                "--hostname",
                "jobs@drill",
                "--concurrency",
                "2",
            ],
            env,
            folder / "jobs.log",
        ),
    }
    for process in processes.values():
        process.start()
    try:
        report = drill(args, processes, postgres, redis, web_port, course_ids, buyers, tokens)
    finally:
        for process in processes.values():
            process.stop()
        postgres.stop()
        redis.stop()
    print(json.dumps(report, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}-faults.json").write_text(json.dumps(report, indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    failed = [
        key
        for key in ("lost_payments", "lost_emails", "duplicates", "ledger_imbalance")
        if report[key]
    ]
    if failed or report["unclean_answers"]:
        raise SystemExit(f"the drill found problems: {failed or 'unclean answers'}")


def drill(  # type: ignore[no-untyped-def]
    args, processes, postgres, redis, web_port, course_ids, buyers, tokens
) -> dict[str, Any]:
    wait_for_port(web_port, 60)

    from agora.core.models import Job

    stats, stop = Stats(), threading.Event()
    report: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "buyers": args.buyers,
        "courses": args.courses,
    }
    threads = [
        threading.Thread(
            target=buyer_loop, args=(web_port, buyer.pk, tokens[buyer.pk], course_ids, stats, stop)
        )
        for buyer in buyers
    ] + [
        threading.Thread(target=reader_loop, args=(web_port, course_ids, stats, stop))
        for _ in range(args.readers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        time.sleep(5)
        # 1. Redis goes away for 10 s (cache, rate limits and broker).
        stats.phase = "redis down"
        redis.stop()
        time.sleep(10)
        redis.start()
        stats.phase = "after redis"
        back = time.monotonic()
        report["redis_recovery_seconds"] = round(wait_until_settled(Job, back), 2)

        # 2. The payments worker is killed mid-payment.
        stats.phase = "payments worker killed"
        killed = kill_mid_job(processes["payments"], Job)
        report["killed_while_holding_jobs"] = killed["holding"]
        time.sleep(3)
        stats.phase = "after kill"
        report["kill_recovery_seconds"] = round(wait_until_settled(Job, killed["at"]), 2)

        # 3. PostgreSQL restarts.
        stats.phase = "postgres restart"
        restart_at = time.monotonic()
        postgres.restart()
        stats.phase = "after postgres"
        report["postgres_restart_seconds"] = round(time.monotonic() - restart_at, 2)
        report["postgres_recovery_seconds"] = round(first_good_read(web_port) - restart_at, 2)
        time.sleep(5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    report["load_seconds"] = round(time.monotonic() - started, 1)
    report["settle_seconds"] = round(
        wait_until_settled(Job, time.monotonic(), limit=180, everything=True), 2
    )
    report.update(verify(stats))
    report["answers"] = {phase: dict(counter) for phase, counter in stats.answers.items()}
    report["unclean_answers"] = stats.unclean[:20]
    report["worker_restarts"] = {name: p.restarts for name, p in processes.items()}
    return report


def _query(fn):  # type: ignore[no-untyped-def]
    """Runs a read, riding out the moments the database is restarting."""
    from django.db import OperationalError, connection

    for _ in range(100):
        try:
            return fn()
        except OperationalError:
            connection.close()
            time.sleep(0.2)
    raise SystemExit("the database did not come back")


def wait_until_settled(
    job_model: Any, since: float, limit: float = 120, *, everything: bool = False
) -> float:
    """Seconds from `since` until every job created up to now is done (purchases go on
    meanwhile, so later jobs are left out), or with `everything`, every job at all (once the
    load has stopped: jobs that jobs create, such as receipts, count too)."""
    from django.utils import timezone

    cutoff = timezone.now()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        pending = job_model.objects.filter(done_at__isnull=True)
        if not everything:
            pending = pending.filter(created_at__lte=cutoff)
        if not _query(pending.exists):
            return time.monotonic() - since
        time.sleep(0.1)
    open_jobs = job_model.objects.filter(done_at__isnull=True).values(
        "pk", "task", "sent_at", "claimed_by", "claimed_at", "attempts", "last_error"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, wait_event_type, wait_event, now() - xact_start, left(query, 120)"
            " FROM pg_stat_activity WHERE datname = current_database()"
        )
        activity = cursor.fetchall()
    processes = subprocess.run(  # noqa: S603 - ps, fixed arguments
        [shutil.which("ps") or "/bin/ps", "-eo", "pid,ppid,stat,etime,cmd"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    celery = [line for line in processes.splitlines() if "celery" in line or "granian" in line]
    raise SystemExit(
        f"jobs still open after {limit}s: {list(open_jobs)[:5]}\n"
        + "\n".join(map(str, activity))
        + "\n"
        + "\n".join(celery)
    )


def kill_mid_job(process: Supervised, job_model: Any) -> dict[str, Any]:
    """Waits (up to 20 s) for the payments worker to hold a payment job, then kills it."""
    deadline = time.monotonic() + 20
    holding = 0
    while time.monotonic() < deadline:
        holding = _query(
            lambda: job_model.objects.filter(
                task="agora.commerce.tasks.process_payment_event",
                claimed_at__isnull=False,
                done_at__isnull=True,
                claimed_by__startswith="payments@drill",
            ).count()
        )
        if holding:
            break
        time.sleep(0.001)
    process.kill()
    return {"at": time.monotonic(), "holding": holding}


def first_good_read(port: int) -> float:
    client = Client(port)
    while True:
        status, _ = client.request("GET", "/api/v1/courses?page_size=1")
        if status == 200:
            return time.monotonic()
        time.sleep(0.05)


def verify(stats: Stats) -> dict[str, Any]:
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.db.models import Count

    from agora.commerce.models import LedgerTransaction, Order
    from agora.core.models import OutboxEmail
    from agora.learning.models import Enrollment

    paid = {o.pk: o for o in Order.objects.filter(status="paid").select_related("buyer")}
    lost_payments = [order for _, _, order in stats.acknowledged if order not in paid]
    receipts = Counter(
        subject
        for subject in OutboxEmail.objects.filter(subject__contains="is confirmed").values_list(
            "subject", flat=True
        )
    )
    lost_emails = [o.number for o in paid.values() if not any(o.number in s for s in receipts)]
    duplicates = {
        "receipts": sum(count - 1 for count in receipts.values() if count > 1),
        "enrollments": Enrollment.objects.values("learner", "course")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "paid_orders": Order.objects.filter(status="paid")
        .values("buyer", "items__course")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "sales": LedgerTransaction.objects.filter(kind="sale")
        .values("idempotency_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
    }
    ledger = StringIO()
    try:
        call_command("check_ledger", stdout=ledger, stderr=ledger)
        imbalance = 0
    except CommandError as exc:
        ledger.write(str(exc))
        imbalance = 1
    return {
        "payments_acknowledged": len(stats.acknowledged),
        "orders_paid": len(paid),
        "receipts_sent": sum(receipts.values()),
        "lost_payments": len(lost_payments),
        "lost_emails": len(lost_emails),
        "duplicates": sum(duplicates.values()),
        "duplicates_by_kind": duplicates,
        "ledger_imbalance": imbalance,
        "ledger_check": ledger.getvalue().strip().splitlines()[-1:] or [""],
    }


if __name__ == "__main__":
    main()
