"""The Celery app. Every periodic schedule lives here, in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")

app = Celery("agora")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
    "catalog-recompute-trending": {
        "task": "agora.catalog.tasks.recompute_trending",
        "schedule": crontab(minute="*/30"),
    },
    "accounts-purge-expired-refresh-tokens": {
        "task": "agora.accounts.tasks.purge_expired_refresh_tokens",
        "schedule": crontab(minute=17, hour=3),
    },
}
