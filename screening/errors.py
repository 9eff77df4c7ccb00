"""The partner API's one error body and its machine codes.

Every error response of /api/ has the body {"code", "message", "errors": [{"question", "code", "message"}]}:
`code` says what went wrong with the request as a whole; `errors` lists each problem found (an answer's
question id in `question`, or null; a request field in `field` when the problem is with a field of the request
body or query). Clients branch on the codes, never on the messages, which are plain English and never repeat
an answer value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from .availability import is_unavailable, log_unavailable, unavailable_response

# rest_framework.views is imported inside the handler: importing it here would load DRF's settings, whose
# parser (screening.throttling) imports this module, a cycle when this module is imported first.

logger = logging.getLogger(__name__)


class ApiErrorCode(StrEnum):
    """Every machine code the API returns, top-level and per problem. Never rename one."""

    # -- top-level codes (the request as a whole) --
    INVALID_REQUEST = "invalid_request"  # 400: the body or query does not have the documented shape
    INVALID_ANSWERS = "invalid_answers"  # 400: the request is well formed but answers are invalid
    PARSE_ERROR = "parse_error"  # 400: the body is not valid JSON
    TOO_MANY_ITEMS = "too_many_items"  # 400: a bulk request over the limit (nothing stored)
    NOT_AUTHENTICATED = "not_authenticated"  # 401: no credentials
    AUTHENTICATION_FAILED = "authentication_failed"  # 401: invalid, malformed or revoked token
    PERMISSION_DENIED = "permission_denied"  # 403: the token's scope (or the account) does not allow this
    NOT_FOUND = "not_found"  # 404: no such resource in the caller's organisation (or no such path)
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405
    NOT_ACCEPTABLE = "not_acceptable"  # 406: the API only renders JSON
    VERSION_CONFLICT = "version_conflict"  # 412: If-Match names a version that is no longer current
    LENGTH_REQUIRED = "length_required"  # 411: a body without Content-Length (chunked): nothing read or stored
    REQUEST_TOO_LARGE = "request_too_large"  # 413: the body is over the size limit (nothing read or stored)
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"  # 422: an Idempotency-Key sent again with another body
    REQUEST_IN_PROGRESS = "request_in_progress"  # 409: the request with this Idempotency-Key is still running
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # 415: send Content-Type: application/json
    THROTTLED = "throttled"  # 429: see the Retry-After header
    SERVER_ERROR = "server_error"  # 500
    SERVICE_UNAVAILABLE = "service_unavailable"  # 503: the database cannot be reached; retry after Retry-After

    # -- per-problem codes: answers (rules.ErrorCode values, and two of the API's own) --
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_QUESTION = "unknown_question"
    INVALID_TYPE = "invalid_type"
    UNKNOWN_OPTION = "unknown_option"
    DUPLICATE_OPTION = "duplicate_option"
    EXCLUSIVE_OPTION = "exclusive_option"
    OUT_OF_RANGE = "out_of_range"
    TOO_LONG = "too_long"
    INVALID_DATE = "invalid_date"
    INVALID_COUNTRY = "invalid_country"
    NOT_APPLICABLE = "not_applicable"
    FUTURE_DATE = "future_date"  # a date after today for a past event (date_left_country)
    CONTRADICTION = "contradiction"  # an error-level contradiction check: one per question it names (`check`)
    INCOMPLETE = "incomplete"  # a complete screening needs every required question answered
    FREE_TEXT_NOT_ACCEPTED = "free_text_not_accepted"  # evaluate/ takes no answer to a text question

    # -- per-problem codes: request fields --
    REQUIRED = "required"
    NULL = "null"
    BLANK = "blank"
    MAX_LENGTH = "max_length"
    INVALID_CHOICE = "invalid_choice"
    INVALID = "invalid"
    UNKNOWN_FIELD = "unknown_field"


API_ERROR_CODE_CHOICES = [(c.value, c.value) for c in ApiErrorCode]  # for serializers and the OpenAPI enum

# DRF's own field-level codes, mapped onto ours (anything else is `invalid`).
_FIELD_CODES = {
    "required": ApiErrorCode.REQUIRED,
    "null": ApiErrorCode.NULL,
    "blank": ApiErrorCode.BLANK,
    "max_length": ApiErrorCode.MAX_LENGTH,
    "invalid_choice": ApiErrorCode.INVALID_CHOICE,
    "not_a_list": ApiErrorCode.INVALID_TYPE,
    "not_a_dict": ApiErrorCode.INVALID_TYPE,
    "min_value": ApiErrorCode.OUT_OF_RANGE,
    "max_value": ApiErrorCode.OUT_OF_RANGE,
    "unknown_field": ApiErrorCode.UNKNOWN_FIELD,
}

_CODES = frozenset(c.value for c in ApiErrorCode)

# Top-level codes of DRF's exceptions, by class.
_EXCEPTION_CODES: list[tuple[type, ApiErrorCode]] = [
    (exceptions.ValidationError, ApiErrorCode.INVALID_REQUEST),
    (exceptions.ParseError, ApiErrorCode.PARSE_ERROR),
    (exceptions.NotAuthenticated, ApiErrorCode.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ApiErrorCode.AUTHENTICATION_FAILED),
    (exceptions.PermissionDenied, ApiErrorCode.PERMISSION_DENIED),
    (exceptions.NotFound, ApiErrorCode.NOT_FOUND),
    (exceptions.MethodNotAllowed, ApiErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, ApiErrorCode.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, ApiErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ApiErrorCode.THROTTLED),
]

_MESSAGES = {
    ApiErrorCode.INVALID_REQUEST: "The request is invalid: see `errors`.",
    ApiErrorCode.NOT_FOUND: "Not found.",
}


def error_item(
    *,
    code: str,
    message: str,
    question: str | None = None,
    field: str | None = None,
    check: str | None = None,
    questions: list[str] | None = None,
) -> dict:
    """One problem of an error body (`check` and `questions`: a contradiction check, and every question it names)."""
    item: dict[str, Any] = {"question": question, "code": str(code), "message": str(message)}
    if field is not None:
        item["field"] = field
    if check is not None:
        item.update(check=check, questions=list(questions or []))
    return item


def error_body(*, code: str, message: str, errors: list[dict] | None = None) -> dict:
    return {"code": str(code), "message": str(message), "errors": list(errors or [])}


class ApiError(exceptions.APIException):
    """An error with the API's body: raise it from a view; the exception handler renders it."""

    def __init__(
        self,
        *,
        code: ApiErrorCode,
        message: str,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        errors: list[dict] | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(detail=message, code=str(code))
        self.status_code = status_code
        self.api_code = code
        self.message = message
        self.errors = list(errors or [])
        self.headers = dict(headers or {})


def answer_errors(errors: list[dict]) -> list[dict]:
    """Answer problems ({question, code, message} dicts from rules/services) as error items."""
    return [
        error_item(
            question=e.get("question"),
            code=e["code"],
            message=e["message"],
            check=e.get("check"),
            questions=e.get("questions"),
        )
        for e in errors
    ]


def validation_items(detail: Any, path: str | None = None) -> list[dict]:
    """Flatten a DRF ValidationError detail into error items, each with the dotted `field` path it is about."""
    items: list[dict] = []
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            sub = None if key == settings.REST_FRAMEWORK.get("NON_FIELD_ERRORS_KEY", "non_field_errors") else key
            items.extend(validation_items(value, _join(path, sub)))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, Mapping | list):
                items.extend(validation_items(value, _join(path, str(index))))
            else:
                items.extend(validation_items(value, path))
    else:
        raw_code = getattr(detail, "code", None) or "invalid"
        code = _FIELD_CODES.get(raw_code) or (raw_code if raw_code in _CODES else ApiErrorCode.INVALID)
        items.append(error_item(code=code, message=str(detail), field=path))
    return items


