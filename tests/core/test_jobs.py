"""A real Celery worker process takes jobs from the configured broker: the filesystem queue
in the embedded set-up, Redis when REDIS_URL is set (as in CI's second run)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from agora.celery import app as celery_app
from agora.core.mail import queue_email
from agora.core.models import Job, OutboxEmail
from tests.conftest import PASSWORD, ApiClient
from tests.core.brokers import free_port, redis_broker
from tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]


class Workers:
    """Starts real Celery worker processes on the test database; stops them at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[tuple[subprocess.Popen, Any]] = []

    def start(self, name: str = "worker", **env_overrides: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "agora.settings.base",
            "DATABASE_URL": database_url(),
            "DATABASE_POOL": "false",
            "AGORA_VAR_DIR": str(settings.VAR_DIR),
            "SITE_URL": "http://testserver",
            "JOB_HEARTBEAT_INTERVAL": "0.5",
            "JOB_WORKER_DEAD_AFTER": "3",
            **env_overrides,
        }
        if "EMAIL_URL" not in env_overrides:
            env.pop("EMAIL_URL", None)  # the worker must write to the outbox table we read
        log = (self.tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "agora",
                "worker",
                "--pool",
                "solo",
                "--hostname",
                f"{name}@test",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append((process, log))
        return process

    def log(self, name: str = "worker") -> Path:
        return self.tmp_path / f"{name}.log"

    def stop_all(self) -> None:
        for process, log in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()


def _empty_queue_folder() -> None:
    """Messages an earlier test left in this process's filesystem queue (its worker stopped
    before taking them) name job ids that the flushed database hands out again: a new
    worker would claim today's job under yesterday's message. Each worker test starts and
    ends with an empty folder."""
    folder = settings.VAR_DIR / "queue" / "in"
    if folder.is_dir():
        for message in folder.iterdir():
            message.unlink(missing_ok=True)


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    celery_app.conf.task_always_eager = False
    _empty_queue_folder()
    started = Workers(tmp_path)
    try:
        yield started
    finally:
        celery_app.conf.task_always_eager = True
        started.stop_all()
        _empty_queue_folder()


@pytest.fixture
def worker(workers: Workers) -> subprocess.Popen:
    return workers.start()


def _wait_for(predicate, *, seconds: float, worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        assert worker.poll() is None, f"the worker died:\n{log.read_text()}"
        time.sleep(0.25)
    pytest.fail(f"the job did not run within {seconds}s. Worker log:\n{log.read_text()}")


@pytest.mark.worker
def test_sign_up_emails_are_sent_by_a_real_worker(worker, tmp_path: Path) -> None:
    email = f"worker-{os.getpid()}-{time.time_ns()}@example.com"

    response = ApiClient().post(
        "/auth/register", {"email": email, "password": PASSWORD, "name": "Wendy Worker"}
    )

    assert response.status_code == 201
    _wait_for(
        lambda: OutboxEmail.objects.filter(to=[email]).count() == 2,
        seconds=60,
        worker=worker,
        log=tmp_path / "worker.log",
    )
    subjects = sorted(OutboxEmail.objects.filter(to=[email]).values_list("subject", flat=True))
    assert subjects == ["[Agora] Confirm your email address", "[Agora] Welcome to Agora, Wendy"]
    welcome = OutboxEmail.objects.get(to=[email], subject__startswith="[Agora] Welcome")
    assert "Hello Wendy" in welcome.text_body
    assert "Hello Wendy" in welcome.html_body


@pytest.fixture
def silent_mail_server() -> Iterator[int]:
    """An SMTP port that accepts connections and never answers: a job that sends mail
    through it hangs mid-job."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection_ in held:
        connection_.close()
    server.close()


@pytest.mark.worker
def test_a_job_whose_worker_is_killed_mid_job_runs_again_promptly_and_once(
    workers: Workers, silent_mail_server: int
) -> None:
    doomed = workers.start("doomed", EMAIL_URL=f"smtp://127.0.0.1:{silent_mail_server}")
    queue_email(to="kill@example.com", subject="Survives a kill", text="Hello")
    job = Job.objects.get(task="agora.core.tasks.deliver_email")
    _wait_for(
        lambda: Job.objects.filter(pk=job.pk, claimed_at__isnull=False).exists(),
        seconds=60,
        worker=doomed,
        log=workers.log("doomed"),
    )

    os.kill(doomed.pid, signal.SIGKILL)  # mid-job: it is waiting on the mail server
    doomed.wait()
    killed_at = time.monotonic()
    survivor = workers.start("survivor")
    _wait_for(
        lambda: Job.objects.filter(pk=job.pk, done_at__isnull=False).exists(),
        seconds=60,
        worker=survivor,
        log=workers.log("survivor"),
    )

    recovered_in = time.monotonic() - killed_at
    assert recovered_in < 20, f"took {recovered_in:.1f}s"
    job.refresh_from_db()
    assert job.attempts == 2
    assert job.claimed_by.startswith("survivor@test:")
    time.sleep(1)  # a duplicate delivery, if any, would land now
    assert OutboxEmail.objects.filter(subject="Survives a kill").count() == 1


@pytest.fixture
def redis_broker_port() -> Iterator[int]:
    """A free port for a private Redis broker that the test starts (and stops) itself; the
    app publishes there meanwhile (the worker decides when jobs run, not the test)."""
    port = free_port()
    with redis_broker(port, eager=False):
        yield port


def _start_redis(port: int, tmp_path: Path) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for the broker outage test (apt-get install redis)"
    process = subprocess.Popen(  # noqa: S603 - the redis-server binary, fixed arguments
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.05)
    process.kill()
    pytest.fail("the private Redis did not start")


@pytest.mark.worker
def test_a_webhook_taken_while_the_broker_is_down_is_processed_once_it_is_back(
    workers: Workers, redis_broker_port: int, tmp_path: Path
) -> None:
    from agora.commerce.providers import demo
    from agora.commerce.services import checkout
    from tests.accounts.factories import UserFactory
    from tests.commerce.factories import published_course

    buyer = UserFactory()
    order = checkout.checkout(
        buyer=buyer, course_ids=[published_course(price=2500).pk], provider_name="demo"
    ).order
    body = demo.event_body(
        event_type="payment.succeeded",
        payment_id=order.provider_payment_id,
        amount=order.total,
        currency=order.currency,
    )

    response = ApiClient().client.post(
        "/api/v1/payments/webhooks/demo",
        data=body,
        content_type="application/json",
        headers={demo.SIGNATURE_HEADER: demo.sign(body)},
    )

    assert response.status_code == 200  # stored, so acknowledged: the broker is not needed
    job = Job.objects.get(task="agora.commerce.tasks.process_payment_event")
    assert job.sent_at is None
    redis = _start_redis(redis_broker_port, tmp_path)
    try:
        worker = workers.start(CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_broker_port}/0")
        # The payment's own job and everything it queued (the receipt, the
        # instructor's sale notification and its email) all run.
        _wait_for(
            lambda: (
                OutboxEmail.objects.filter(to=[buyer.email]).exists()
                and not Job.objects.filter(done_at__isnull=True).exists()
            ),
            seconds=60,
            worker=worker,
            log=workers.log(),
        )
    finally:
        redis.terminate()
        redis.wait()
    order.refresh_from_db()
    assert order.status == "paid"
    assert OutboxEmail.objects.filter(to=[buyer.email]).count() == 1  # the receipt, once
