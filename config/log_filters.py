"""Logging filters named in settings.LOGGING."""

import logging


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
