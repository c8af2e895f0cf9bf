"""Agora settings: everything comes from the environment, with embedded defaults.

With no variables at all Agora runs on SQLite, local-memory cache, a filesystem job broker,
demo payments and an email outbox. `AGORA_ENV=production` turns on the hardened settings
and refuses to start without a real `SECRET_KEY` and `ALLOWED_HOSTS`, or with the demo payment
provider (unless `DEMO_PAYMENTS_IN_PRODUCTION` opts in).

The environment, core, database, cache, auth and file settings are in `core.py`; this module
adds email, jobs, the features' limits, payments, security and logging.
"""

from pathlib import Path

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from agora.settings.core import *  # noqa: F403
from agora.settings.core import (
    IS_PRODUCTION,
    REDIS_URL,
    SECRET_KEY,
    SILENCED_SYSTEM_CHECKS,
    STORAGE_BACKEND,
    STORAGES,
    TRUSTED_PROXIES,
    VAR_DIR,
    env,
)

# --- email -----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Agora <no-reply@agora.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Embedded default: keep every message in the outbox table (admins read it at
    # /admin/core/outboxemail/) and log one line about it.
    EMAIL_BACKEND = "agora.core.mail.OutboxBackend"
EMAIL_TIMEOUT = 10

# --- background jobs -------------------------------------------------------------------------
# Three queues, so a burst of bulk work never delays a purchase: `payments` (webhooks, access,
# refunds, payouts), `notifications` (one person's email: receipts, certificates, sign-up) and
# `bulk` (mass email, reports, periodic recomputation). `make run` gives payments a worker of
# its own; production runs at least one worker per queue group (README, operations).
# Websockets (agora/live). With Redis, every ASGI process shares channels-redis (its pub/sub
# layer: frames are best effort, and a broadcast to a course chat of 500 is one publish per
# member, delivered in a fraction of the time the list-based layer takes); the embedded
# default relays frames between processes through the database (agora.live.layers), so a
# notification raised in the worker still reaches the sockets the web process holds.
MESSAGE_RATE_LIMIT = env.str("MESSAGE_RATE_LIMIT", default="30/m")
# Questions, answers, comments and announcements one person may post (notes are private).
COMMUNITY_POST_RATE_LIMIT = env.str("COMMUNITY_POST_RATE_LIMIT", default="20/m")
# Code exercises (agora/learning/sandbox). CODE_RUNNER "local" runs each program on this
# machine under bubblewrap (root needed to give runs uids of their own; without bwrap runs
# are refused, never run unconfined); "piston" sends it to a Piston server at CODE_RUNNER_URL.
CODE_RUNNER = env.str("CODE_RUNNER", default="local")
if CODE_RUNNER not in ("local", "piston"):
    raise ImproperlyConfigured("CODE_RUNNER must be local or piston")
CODE_RUNNER_URL = env.str("CODE_RUNNER_URL", default="")
# Programs running at once, over all workers (and local sandbox slots on one machine).
CODE_RUN_CONCURRENCY = env.int("CODE_RUN_CONCURRENCY", default=2)
CODE_RUN_CPU_SECONDS = env.int("CODE_RUN_CPU_SECONDS", default=2)
CODE_RUN_WALL_SECONDS = env.float("CODE_RUN_WALL_SECONDS", default=5.0)
CODE_RUN_MEMORY_MB = env.int("CODE_RUN_MEMORY_MB", default=256)
CODE_RUN_PROCESSES = env.int("CODE_RUN_PROCESSES", default=16)
CODE_RUN_OUTPUT_BYTES = env.int("CODE_RUN_OUTPUT_BYTES", default=64 * 1024)
CODE_RUN_FILE_BYTES = env.int("CODE_RUN_FILE_BYTES", default=1024 * 1024)
# Runs and submissions one learner may start.
CODE_RUN_RATE_LIMIT = env.str("CODE_RUN_RATE_LIMIT", default="20/m")
# Leaderboards: Redis sorted sets where Redis is configured, else the database (same results).
LEADERBOARD_BACKEND = env.str("LEADERBOARD_BACKEND", default="redis" if REDIS_URL else "database")
if LEADERBOARD_BACKEND not in ("redis", "database"):
    raise ImproperlyConfigured("LEADERBOARD_BACKEND must be redis or database")
LEADERBOARD_REDIS_URL = env.str("LEADERBOARD_REDIS_URL", default=REDIS_URL)
if LEADERBOARD_BACKEND == "redis" and not LEADERBOARD_REDIS_URL:
    raise ImproperlyConfigured("LEADERBOARD_BACKEND=redis needs REDIS_URL or LEADERBOARD_REDIS_URL")
