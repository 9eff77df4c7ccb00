"""gunicorn settings of `make serve` (gunicorn -c config/gunicorn.conf.py config.wsgi:application).

Review D8: with gunicorn's default sync workers, each worker serves one connection at a time, so two clients that
send a request body slowly held both workers until the worker timeout (32 s with no other request served).
Threaded workers (`gthread`) keep a connection that has sent nothing on the worker's poller, not on a thread, and
serve WEB_CONCURRENCY x GUNICORN_THREADS requests at once, so a few slow clients leave the others served. A
request body is still read by a thread, though: a deployment open to the internet must sit behind a proxy that
buffers whole requests (README "Security": nginx does by default). Each thread holds its own database connection
(CONN_MAX_AGE), so PostgreSQL must allow WEB_CONCURRENCY x GUNICORN_THREADS connections per host.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A worker that has not reported for `timeout` seconds is killed and replaced (a hung worker process); requests
# are bounded by the database's statement timeout (DB_STATEMENT_TIMEOUT, 30 s) well before that.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # seconds an idle kept-alive connection stays open (on the poller: it holds no thread)
# Request head limits: gunicorn's defaults, written down (a longer line or more headers is refused with 400).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Replace workers now and then so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Logs: with LOG_FORMAT=json (the production default) gunicorn's own lines are JSON objects like the app's, and
# there is no separate access log: the app writes one line per request with its request id (screening.requests,
# screening/log_context.py). With LOG_FORMAT=text, gunicorn's usual access log, with the request id at the end.
_log_format = os.environ.get("LOG_FORMAT", "json").strip().lower()
if _log_format == "json":
    accesslog = None
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "config.log_filters.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "timestamp", "levelname": "level", "name": "logger"},
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }
else:
    accesslog = "-"
    access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(L)ss request_id=%({x-request-id}o)s'
# gunicorn itself believes X-Forwarded-Proto (making the request "https" to Django) from these addresses: only
# when the operator says a proxy sets that header, as for Django's SECURE_PROXY_SSL_HEADER (review D21).
_proxy_trusted = os.environ.get("SECURE_PROXY_SSL_HEADER_TRUSTED", "").strip().lower() in {"1", "true", "yes", "on"}
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1" if _proxy_trusted else "")


def child_exit(server, worker):
    """Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR, README "Metrics"): forget a dead worker's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
