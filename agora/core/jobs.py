"""Background jobs through a transactional outbox.

`enqueue(task, **kwargs)` writes a `Job` row in the caller's transaction: the job exists
exactly when the change that implies it was committed. After the commit the row is handed to
the broker at once (the fast path); if the broker is down, or the message is lost, or the
worker that took it dies mid-job, the relay that runs beside every worker sends it again:

- waiting: never handed over (broker down at commit time, or its back-off has passed);
- lost: handed over `JOB_REDELIVER_AFTER` ago and never started (a broker that lost it);
- orphaned: started by a worker whose heartbeat stopped (killed, host gone), or started
  longer ago than JOB_LEASE (every task is stopped by then: CELERY_TASK_TIME_LIMIT).

The worker side (`JobTask`) claims the row before running the task, skips a job that is
already done (a redelivered duplicate), and records success, failure and Celery retries.
A failed job is tried again with exponential back-off up to `JOB_MAX_ATTEMPTS`; after that
it stays failed for an admin to look at. Every job must be idempotent.
"""

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Task
from celery.exceptions import Retry
from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone

from agora.core.models import Job, WorkerHeartbeat

logger = logging.getLogger(__name__)

JOB_HEADER = "agora_job"
_WORKER_ID_VARIABLE = "AGORA_WORKER_ID"
# After the broker refused a message, later commits leave their jobs to the relay for this
# long instead of each waiting on a dead broker (per process, never shared).
BROKER_BACKOFF_SECONDS = 5.0
_broker_down_until = 0.0


# --- recording -------------------------------------------------------------------------------
def queue_for(task_name: str) -> str:
    route = settings.CELERY_TASK_ROUTES.get(task_name, {})
    return str(route.get("queue", settings.CELERY_TASK_DEFAULT_QUEUE))


def enqueue(task: Task[Any, Any], /, *, delay: timedelta | None = None, **kwargs: Any) -> Job:
    """Records the job in the current transaction and hands it to the broker once that
    transaction commits (at once outside a transaction). Takes the task's keyword arguments,
    which must be JSON: ids, not objects."""
    job = Job.objects.create(
        task=task.name,
        kwargs=kwargs,
        queue=queue_for(task.name),
        available_at=timezone.now() + (delay or timedelta()),
    )
    if delay is None:
        transaction.on_commit(lambda: _send_after_commit(job))
    return job


def _send_after_commit(job: Job) -> None:
    """The row was written unsent in the committed transaction: `send` claims it with a
    conditional update, so no second read is needed."""
    from agora.celery import app

    if time.monotonic() < _broker_down_until and not app.conf.task_always_eager:
        return  # the relay sends it once the broker is back
    send(job)


def send(job: Job) -> bool:
    """Hands one job to the broker. The row is marked sent first (only one sender wins it);
    a broker that refuses puts it back to waiting. Returns whether it was handed over."""
    global _broker_down_until
    from agora.celery import app

    now = timezone.now()
    won = Job.objects.filter(
        pk=job.pk, sent_at=job.sent_at, done_at__isnull=True, failed_at__isnull=True
    ).update(sent_at=now, claimed_by="", claimed_at=None)
    if not won:
        return False
    options: dict[str, Any] = {"queue": job.queue, "headers": {JOB_HEADER: str(job.pk)}}
    if app.conf.task_always_eager:
        # Runs inline (tests, CELERY_TASK_ALWAYS_EAGER): an error is the job's, not a broker's.
        app.tasks[job.task].apply_async(kwargs=job.kwargs, **options)
        return True
    try:
        # By name: the relay process has no need to import every task.
        app.send_task(job.task, kwargs=job.kwargs, retry=False, **options)
    except Exception as exc:  # the broker is down or unreachable: the relay retries
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning("job %s (%s) not handed to the broker: %s", job.pk, job.task, exc)
        Job.objects.filter(pk=job.pk, sent_at=now, claimed_at__isnull=True).update(sent_at=None)
        return False
    return True


# --- the relay -------------------------------------------------------------------------------
def due_jobs(*, now: Any = None, limit: int = 500) -> list[Job]:
    """Jobs the relay should hand to the broker now: waiting, lost or orphaned."""
    now = now or timezone.now()
    alive_since = now - timedelta(seconds=settings.JOB_WORKER_DEAD_AFTER)
    living = WorkerHeartbeat.objects.filter(seen_at__gte=alive_since).values("worker")
    open_jobs = Job.objects.filter(done_at__isnull=True, failed_at__isnull=True)
    waiting = Q(sent_at__isnull=True, available_at__lte=now)
    lost = Q(
        sent_at__lt=now - timedelta(seconds=settings.JOB_REDELIVER_AFTER),
        claimed_at__isnull=True,
    )
    # Claimed by a worker that went quiet, or so long ago that the task's time limit has
    # ended it (a worker that could not record the outcome: its database was away).
    orphaned = Q(claimed_at__lt=alive_since) & ~Q(claimed_by__in=living)
    expired = Q(claimed_at__lt=now - timedelta(seconds=settings.JOB_LEASE))
    return list(open_jobs.filter(waiting | lost | orphaned | expired).order_by("id")[:limit])