def _join(path: str | None, key: str | None) -> str | None:
    if key is None:
        return path
    return f"{path}.{key}" if path else str(key)


def _top_code(exc: exceptions.APIException) -> ApiErrorCode:
    if isinstance(exc, ApiError):
        return exc.api_code
    for klass, code in _EXCEPTION_CODES:
        if isinstance(exc, klass):
            return code
    return ApiErrorCode.SERVER_ERROR if exc.status_code >= 500 else ApiErrorCode.INVALID_REQUEST


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error, DRF's own included, gets the API's error body."""
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if is_unavailable(exc):  # the database (or the Redis cache) is down or too slow: retry later (review D8)
        set_rollback()
        log_unavailable(context["request"], exc)
        return unavailable_response(context["request"])
    if not isinstance(exc, exceptions.APIException):
        if settings.DEBUG:
            return None  # Django's debug page
        view = context.get("view")
        logger.exception("Unhandled error in %s", type(view).__name__ if view else "an API view")
        set_rollback()
        body = error_body(code=ApiErrorCode.SERVER_ERROR, message="Internal error. It has been logged.")
        return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    response = drf_exception_handler(exc, context)  # headers (WWW-Authenticate, Retry-After) and rollback
    code = _top_code(exc)
    if isinstance(exc, ApiError):
        body = error_body(code=code, message=exc.message, errors=exc.errors)
        for name, value in exc.headers.items():
            response[name] = value
    elif isinstance(exc, exceptions.ValidationError):
        body = error_body(code=code, message=_MESSAGES[code], errors=validation_items(exc.detail))
    else:
        message = exc.detail if isinstance(exc.detail, str) else _MESSAGES.get(code, str(code))
        body = error_body(code=code, message=str(message))
    if isinstance(exc, exceptions.Throttled):
        response["Retry-After"] = str(max(1, int(exc.wait or 1)))
    response.data = body
    return response
