"""Availability: a 503 with Retry-After when the database cannot be reached, and the health probes (review D8).

When the database is down, hung (connect_timeout) or too slow (statement_timeout), Django raises OperationalError
or InterfaceError (and the Redis cache, when Redis is down, redis.ConnectionError or TimeoutError). A client
should then retry later, so it gets 503 Service Unavailable with a Retry-After header, never a 500 that reads as a
bug: the API's error body (code `service_unavailable`) under /api/, a short page elsewhere. API views get it from
the API's exception handler (screening/errors.py, which calls `is_unavailable`); everything else, a failure in a
middleware included (the session is loaded there), comes through `server_error`, the project's handler500.

Probes (plain views: no authentication, no throttle, no session, nothing about the data):
* `/healthz`: the process answers. It touches neither the database nor Redis, so a database outage does not make
  an orchestrator restart healthy web processes.
* `/readyz`: every dependency a request or a job needs: the database answers `SELECT 1`; the cache (Redis with
  REDIS_URL: the rate limits live there) stores and reads back a value; the Celery broker, when one is configured,
  accepts a connection; the active ruleset (settings.SCREENING["RULESET"]) is loaded. 503 with Retry-After
  otherwise, naming only which check failed ("ok"/"unavailable"), never an error message or an address.
"""

from __future__ import annotations

import logging
import sys
import uuid

import redis
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# What Django raises when the database cannot serve a request (connection refused or lost, connect or statement
# timeout), and what the Redis cache raises when Redis cannot (the API's rate limits live there with REDIS_URL):
# temporary conditions, unlike an IntegrityError or a ProgrammingError (a bug: those stay 500).
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError)
RETRY_AFTER_SECONDS = 30
MESSAGE = "The service is temporarily unavailable. Please retry later."


def is_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE_ERRORS)


def log_unavailable(request, exc: BaseException) -> None:
    # One line, no traceback: an outage would otherwise log a traceback per request. The error class only (its
    # message can hold the database's address).
    logger.warning("Unavailable (%s): 503 for %s %s", type(exc).__name__, request.method, request.path)


def unavailable_response(request) -> HttpResponse:
    """503 with Retry-After: the API's error body under /api/, a short page elsewhere."""
    from .errors import ApiErrorCode, error_body  # errors imports this module

    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(code=ApiErrorCode.SERVICE_UNAVAILABLE, message=MESSAGE), status=503)
    else:
        # Rendered without the request: the context processors would read the session and the user (the database).
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, *args, **kwargs):
    """handler500: a 503 when the error is the database's unavailability, Django's plain 500 otherwise."""
    exc = sys.exc_info()[1]  # handler500 is called while the uncaught exception is being handled
    if is_unavailable(exc):
        log_unavailable(request, exc)
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        from .errors import ApiErrorCode, error_body

        body = error_body(code=ApiErrorCode.SERVER_ERROR, message="Internal error. It has been logged.")
        return JsonResponse(body, status=500)
    return defaults.server_error(request, *args, **kwargs)


# ---- probes ------------------------------------------------------------------------------------------------


@csrf_exempt
@require_safe
@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except DatabaseError:
        return False


def _cache_ok() -> bool:
    """A value written to the cache reads back (the Redis cache raises when Redis is down)."""
    from django.core.cache import cache

    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:  # the backend's own error classes (redis.ConnectionError, OSError ...)
        return False


def _broker_ok() -> bool | None:
    """True/False when a Celery broker is configured, None when jobs run in the web process (no broker)."""
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url:
        return None
    if url.startswith(("redis://", "rediss://", "unix://")):
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (redis.RedisError, OSError):
            return False
    from kombu import Connection  # another broker (e.g. RabbitMQ): one connection attempt, no retries

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True
    except Exception:
        return False


def _ruleset_ok() -> bool:
    """The active ruleset loads (once per process, then cached): without it nothing can be screened."""
    from .selectors import active_ruleset

    try:
        return bool(active_ruleset().rules)
    except Exception:
        logger.exception("readyz: the active ruleset cannot be loaded")
        return False


@csrf_exempt
@require_safe
@never_cache
def readyz(request):
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    broker_ok = _broker_ok()
    if broker_ok is not None:
        checks["broker"] = broker_ok
    checks["ruleset"] = _ruleset_ok()
    ready = all(checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
    }
    response = JsonResponse(body, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