def relay(*, now: Any = None, limit: int = 500) -> int:
    """One pass of the relay. Returns how many jobs it handed over; stops at the first
    refusal (the broker is down: the next pass tries again)."""
    sent = 0
    for job in due_jobs(now=now, limit=limit):
        if job.claimed_at is not None:
            logger.warning(
                "job %s (%s): its worker %s stopped; sending it again",
                job.pk,
                job.task,
                job.claimed_by,
            )
        if send(job):
            sent += 1
        elif time.monotonic() < _broker_down_until:
            break
    return sent


def heartbeat(worker: str) -> None:
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})


def forget_worker(worker: str) -> None:
    WorkerHeartbeat.objects.filter(worker=worker).delete()


def worker_id() -> str:
    """Who claims a job: the worker process that owns this one (its pool children inherit
    it), or this process itself outside a worker (jobs run inline)."""
    return os.environ.get(_WORKER_ID_VARIABLE) or f"{socket.gethostname()}:{os.getpid()}:inline"


def new_worker_id(nodename: str) -> str:
    """A name that is new each time a worker starts, so a restarted worker with the same
    node name does not vouch for the jobs its killed predecessor held."""
    identity = f"{nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    os.environ[_WORKER_ID_VARIABLE] = identity
    return identity


def run_relay(worker: str, *, parent_pid: int | None = None) -> None:
    """The relay loop: says `worker` is alive and hands due jobs to the broker, every
    JOB_RELAY_INTERVAL. With `parent_pid` it runs for that worker process and ends when the
    process is gone, forgetting its heartbeat so that other workers take over its jobs at
    once. It runs in a process of its own (agora/core/relay.py), never in a worker process
    that forks: a forked pool process must not inherit open database connections."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    last_beat = 0.0
    while not stopping.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            break  # the worker exited or was killed
        try:
            if time.monotonic() - last_beat >= settings.JOB_HEARTBEAT_INTERVAL:
                heartbeat(worker)
                last_beat = time.monotonic()
            relay()
        except Exception:  # the database is restarting, say: try again next pass
            logger.exception("job relay pass failed")
            connection.close()
        finally:
            close_old_connections()
        stopping.wait(settings.JOB_RELAY_INTERVAL)
    try:
        forget_worker(worker)
    except Exception:
        logger.warning("could not remove the heartbeat of %s", worker)
    connection.close()


# --- the worker side -------------------------------------------------------------------------
def claim(job_id: int) -> bool:
    """Marks the job started by this worker; False when it is already done or failed (a
    duplicate delivery), and the task is skipped."""
    return bool(
        Job.objects.filter(pk=job_id, done_at__isnull=True, failed_at__isnull=True).update(
            claimed_by=worker_id(), claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    )


def finish(job_id: int) -> None:
    Job.objects.filter(pk=job_id).update(done_at=timezone.now(), last_error="")


def retry_later(job_id: int, *, when: Any) -> None:
    """Celery is retrying the task itself (a countdown in seconds or a moment): the job
    counts as sent again, due then; the relay steps in only if that delivery is lost."""
    if isinstance(when, int | float):
        when = timezone.now() + timedelta(seconds=when)
    Job.objects.filter(pk=job_id, done_at__isnull=True).update(
        sent_at=when or timezone.now(), claimed_by="", claimed_at=None
    )


def renew_lease(job_id: int) -> None:
    """A long job (a video being transcoded) says it is still working, so the relay does not
    take its lease (JOB_LEASE) as lost and send it again."""
    Job.objects.filter(pk=job_id, done_at__isnull=True, claimed_at__isnull=False).update(
        claimed_at=timezone.now()
    )


def job_id_of(task: Task[Any, Any]) -> int | None:
    """The outbox job a running task is delivering, if it came through the outbox."""
    header = task.request.get(JOB_HEADER) or (task.request.headers or {}).get(JOB_HEADER)
    return int(header) if header is not None else None


def fail(job_id: int, error: BaseException) -> None:
    """The task raised: try again after a back-off, or give up after JOB_MAX_ATTEMPTS."""
    job = Job.objects.filter(pk=job_id, done_at__isnull=True).first()
    if job is None:
        return
    message = f"{type(error).__name__}: {error}"[:2000]
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        Job.objects.filter(pk=job_id).update(failed_at=timezone.now(), last_error=message)
        logger.error("job %s (%s) failed for good: %s", job_id, job.task, message)
        return
    backoff = min(settings.JOB_RETRY_BACKOFF * 2 ** max(job.attempts - 1, 0), 3600)
    Job.objects.filter(pk=job_id).update(
        sent_at=None,
        claimed_by="",
        claimed_at=None,
        available_at=timezone.now() + timedelta(seconds=backoff),
        last_error=message,
    )


def _bookkeeping(write: Callable[[], Any], *, seconds: float = 15) -> Any:
    """Runs one of the job's own writes, riding out a database that is restarting. If it
    still fails, the job's lease (JOB_LEASE) has the relay send it again later."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError):
            connection.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


class JobTask(Task[Any, Any]):
    """The base of every Agora task: a delivery that carries a job id runs the job once."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        header = self.request.get(JOB_HEADER) or (self.request.headers or {}).get(JOB_HEADER)
        if header is None:
            return super().__call__(*args, **kwargs)
        job_id = int(header)
        if not _bookkeeping(partial(claim, job_id)):
            logger.info("job %s (%s) already done: skipped", job_id, self.name)
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Retry as retry:
            _bookkeeping(partial(retry_later, job_id, when=retry.when))
            raise
        except Exception as exc:
            _bookkeeping(partial(fail, job_id, exc))
            raise
        _bookkeeping(partial(finish, job_id))
        return result