LEADERBOARD_KEY_PREFIX = env.str("LEADERBOARD_KEY_PREFIX", default="agora:lb")
LIVE_POLL_SECONDS = env.float("LIVE_POLL_SECONDS", default=0.05)
LIVE_AUTH_TIMEOUT_SECONDS = env.float("LIVE_AUTH_TIMEOUT_SECONDS", default=10.0)
CHANNEL_LAYERS: dict[str, dict[str, object]] = (
    {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="agora:live"),
            },
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "agora.live.layers.DatabaseChannelLayer"}}
)

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_TASK_DEFAULT_QUEUE = "notifications"
CELERY_TASK_ROUTES = {
    "agora.commerce.tasks.process_payment_event": {"queue": "payments"},
    "agora.commerce.tasks.return_payment": {"queue": "payments"},
    "agora.commerce.tasks.reconcile_payments": {"queue": "payments"},
    "agora.commerce.tasks.release_escrow": {"queue": "payments"},
    "agora.commerce.tasks.run_payouts": {"queue": "payments"},
    "agora.commerce.tasks.settle_subscriptions": {"queue": "payments"},
    "agora.commerce.tasks.split_subscription_pool": {"queue": "payments"},
    "agora.commerce.tasks.deliver_gift": {"queue": "notifications"},
    "agora.commerce.tasks.tell_wishers_of_coupon": {"queue": "bulk"},
    "agora.commerce.tasks.send_receipt": {"queue": "notifications"},
    "agora.core.tasks.deliver_email": {"queue": "notifications"},
    "agora.learning.tasks.deliver_certificate": {"queue": "notifications"},
    "agora.notifications.tasks.send_notification_emails": {"queue": "notifications"},
    "agora.catalog.tasks.recompute_trending": {"queue": "bulk"},
    "agora.accounts.tasks.purge_expired_refresh_tokens": {"queue": "bulk"},
    "agora.core.tasks.purge_finished_jobs": {"queue": "bulk"},
    "agora.gamification.tasks.remind_streaks": {"queue": "bulk"},
    "agora.media.tasks.purge_expired_uploads": {"queue": "bulk"},
    "agora.media.tasks.process_video": {"queue": "video"},
    "agora.learning.tasks.run_code": {"queue": "code"},
    "agora.analytics.tasks.refresh_rollups": {"queue": "bulk"},
    "agora.analytics.tasks.run_export": {"queue": "bulk"},
    "agora.analytics.tasks.purge_old_exports": {"queue": "bulk"},
}
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "queue"
    for _sub in ("in", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_queue_dir / "in"),
        "data_folder_out": str(_queue_dir / "in"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
        # The folder is looked at this often when it is idle (kombu's default, 1 s, capped the
        # embedded worker at about one job a second per process).
        "polling_interval": env.float("JOB_POLLING_INTERVAL", default=0.005),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message a worker took and never acknowledged comes back after this long; the
        # outbox relay re-sends a killed worker's jobs much sooner (JOB_WORKER_DEAD_AFTER).
        "visibility_timeout": 3600,
        "socket_timeout": 5,
        "socket_connect_timeout": 2,
        # A web process handing a job to a broker that is down gives up within a second and
        # leaves the job to the relay (the worker's own reconnecting is not affected).
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        # Lets several deployments (or test runs) share one Redis without taking each
        # other's jobs.
        "global_keyprefix": env.str("JOB_BROKER_KEY_PREFIX", default=""),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The outbox relay (agora/core/jobs.py) runs in every worker.
JOB_RELAY_INTERVAL = env.float("JOB_RELAY_INTERVAL", default=0.5)
JOB_HEARTBEAT_INTERVAL = env.float("JOB_HEARTBEAT_INTERVAL", default=3)
JOB_WORKER_DEAD_AFTER = env.float("JOB_WORKER_DEAD_AFTER", default=15)
JOB_REDELIVER_AFTER = env.float("JOB_REDELIVER_AFTER", default=300)
JOB_RETRY_BACKOFF = env.float("JOB_RETRY_BACKOFF", default=30)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=8)
JOB_KEEP_DAYS = env.int("JOB_KEEP_DAYS", default=14)
# A job started this long ago and not finished is sent again, whatever its worker says; no
# task may run longer (Celery stops it a minute before).
JOB_LEASE = env.int("JOB_LEASE", default=900)
CELERY_TASK_TIME_LIMIT = JOB_LEASE - 60

