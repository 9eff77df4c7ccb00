"""Logging filters named in settings.LOGGING."""

import logging

import pythonjsonlogger.json


class ClientErrorsOneLine(logging.Filter):
    """Drop the traceback of a 4xx response's log record (django.request logs PermissionDenied with exc_info).

    A 4xx is the client's error and expected (a denial, a missing page): one warning line says what happened; a
    traceback per denied request only floods the log (review D18). 5xx records keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per line (LOG_FORMAT=json), with a fixed set of fields.

    python-json-logger writes every attribute a caller attaches to a record; Django attaches the request itself
    to django.request's records (whose repr holds the query string). Only the fields below are written, so nothing
    a library attaches can carry data into the log."""

    FIELDS = frozenset(
        {"timestamp", "level", "logger", "message", "request_id", "job_id", "method", "path", "status"}
        | {"duration_ms", "status_code", "task_id", "exc_info", "stack_info"}
    )

    def add_fields(self, log_record, record, message_dict) -> None:
        super().add_fields(log_record, record, message_dict)
        for key in [key for key in log_record if key not in self.FIELDS]:
            del log_record[key]
