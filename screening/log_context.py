"""What every log line says about where it came from: the request id of the web request, the job id of a task.

* RequestIdMiddleware (first in MIDDLEWARE) gives each request an id: the caller's `X-Request-ID` when it is well
  formed (a load balancer or a partner may set one to follow a request across systems), a new random one
  otherwise. The response carries it back in `X-Request-ID`, and every log line written while the request runs
  carries it (LogContextFilter, settings.LOGGING), so one request's lines can be found together. It also writes one
  line per request (method, path without the query string, status, duration): never a body, a query string or a
  header value, so no answer ever reaches the log this way.
* Celery tasks and the in-process job executor run inside `log_context(job_id=...)` (screening/tasks.py): the
  lines of a job's chunk carry the job id.

Context variables, not thread locals: the value follows the code that set it and is reset when it ends.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
job_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)

# A caller's id is kept only if it is short and plain (a UUID, a load balancer's trace id): anything else could
# forge log lines or carry data into the log, so it is replaced.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,99}")
REQUEST_ID_HEADER = "X-Request-ID"

request_logger = logging.getLogger("screening.requests")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str | None:
    """The caller's X-Request-ID if it is well formed, else None."""
    if value and REQUEST_ID_RE.fullmatch(value):
        return value
    return None


@contextlib.contextmanager
def log_context(*, job_id: str | None = None, request_id: str | None = None):
    tokens = []
    if job_id is not None:
        tokens.append((job_id_var, job_id_var.set(str(job_id))))
    if request_id is not None:
        tokens.append((request_id_var, request_id_var.set(request_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class LogContextFilter(logging.Filter):
    """Adds `request_id` and `job_id` (None outside a request or a job) to every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "job_id"):
            record.job_id = job_id_var.get()
        # The text format's short form: "request <id>", "job <id>" or "-".
        record.log_context = (
            " ".join(
                f"{name} {value}" for name, value in (("request", record.request_id), ("job", record.job_id)) if value
            )
            or "-"
        )
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.request_id = request_id
        started = time.monotonic()
        # Set here and cleared when the response is closed (request_finished), not when this method returns:
        # Django logs a 4xx/5xx (django.request) after the middleware chain has returned.
        request_id_var.set(request_id)
        response = self.get_response(request)
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,  # never the query string
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs) -> None:
    request_id_var.set(None)
