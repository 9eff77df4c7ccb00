"""Request limits of the partner API: the rate per client, and the size of a request body.

Rate: per partner client (or signed-in user; per IP address for anonymous catalogue reads).

The rate is settings.SCREENING["API_RATE"] (env SCREENING_API_RATE, default "1200/min"), read on every request
so tests can override it. Counts live in Django's cache (per process with the default local-memory cache: with
several server processes, configure a shared cache such as Redis or Memcached for an exact limit).
A throttled request gets 429, a Retry-After header (seconds) and the error body with code `throttled`.

Size: a JSON body larger than settings.SCREENING["API_MAX_BODY_BYTES"] (default 10 MB: a full bulk request of
1,000 screenings is about 3 MB) is refused with 413 `request_too_large` before it is read.

Content: JSON whose strings hold an unpaired surrogate escape (`"\\ud800"`) is refused with 400 `parse_error`: such a
string is not Unicode text, so it could be neither stored nor sent back (it used to give a 500).
"""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.throttling import SimpleRateThrottle

from .auth import PartnerPrincipal
from .errors import ApiError, ApiErrorCode

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
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


class SizeLimitedJSONParser(JSONParser):
    """JSONParser that refuses a body over the size limit (by its Content-Length) without reading it."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.SCREENING.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            length = 0
        if limit and length > limit:
            raise ApiError(
                code=ApiErrorCode.REQUEST_TOO_LARGE,
                status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                message=f"The request body is larger than {limit} bytes; send fewer items per request.",
            )
        data = super().parse(stream, media_type, parser_context)
        if _has_lone_surrogate(data):
            raise exceptions.ParseError("JSON parse error - a string holds an unpaired surrogate (\\ud800-\\udfff).")
        return data


def _has_lone_surrogate(data) -> bool:
    """Whether a parsed JSON document has a string (key or value) with an unpaired UTF-16 surrogate."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if not node.isascii() and _SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False
