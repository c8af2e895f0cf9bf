"""Agora settings, first half: the environment, core, database, cache, auth and files.

Imported by `base.py` (the settings module), which adds the rest; see its docstring.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
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
    # Outside the rate limit, so that what it answers itself (429, and a cached public
    # answer read with its count: agora/core/read_ahead.py) carries these headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "agora.core.csp.CSPMiddleware",
    "agora.accounts.middleware.ApiRateLimitMiddleware",
    # Sessions, CSRF, the cookie user and messages: Django's, skipped by a bearer-token API
    # call (agora/core/bearer_middleware.py); every other request runs them as before.
    "agora.core.bearer_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "agora.core.bearer_middleware.CsrfViewMiddleware",
    "agora.core.bearer_middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "agora.accounts.middleware.AllauthCacheRequiredMiddleware",
    "agora.accounts.middleware.RequireAdminTwoFactorMiddleware",
    "agora.core.bearer_middleware.MessageMiddleware",
]

ROOT_URLCONF = "agora.urls"
# A WSGI worker's long-lived objects leave the garbage collector's full passes after this
# many requests (agora/core/warm_gc.py); 0 keeps them in.
GC_FREEZE_AFTER_REQUESTS = env.int("GC_FREEZE_AFTER_REQUESTS", default=500)
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
    # Django's backend, reading timestamps in C (agora/core/postgresql/base.py).
    _db["ENGINE"] = "agora.core.postgresql"
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
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # The hottest reads (agora/core/prepared.py) run as server-side prepared statements:
        # planning their joins cost PostgreSQL three times what running them did. Every other
        # query binds on the client and is never prepared, whatever this number; turn this
        # off behind a pooler that cannot keep prepared statements (PgBouncer in transaction
        # mode without max_prepared_statements).
        _db.setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Emails are unique case-insensitively through a functional constraint (accounts.User),
# which this check cannot see.
# security.W003 wants Django's CsrfViewMiddleware by its exact path; ours subclasses it and
# core.W003 (agora/core/bearer_middleware.py) checks for that instead.
SILENCED_SYSTEM_CHECKS = ["auth.W004", "security.W003"]

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
# Playback positions and watching time are buffered in Redis and folded into the database
# every minute (agora/learning/positions.py); empty: written at once.
POSITION_BUFFER_REDIS_URL = env.str("POSITION_BUFFER_REDIS_URL", default=REDIS_URL or "")
POSITION_BUFFER_KEY_PREFIX = env.str("POSITION_BUFFER_KEY_PREFIX", default="agora:positions")
# How long a learner's active enrollment and right to record progress in a lesson are
# remembered (granting or revoking forgets them at once; position reports see a lapsed
# subscription or a removed co-instructor within this bound, lesson reads at once).
PROGRESS_RIGHTS_CACHE_SECONDS = env.int("PROGRESS_RIGHTS_CACHE_SECONDS", default=30)
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
