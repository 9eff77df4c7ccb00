"""Test settings: the same as base, with a fast password hasher."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The public development key of local.py (a manage.py run under either settings reads the other's rows), unless
# FIELD_ENCRYPTION_KEYS is set.
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    FIELD_ENCRYPTION_KEYS = ["cmVmdWdlLXNjcmVlbi1kZXYta2V5LW5vdC1zZWNyZXQ="]

# Jobs run at once in the caller unless a test chooses another executor (tests/screening/test_jobs*.py).
SCREENING = {**SCREENING, "JOB_EXECUTOR": "inline", "WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_RETRY_SECONDS": 0.05}  # noqa: F405

# SQLite: a test database in a file (not in memory), so that a Celery worker process started by a test
# (tests/screening/test_jobs_celery.py) reaches the same database. pytest-xdist adds its worker suffix.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30  # noqa: F405  (a worker may hold the lock)

# Local memory even when REDIS_URL is set: tests clear the cache, and each pytest-xdist worker needs its own counts.
# tests/security/test_rate_limits.py checks the Redis cache with its own clients.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
