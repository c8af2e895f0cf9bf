"""Agora settings: everything comes from the environment, with embedded defaults.

With no variables at all Agora runs on SQLite, local-memory cache, a filesystem job broker,
demo payments and an email outbox. `AGORA_ENV=production` turns on the hardened settings
and refuses to start without a real `SECRET_KEY` and `ALLOWED_HOSTS`, or with the demo payment
provider (unless `DEMO_PAYMENTS_IN_PRODUCTION` opts in).
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

AGORA_ENV = env.str("AGORA_ENV", default="development")
if AGORA_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("AGORA_ENV must be 'development' or 'production'.")
IS_PRODUCTION = AGORA_ENV == "production"

VAR_DIR = Path(env.str("AGORA_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- core ------------------------------------------------------------------------------------
_DEV_SECRET_KEY = "insecure-development-key-only-for-local-use-never-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
# Django's debug pages (every URL pattern, settings, tracebacks) only when a developer asks:
# `make run` shows visitors the site's own 404 and 500 pages.
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Agora"

if IS_PRODUCTION:
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "AGORA_ENV=production needs SECRET_KEY: a random string of 50+ characters."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("AGORA_ENV=production needs ALLOWED_HOSTS (comma-separated).")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off when AGORA_ENV=production.")

INSTALLED_APPS = [
    "agora.core.admin_site.AgoraAdminConfig",  # Django's admin, one Accounts section
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
    "channels",
    "ninja",  # serves the API docs page from its bundled files: no CDN, no inline script
    "agora.core",
    "agora.accounts",
    "agora.audit",
    "agora.live",
    "agora.media",
    "agora.notifications",
    "agora.catalog",
    "agora.learning",
    "agora.commerce",
    "agora.community",
    "agora.analytics",
    "agora.moderation",
    "agora.messaging",
    "agora.gamification",
    "agora.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "agora.core.middleware.RequestContextMiddleware",
    "agora.core.middleware.DomainErrorPageMiddleware",
    "agora.core.middleware.ApiRateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "agora.accounts.middleware.AllauthCacheRequiredMiddleware",
    "agora.accounts.middleware.RequireAdminTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "agora.urls"
WSGI_APPLICATION = "agora.wsgi.application"
ASGI_APPLICATION = "agora.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "agora.core.context_processors.site",
            ],
        },
    }
]

# --- database --------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'agora.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE transactions avoid the
    # "database is locked" upgrade deadlock; the timeout waits out short write bursts.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
elif _db["ENGINE"] in {"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"}:
    _db["ENGINE"] = "django.db.backends.postgresql"
    # Connections the server dropped (a restart, a failover) are noticed before use and
    # replaced: with the pool, Django passes psycopg_pool the `ConnectionPool.check_connection`
    # callback, run on every checkout; without it, CONN_MAX_AGE connections are pinged per request.
    _db["CONN_HEALTH_CHECKS"] = True
    if env.bool("DATABASE_POOL", default=True):
        # psycopg 3's pool keeps connections per process; CONN_MAX_AGE must stay 0 with it.
        _db["OPTIONS"] = {
            "pool": {
                "min_size": env.int("DATABASE_POOL_MIN", default=2),
                "max_size": env.int("DATABASE_POOL_MAX", default=20),
                "timeout": 10,
            }
        }
        _db["CONN_MAX_AGE"] = 0
    else:
        _db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Emails are unique case-insensitively through a functional constraint (accounts.User),
# which this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# --- cache, rate limits ----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if env.bool("CACHE_DISABLED", default=False):
    # Benchmarks of the cold path: nothing is ever answered from the cache. Never in
    # production: rate limits, login throttling and view counting need a real cache.
    CACHES: dict[str, dict[str, object]] = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    }
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
elif REDIS_URL:
    CACHES = {
        "default": {
            # Redis down: reads miss and fall through to the database, writes are dropped,
            # login throttling refuses (503); see agora/core/cache.py.
            "BACKEND": "agora.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="agora"),
            "TIMEOUT": 300,
            # A hung Redis costs one request half a second, then the breaker skips it for
            # `breaker_seconds`: requests are never stalled by it.
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "breaker_seconds": env.float("CACHE_BREAKER_SECONDS", default=1.5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One web process in the embedded set-up: a per-process cache is what we want there.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
# Course page views are buffered in Redis and folded into the database every minute
# (agora/catalog/view_counts.py); empty: written at once.
VIEW_BUFFER_REDIS_URL = env.str("VIEW_BUFFER_REDIS_URL", default=REDIS_URL or "")
VIEW_BUFFER_KEY_PREFIX = env.str("VIEW_BUFFER_KEY_PREFIX", default="agora:views")
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
API_RATE_LIMIT_PER_ADDRESS = env.str("API_RATE_LIMIT_PER_ADDRESS", default="600/m")
API_RATE_LIMIT_PER_USER = env.str("API_RATE_LIMIT_PER_USER", default="1200/m")
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env.str(
    "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", default="5/15m"
)
LOGIN_FAILURES_PER_ACCOUNT = env.str("LOGIN_FAILURES_PER_ACCOUNT", default="20/15m")
LOGIN_FAILURES_PER_ADDRESS = env.str("LOGIN_FAILURES_PER_ADDRESS", default="30/15m")

TRUSTED_PROXIES = [
    ipaddress.ip_network(item.strip(), strict=False)
    for item in env.list("TRUSTED_PROXIES", default=[])
    if item.strip()
]

# --- auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

JWT_ACCESS_TTL = timedelta(seconds=env.int("JWT_ACCESS_TTL_SECONDS", default=10 * 60))
JWT_REFRESH_TTL = timedelta(days=env.int("JWT_REFRESH_TTL_DAYS", default=30))
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default=SECRET_KEY)
# How long the user behind an access token is kept in the cache between requests (it is
# dropped at once whenever the user changes: agora/accounts/user_cache.py).
AUTH_USER_CACHE_SECONDS = env.int("AUTH_USER_CACHE_SECONDS", default=60)
if JWT_ACCESS_TTL > timedelta(minutes=15):
    raise ImproperlyConfigured("JWT_ACCESS_TTL_SECONDS must be at most 900 (15 minutes).")

REQUIRE_EMAIL_VERIFICATION = env.bool("REQUIRE_EMAIL_VERIFICATION", default=False)
REQUIRE_ADMIN_2FA = env.bool("REQUIRE_ADMIN_2FA", default=False)

# django-allauth: email is the login, there is no username.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_SIGNUP_FORM_CLASS = "agora.accounts.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory" if REQUIRE_EMAIL_VERIFICATION else "optional"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "agora.accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Agora] "
# Browser sessions are recorded at sign-in (address and browser) for "Where you are signed in";
# not on every request, which would cost a write each time.
USERSESSIONS_TRACK_ACTIVITY = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Agora"

# --- internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploads (lesson videos, files, pictures) go through Django's storage API: local disk by
# default; STORAGE_BACKEND=s3 puts them in S3-compatible object storage (AWS S3, MinIO,
# Cloudflare R2, ...) with django-storages. Objects stay private: every URL the storage
# hands out is signed and lasts STORAGE_URL_EXPIRE seconds (the app checks access first).
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND not in ("local", "s3"):
    raise ImproperlyConfigured("STORAGE_BACKEND must be local or s3")
_DEFAULT_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if STORAGE_BACKEND == "s3":
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("STORAGE_BUCKET"),
            "endpoint_url": env.str("STORAGE_ENDPOINT_URL", default="") or None,
            "region_name": env.str("STORAGE_REGION", default="") or None,
            "access_key": env.str("STORAGE_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("STORAGE_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("STORAGE_ADDRESSING_STYLE", default="") or None,
            "signature_version": "s3v4",
            "default_acl": None,  # private: the bucket's own policy
            "querystring_auth": True,
            "querystring_expire": env.int("STORAGE_URL_EXPIRE", default=600),
            "file_overwrite": False,  # a name is never reused (signed links rely on it)
            "location": env.str("STORAGE_PREFIX", default=""),
        },
    }
STORAGES: dict[str, dict[str, Any]] = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
AVATAR_MAX_BYTES = 2 * 1024 * 1024
THUMBNAIL_MAX_BYTES = 5 * 1024 * 1024
RESOURCE_MAX_BYTES = env.int("RESOURCE_MAX_BYTES", default=100 * 1024 * 1024)
# The largest file a learner may hand in for an assignment.
SUBMISSION_MAX_BYTES = env.int("SUBMISSION_MAX_BYTES", default=20 * 1024 * 1024)
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_BYTES", default=2 * 1024 * 1024 * 1024)
SUBTITLE_MAX_BYTES = 2 * 1024 * 1024
# Resumable (tus) uploads: what one user may hold (open uploads and the originals of their
# videos), and how long an unfinished upload waits for the rest of its bytes.
MEDIA_UPLOAD_QUOTA_BYTES = env.int("MEDIA_UPLOAD_QUOTA_BYTES", default=50 * 1024**3)
# The studio's tus client sends a file in pieces of this size: a dropped connection costs
# at most one piece.
MEDIA_UPLOAD_CHUNK_BYTES = env.int("MEDIA_UPLOAD_CHUNK_BYTES", default=16 * 1024**2)
MEDIA_UPLOAD_EXPIRE_HOURS = env.int("MEDIA_UPLOAD_EXPIRE_HOURS", default=24)
# The video pipeline (agora/media/processing.py) runs ffmpeg from the imageio-ffmpeg wheel
# unless FFMPEG_BINARY names another; its scratch files go to VIDEO_WORK_DIR (the system's
# temporary folder by default: it needs about twice the largest video free).
FFMPEG_BINARY = env.str("FFMPEG_BINARY", default="")
VIDEO_WORK_DIR = env.str("VIDEO_WORK_DIR", default="") or None
VIDEO_X264_PRESET = env.str("VIDEO_X264_PRESET", default="veryfast")
VIDEO_FFMPEG_THREADS = env.int("VIDEO_FFMPEG_THREADS", default=0)  # 0: as many as cores
# A long lecture takes longer than other jobs: its own time limit (its lease is renewed
# while it runs, so the relay does not send it again meanwhile).
VIDEO_JOB_TIME_LIMIT = env.int("VIDEO_JOB_TIME_LIMIT", default=6 * 3600)
# Lesson videos, subtitles and files are served only through signed links that last this long.
SIGNED_MEDIA_MAX_AGE = env.int("SIGNED_MEDIA_MAX_AGE", default=4 * 60 * 60)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

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
