"""Settings for the test suite: the base settings with fast hashing and captured email.

`DATABASE_URL` and `REDIS_URL` still switch the suite to PostgreSQL and Redis, which is how CI
runs it a second time.
"""

import os

# Each pytest-xdist process gets its own folder (SQLite file, filesystem job queue) and its
# own Redis broker keys, so a real worker started by one process never takes another's jobs.
# An xdist process inherits the controlling process's environment, in which these were
# already set (to "main") when it loaded the settings: an xdist process always sets its own.
_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "main")
_PER_PROCESS = {
    "AGORA_VAR_DIR": os.path.join(os.getcwd(), "var", "test", _PROCESS),
    "JOB_BROKER_KEY_PREFIX": f"agora-test-{_PROCESS}:",
}
for _name, _value in _PER_PROCESS.items():
    if "PYTEST_XDIST_WORKER" in os.environ:
        os.environ[_name] = _value
    else:
        os.environ.setdefault(_name, _value)

from agora.settings.base import *  # noqa: E402, F403
from agora.settings.base import CACHES, CHANNEL_LAYERS, REDIS_URL, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Jobs queued in tests run inline once their transaction commits (capture them with
# django_capture_on_commit_callbacks). tests/core/test_jobs.py runs a real worker instead.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
if REDIS_URL:
    # Keep test keys apart from anything else using the same Redis.
    CACHES["default"]["KEY_PREFIX"] = f"agora-test-{os.getpid()}"
    LEADERBOARD_KEY_PREFIX = f"agora-test-{os.getpid()}:lb"
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"agora-test-{os.getpid()}:live"  # type: ignore[index]
# Views are written at once in tests, so that a test sees a view it made; the buffer's own
# tests (tests/catalog/test_view_counts.py) point it at a private Redis.
VIEW_BUFFER_REDIS_URL = ""
# Likewise positions (their buffer's tests: tests/learning/test_position_buffer.py).
POSITION_BUFFER_REDIS_URL = ""
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "exports": STORAGES["exports"],
}

from agora.settings.base import DATABASES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real worker process in the job tests can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
