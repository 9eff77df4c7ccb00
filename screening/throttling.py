"""Request limits of the partner API: the rate per client, and the size of a request body.

Rate: per partner client (or signed-in user; per IP address for anonymous catalogue reads).

The rate is settings.SCREENING["API_RATE"] (env SCREENING_API_RATE, default "1200/min"), read on every request
so tests can override it. Counts live in Django's cache: Redis, shared by every server process, when REDIS_URL is
set (config/settings/base.py); per process with the local-memory cache otherwise. Failed token attempts have their
own limit per address (screening/token_failures.py).
A throttled request gets 429, a Retry-After header (seconds) and the error body with code `throttled`.

Size: a JSON body larger than settings.SCREENING["API_MAX_BODY_BYTES"] (default 10 MB: a full bulk request of
1,000 screenings is about 3 MB) is refused with 413 `request_too_large` before it is read. Bodies up to that limit
are read by ApiRequest itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, for the web forms) does not turn
them into a 500 (review D2). A body without Content-Length (chunked) is refused with 411 `length_required`: Django
would read it as empty (D7).

Depth: JSON nested deeper than MAX_JSON_DEPTH levels is refused with 400 `parse_error` (it used to exhaust Python's
recursion limit and give a 500: D6). Real requests are at most 4 levels deep.

Content: JSON whose strings hold an unpaired surrogate escape (`"\\ud800"`) is refused with 400 `parse_error`: such a
string is not Unicode text, so it could be neither stored nor sent back (it used to give a 500).
"""

from __future__ import annotations

import io
import re

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .auth import PartnerPrincipal
from .errors import ApiError, ApiErrorCode

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class ApiRateThrottle(SimpleRateThrottle):
    scope = "screening_api"
    cache_format = "throttle_%(scope)s_%(ident)s"

    def get_rate(self) -> str | None:
        return settings.SCREENING.get("API_RATE") or None

    def get_cache_key(self, request, view) -> str:
        principal = getattr(request, "user", None)
        if isinstance(principal, PartnerPrincipal):
            ident = f"client:{principal.client.pk}"
        elif principal is not None and getattr(principal, "is_authenticated", False):
            ident = f"user:{principal.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def body_length(meta) -> int:
    """The request's Content-Length (0 when absent or malformed)."""
    try:
        return max(0, int(meta.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def body_is_chunked(meta) -> bool:
    """A body sent without Content-Length (Transfer-Encoding: chunked): Django would silently read it as empty."""
    return bool(meta.get("HTTP_TRANSFER_ENCODING")) and not body_length(meta)


def length_required() -> ApiError:
    return ApiError(
        code=ApiErrorCode.LENGTH_REQUIRED,
        status_code=status.HTTP_411_LENGTH_REQUIRED,
        message="Send the body with a Content-Length header; chunked bodies are not accepted.",
    )


def _check_body_size(meta, limit: int | None = None) -> None:
    if limit is None:
        limit = settings.SCREENING.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    if body_is_chunked(meta):
        raise length_required()
    if limit and body_length(meta) > limit:
        raise ApiError(
            code=ApiErrorCode.REQUEST_TOO_LARGE,
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            message=f"The request body is larger than {limit} bytes; send fewer items per request.",
        )


class ApiRequest(Request):
    """DRF's Request, reading the body under the API's own size limit instead of DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def _load_stream(self):
        django_request = self._request
        _check_body_size(django_request.META, getattr(self, "body_limit", None))  # a view may allow more (jobs)
        if not body_length(django_request.META):
            self._stream = None
            return
        if not hasattr(django_request, "_body") and not django_request._read_started:
            django_request._body = django_request.read()  # bounded by Content-Length (at most the limit)
        self._stream = io.BytesIO(django_request.body)


class SizeLimitedJSONParser(JSONParser):
    """JSONParser that refuses a body over the size limit (by its Content-Length) without reading it, and JSON
    nested deeper than MAX_JSON_DEPTH or holding unpaired surrogates."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        if request is not None:
            _check_body_size(request.META)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep_error() from None
        check_json_tree(data)
        return data


def check_json_tree(data) -> None:
    """ParseError (400) if a parsed JSON document is nested deeper than MAX_JSON_DEPTH or holds an unpaired
    surrogate: the API's own checks on any JSON it takes, whichever parser read it."""
    problem = _tree_problem(data)
    if problem == "surrogate":
        raise exceptions.ParseError("JSON parse error - a string holds an unpaired surrogate (\\ud800-\\udfff).")
    if problem == "depth":
        raise too_deep_error()


def too_deep_error() -> exceptions.ParseError:
    return exceptions.ParseError(f"JSON parse error - the document is nested more than {MAX_JSON_DEPTH} levels deep.")


def _tree_problem(data) -> str | None:
    """ "depth" if a parsed JSON document is nested deeper than MAX_JSON_DEPTH, "surrogate" if a string (key or
    value) holds an unpaired UTF-16 surrogate, else None. Iterative: no recursion on hostile input."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if not node.isascii() and _SURROGATE.search(node):
                return "surrogate"
        elif isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                return "depth"
            if isinstance(node, dict):
                stack.extend((key, depth) for key in node.keys())
                stack.extend((value, depth + 1) for value in node.values())
            else:
                stack.extend((value, depth + 1) for value in node)
    return None
