"""A real Celery worker process takes jobs from the configured broker: the filesystem queue
in the embedded set-up, Redis when REDIS_URL is set (as in CI's second run)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from agora.celery import app as celery_app
from agora.core.models import OutboxEmail
from tests.conftest import PASSWORD, ApiClient

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path) -> Iterator[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "agora.settings.base",
        "DATABASE_URL": _database_url(),
        "DATABASE_POOL": "false",
        "AGORA_VAR_DIR": str(settings.VAR_DIR),
        "SITE_URL": "http://testserver",
    }
    env.pop("EMAIL_URL", None)  # the worker must write to the outbox table we read
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "agora",
            "worker",
            "--pool",
            "solo",
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
    celery_app.conf.task_always_eager = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
