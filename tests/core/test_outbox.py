"""The transactional outbox: a job exists exactly when its change committed, reaches the broker
when the broker is up, is sent again when it was lost or its worker died, runs once however
often it is delivered, and backs off when it fails. Jobs run inline here (eager Celery); the
real worker and broker are in test_jobs.py."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from agora.commerce.models import PaymentEvent
from agora.commerce.tasks import process_payment_event
from agora.core import jobs
from agora.core.mail import queue_email
from agora.core.models import Job, WorkerHeartbeat
from agora.core.tasks import deliver_email
from tests.core.brokers import free_port, redis_broker

pytestmark = pytest.mark.django_db


def _email_job(**fields) -> Job:
    defaults = {
        "task": deliver_email.name,
        "kwargs": {"to": ["a@example.com"], "subject": "Hi", "text": "Hello"},
        "queue": "notifications",
        "available_at": timezone.now(),
    }
    return Job.objects.create(**{**defaults, **fields})


def _queue_then_fail() -> None:
    with transaction.atomic():
        queue_email(to="a@example.com", subject="Hi", text="Hello")
        raise RuntimeError("the change failed")


class TestEnqueue:
    def test_a_job_is_recorded_with_its_change_and_runs_after_commit(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                queue_email(to="a@example.com", subject="Hi", text="Hello")
                job = Job.objects.get()
                assert job.sent_at is None  # not handed over before the commit
                assert mail.outbox == []

        job.refresh_from_db()
        assert (job.task, job.queue, job.attempts) == (deliver_email.name, "notifications", 1)
        assert job.kwargs == {"to": ["a@example.com"], "subject": "Hi", "text": "Hello", "html": ""}
        assert job.sent_at is not None
        assert job.done_at is not None
        assert [m.subject for m in mail.outbox] == ["Hi"]

    def test_a_rolled_back_change_leaves_no_job(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError, match="the change failed"):
                _queue_then_fail()

        assert callbacks == []
        assert not Job.objects.exists()
        assert mail.outbox == []

    def test_jobs_go_to_their_queue(self):
        assert jobs.queue_for(process_payment_event.name) == "payments"
        assert jobs.queue_for(deliver_email.name) == "notifications"
        assert jobs.queue_for("agora.catalog.tasks.recompute_trending") == "bulk"

    def test_a_delayed_job_waits_for_the_relay(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            job = jobs.enqueue(
                deliver_email,
                delay=timedelta(minutes=5),
                to=["a@example.com"],
                subject="S",
                text="T",
            )

        assert callbacks == []
        assert jobs.due_jobs() == []
        assert [j.pk for j in jobs.due_jobs(now=timezone.now() + timedelta(minutes=6))] == [job.pk]


@pytest.fixture
def dead_broker():
    """The app publishes to a Redis port where nothing listens (a broker that is down), with
    the production publishing options: give up fast, leave the job to the relay."""
    with redis_broker(free_port(), eager=False) as restore:
        yield restore


class TestBrokerDown:
    def test_a_broker_that_refuses_leaves_the_job_waiting_for_the_relay(
        self, dead_broker, monkeypatch
    ):
        monkeypatch.setattr(jobs, "_broker_down_until", 0.0)
        job = _email_job()

        assert jobs.send(job) is False
        job.refresh_from_db()
        assert job.sent_at is None
        assert job.done_at is None
        assert jobs.relay() == 0  # still down: the pass stops at the first refusal

        dead_broker()  # the broker is back (jobs run inline again)
        assert jobs.relay() == 1
        job.refresh_from_db()
        assert job.done_at is not None
        assert [m.subject for m in mail.outbox] == ["Hi"]

    def test_after_a_refusal_commits_leave_their_jobs_to_the_relay(
        self, dead_broker, monkeypatch, django_capture_on_commit_callbacks
    ):
        monkeypatch.setattr(jobs.time, "monotonic", lambda: 100.0)
        monkeypatch.setattr(jobs, "_broker_down_until", 104.0)

        with django_capture_on_commit_callbacks(execute=True):
            queue_email(to="a@example.com", subject="Hi", text="Hello")

        job = Job.objects.get()
        assert job.sent_at is None
        assert mail.outbox == []
        assert jobs.due_jobs() == [job]


class TestRedelivery:
    def test_a_job_sent_long_ago_and_never_started_is_sent_again(self):
        now = timezone.now()
        lost = _email_job(sent_at=now - timedelta(minutes=10))
        _email_job(sent_at=now - timedelta(seconds=30))  # still in the queue, probably

        assert jobs.due_jobs(now=now) == [lost]

    def test_a_job_whose_worker_stopped_beating_is_sent_again(self):
        now = timezone.now()
        WorkerHeartbeat.objects.create(worker="alive", seen_at=now - timedelta(seconds=2))
        WorkerHeartbeat.objects.create(worker="dead", seen_at=now - timedelta(minutes=2))
        started = now - timedelta(minutes=1)
        on_dead = _email_job(sent_at=started, claimed_by="dead", claimed_at=started)
        never_beat = _email_job(sent_at=started, claimed_by="vanished", claimed_at=started)
        _email_job(sent_at=started, claimed_by="alive", claimed_at=started)

        assert jobs.due_jobs(now=now) == [on_dead, never_beat]
        assert jobs.relay(now=now) == 2
        assert [m.subject for m in mail.outbox] == ["Hi", "Hi"]

    def test_a_job_claimed_longer_ago_than_its_lease_is_sent_again(self, settings):
        """Its worker is alive but could not record the outcome (its database was away)."""
        settings.JOB_LEASE = 900
        now = timezone.now()
        WorkerHeartbeat.objects.create(worker="alive", seen_at=now)
        stale = now - timedelta(seconds=901)
        expired = _email_job(sent_at=stale, claimed_by="alive", claimed_at=stale)
        recent = now - timedelta(seconds=899)
        _email_job(sent_at=recent, claimed_by="alive", claimed_at=recent)

        assert jobs.due_jobs(now=now) == [expired]

    def test_a_just_claimed_job_is_left_to_its_worker(self):
        now = timezone.now()
        _email_job(sent_at=now, claimed_by="starting", claimed_at=now - timedelta(seconds=1))

        assert jobs.due_jobs(now=now) == []

    def test_finished_and_failed_jobs_are_never_sent_again(self):
        old = timezone.now() - timedelta(hours=1)
        _email_job(sent_at=old, done_at=old)
        _email_job(sent_at=old, failed_at=old)

        assert jobs.due_jobs() == []

    def test_a_duplicate_delivery_of_a_done_job_does_nothing(self):
        job = _email_job(sent_at=timezone.now(), done_at=timezone.now())

        deliver_email.apply(kwargs=job.kwargs, headers={jobs.JOB_HEADER: str(job.pk)})

        assert mail.outbox == []
        job.refresh_from_db()
        assert job.attempts == 0

    def test_two_senders_hand_a_job_over_once(self, monkeypatch):
        job = _email_job()
        stale_copy = Job.objects.get(pk=job.pk)

        assert jobs.send(job) is True
        assert jobs.send(stale_copy) is False
        assert len(mail.outbox) == 1


class TestFailures:
    @override_settings(JOB_RETRY_BACKOFF=30, JOB_MAX_ATTEMPTS=2)
    def test_a_failing_job_backs_off_then_fails_for_good(self):
        job = Job.objects.create(
            task=process_payment_event.name,
            kwargs={"event_id": 999_999},  # no such event: the task raises
            queue="payments",
            available_at=timezone.now(),
        )

        before = timezone.now()
        with pytest.raises(PaymentEvent.DoesNotExist):
            jobs.send(job)
        job.refresh_from_db()
        assert job.attempts == 1
        assert job.done_at is None
        assert job.failed_at is None
        assert job.sent_at is None
        assert job.claimed_at is None
        assert "DoesNotExist" in job.last_error
        assert job.available_at >= before + timedelta(seconds=30)
        assert jobs.due_jobs() == []
        assert jobs.due_jobs(now=job.available_at) == [job]

        with pytest.raises(PaymentEvent.DoesNotExist):
            jobs.relay(now=job.available_at)
        job.refresh_from_db()
        assert job.attempts == 2
        assert job.failed_at is not None
        assert jobs.due_jobs(now=timezone.now() + timedelta(days=1)) == []

    def test_a_celery_retry_counts_as_sent_for_later(self, monkeypatch, settings):
        import smtplib

        calls = []

        def flaky(**kwargs):
            calls.append(kwargs)
            if len(calls) == 1:
                raise smtplib.SMTPServerDisconnected("the mail server went away")

        monkeypatch.setattr("agora.core.tasks.send_now", flaky)
        job = _email_job()
        before = timezone.now()

        with pytest.raises(Retry):
            jobs.send(job)

        job.refresh_from_db()
        assert len(calls) == 1
        assert job.done_at is None
        assert job.claimed_at is None
        # Celery holds the retry (back-off with full jitter, so possibly no wait at all): the
        # job counts as sent for then, and the relay leaves it alone.
        assert before < job.sent_at <= timezone.now() + timedelta(seconds=31)
        assert jobs.due_jobs() == []


def test_a_worker_heartbeat_is_kept_and_forgotten():
    jobs.heartbeat("w1")
    first = WorkerHeartbeat.objects.get(worker="w1").seen_at
    jobs.heartbeat("w1")
    assert WorkerHeartbeat.objects.get(worker="w1").seen_at >= first
    jobs.forget_worker("w1")
    assert not WorkerHeartbeat.objects.exists()


def test_finished_jobs_are_purged_after_the_keep_period(settings):
    from agora.core.tasks import purge_finished_jobs

    settings.JOB_KEEP_DAYS = 14
    long_ago = timezone.now() - timedelta(days=15)
    _email_job(done_at=long_ago)
    _email_job(failed_at=long_ago)
    recent = _email_job(done_at=timezone.now())
    waiting = _email_job()

    assert purge_finished_jobs() == 2
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


@pytest.mark.django_db(transaction=True)
def test_a_job_records_its_outcome_through_a_database_blip(monkeypatch):
    """The claim meets a dropped connection once (PostgreSQL restarting): it is tried again
    and the job runs and is recorded as done."""
    from django.db import OperationalError, connection

    monkeypatch.setattr(jobs.time, "sleep", lambda _: None)
    job = _email_job()
    failures = []

    def drop_the_first_claim(execute, sql, params, many, context):
        if sql.startswith('UPDATE "core_job" SET "claimed_by"') and not failures:
            failures.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_the_first_claim):
        jobs.send(job)

    job.refresh_from_db()
    assert len(failures) == 1
    assert job.done_at is not None
    assert job.attempts == 1
    assert [m.subject for m in mail.outbox] == ["Hi"]
