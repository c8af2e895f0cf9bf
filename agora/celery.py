"""The Celery app. Every periodic schedule lives here, in one place.

Every task derives from `agora.core.jobs.JobTask` (jobs recorded in the outbox run once,
however often they are delivered), and every worker runs the outbox relay and a heartbeat
(`JobRelayStep`, in a process of its own), so jobs a dead broker or a killed worker held
are sent again.
"""

import os
import subprocess
import sys
from typing import Any

from celery import Celery, bootsteps
from celery.schedules import crontab
from celery.signals import worker_init
from kombu import Queue

from agora.core.broker import use_atomic_filesystem_transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")
use_atomic_filesystem_transport()

app = Celery("agora", task_cls="agora.core.jobs:JobTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Declared, so a worker started without -Q consumes them all (settings: CELERY_TASK_ROUTES).
app.conf.task_queues = [
    Queue(name, routing_key=name) for name in ("payments", "notifications", "bulk", "video", "code")
]


class JobRelayStep(bootsteps.StartStopStep):
    """Starts the outbox relay (a process of its own, agora/core/relay.py) beside the worker.
    The relay ends by itself once the worker process has exited, so the worker counts as
    alive, and keeps its jobs, until its last task is finished."""

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        from agora.core import jobs

        # Named before the pool starts, so pool processes inherit the name they claim with.
        self.worker_id = jobs.new_worker_id(worker.hostname)
        self.relay: subprocess.Popen[bytes] | None = None

    def start(self, worker: Any) -> None:
        self.relay = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [sys.executable, "-m", "agora.core.relay", self.worker_id, str(os.getpid())]
        )


app.steps["worker"].add(JobRelayStep)


@worker_init.connect
def _plain_database_connections(**_: Any) -> None:
    """Workers open a plain connection per task instead of using psycopg's pool: Celery's
    Django fixup closes (and so re-creates) the pool around every task of a pool process,
    and a pool's threads do not survive the fork, so closing one hangs the process."""
    from django.conf import settings
    from django.db import connections

    for alias, database in settings.DATABASES.items():
        if database.get("OPTIONS", {}).pop("pool", None):
            connections[alias].close()
            pools = getattr(type(connections[alias]), "_connection_pools", {})
            if alias in pools:
                pools.pop(alias).close()


app.conf.beat_schedule = {
    "commerce-reconcile-payments": {
        "task": "agora.commerce.tasks.reconcile_payments",
        "schedule": crontab(minute="*/10"),
    },
    "commerce-release-escrow": {
        "task": "agora.commerce.tasks.release_escrow",
        "schedule": crontab(minute=5, hour=2),
    },
    "commerce-run-payouts": {
        "task": "agora.commerce.tasks.run_payouts",
        "schedule": crontab(minute=35, hour=3),
    },
    "commerce-settle-subscriptions": {
        "task": "agora.commerce.tasks.settle_subscriptions",
        "schedule": crontab(minute="*/15"),
    },
    "commerce-split-subscription-pool": {
        "task": "agora.commerce.tasks.split_subscription_pool",
        "schedule": crontab(minute=15, hour=4, day_of_month="1-3"),
    },
    "catalog-fold-course-views": {
        "task": "agora.catalog.tasks.fold_course_views",
        "schedule": crontab(minute="*"),
    },
    "learning-fold-positions": {
        "task": "agora.learning.tasks.fold_positions",
        "schedule": crontab(minute="*"),
    },
    "catalog-recompute-trending": {
        "task": "agora.catalog.tasks.recompute_trending",
        "schedule": crontab(minute="*/30"),
    },
    "accounts-purge-expired-refresh-tokens": {
        "task": "agora.accounts.tasks.purge_expired_refresh_tokens",
        "schedule": crontab(minute=17, hour=3),
    },
    "gamification-remind-streaks": {
        "task": "agora.gamification.tasks.remind_streaks",
        "schedule": crontab(minute="*/30"),
    },
    "media-purge-expired-uploads": {
        "task": "agora.media.tasks.purge_expired_uploads",
        "schedule": crontab(minute=27, hour="*/6"),
    },
    "analytics-refresh-rollups": {
        "task": "agora.analytics.tasks.refresh_rollups",
        "schedule": crontab(minute="*/10"),
    },
    "analytics-purge-old-exports": {
        "task": "agora.analytics.tasks.purge_old_exports",
        "schedule": crontab(minute=53, hour=3),
    },
    "core-purge-finished-jobs": {
        "task": "agora.core.tasks.purge_finished_jobs",
        "schedule": crontab(minute=47, hour=3),
    },
}