# --- payments (the commerce issue fills these in) --------------------------------------------
# Production takes payments only through the providers listed here whose keys are set. The
# demo sandbox is never a production default: its pay page needs no sign-in and marks orders
# paid without any money. A public demo site may still run it, by saying so explicitly.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=[] if IS_PRODUCTION else ["demo"])
DEMO_PAYMENTS_IN_PRODUCTION = env.bool("DEMO_PAYMENTS_IN_PRODUCTION", default=False)
if IS_PRODUCTION and "demo" in PAYMENT_PROVIDERS and not DEMO_PAYMENTS_IN_PRODUCTION:
    raise ImproperlyConfigured(
        "PAYMENT_PROVIDERS lists demo with AGORA_ENV=production: the demo provider gives "
        "courses away without payment. Remove it, or set DEMO_PAYMENTS_IN_PRODUCTION=true "
        "for a demo site."
    )
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="USD")
# Analytics: the periodic job rewrites the rollups of this many most recent days (today
# included); `manage.py rebuild_analytics` rewrites all of them.
ANALYTICS_REFRESH_DAYS = env.int("ANALYTICS_REFRESH_DAYS", default=3)
# Exports are written here (never served directly) and downloaded through a signed link that
# only the person who asked may use, valid this many seconds; files are deleted after
# EXPORT_KEEP_DAYS.
EXPORTS_ROOT = Path(env.str("EXPORTS_ROOT", default=str(VAR_DIR / "exports")))
EXPORT_LINK_MAX_AGE = env.int("EXPORT_LINK_MAX_AGE", default=60 * 60)
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
STORAGES["exports"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(EXPORTS_ROOT), "base_url": "/nowhere/"},
}
REFUND_WINDOW_DAYS = env.int("REFUND_WINDOW_DAYS", default=30)
# A learner who has completed this much of a course (percent) can no longer refund it.
REFUND_MAX_PROGRESS_PERCENT = env.int("REFUND_MAX_PROGRESS_PERCENT", default=50)
# Scheduled payouts pay an available balance of at least this many minor units.
PAYOUT_MINIMUM = env.int("PAYOUT_MINIMUM", default=5000)
# Subscriptions: after a failed renewal the subscriber keeps access this many days (past
# due, with dunning emails) before the subscription expires.
SUBSCRIPTION_GRACE_DAYS = env.int("SUBSCRIPTION_GRACE_DAYS", default=7)
# A past-due subscriber gets a second dunning email this many days before the grace period
# ends (once per grace period; 0: none, nor when it is not shorter than the grace period).
SUBSCRIPTION_GRACE_REMINDER_DAYS = env.int("SUBSCRIPTION_GRACE_REMINDER_DAYS", default=2)
# Who sells, as printed on invoices (lines separated by "\n").
INVOICE_SELLER = env.str(
    "INVOICE_SELLER", default="Agora Marketplace\nhttps://agora.example\nsupport@agora.example"
).replace("\\n", "\n")
DEMO_WEBHOOK_SECRET = env.str("DEMO_WEBHOOK_SECRET", default="") or ("demo-webhook-" + SECRET_KEY)
# Stripe: enabled when listed in PAYMENT_PROVIDERS and both keys are set. STRIPE_API_BASE
# points the SDK elsewhere (a local emulator); empty means Stripe's own API.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Razorpay: enabled when listed and the key id, key secret and webhook secret are set.
RAZORPAY_KEY_ID = env.str("RAZORPAY_KEY_ID", default="")
RAZORPAY_KEY_SECRET = env.str("RAZORPAY_KEY_SECRET", default="")
RAZORPAY_WEBHOOK_SECRET = env.str("RAZORPAY_WEBHOOK_SECRET", default="")
RAZORPAY_API_BASE = env.str("RAZORPAY_API_BASE", default="https://api.razorpay.com")
# PayPal: enabled when listed and the client id, secret and webhook id are set. The API base
# defaults to the sandbox; production is https://api-m.paypal.com.
PAYPAL_CLIENT_ID = env.str("PAYPAL_CLIENT_ID", default="")
PAYPAL_CLIENT_SECRET = env.str("PAYPAL_CLIENT_SECRET", default="")
PAYPAL_WEBHOOK_ID = env.str("PAYPAL_WEBHOOK_ID", default="")
PAYPAL_API_BASE = env.str("PAYPAL_API_BASE", default="https://api-m.sandbox.paypal.com")

# --- security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")  # the operator's deliberate choice
    if TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Where the browser fetches stored files from when object storage serves them (the
# storage's signed URLs: video segments, pictures). By default the S3 endpoint's origin.
STORAGE_PUBLIC_ORIGINS = env.list(
    "STORAGE_PUBLIC_ORIGINS",
    default=(
        [env.str("STORAGE_ENDPOINT_URL", default="") or "https://*.amazonaws.com"]
        if STORAGE_BACKEND == "s3"
        else []
    ),
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # A page that asks for a nonce (the code editor's generated styles) gets one; others
        # keep 'self' alone.
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:", *STORAGE_PUBLIC_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *STORAGE_PUBLIC_ORIGINS],
        # blob: is the stream hls.js builds from the segments (Media Source Extensions);
        # data: the empty caption track it adds before a subtitles playlist's cues arrive.
        "media-src": ["'self'", "blob:", "data:", *STORAGE_PUBLIC_ORIGINS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "agora.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
