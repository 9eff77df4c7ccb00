"""A limit on failed partner-token attempts per client address (review D12: 3,936 invalid tokens in 10 s, no 429).

Every request whose `Authorization: Token ...` is unknown, revoked or malformed counts against its address, in
fixed windows of the rate's period (settings.SCREENING["FAILED_TOKEN_RATE"], env SCREENING_FAILED_TOKEN_RATE,
default 20/min). Over the limit, every token request from that address, a valid one included, gets 429 `throttled`
with Retry-After (the seconds left in the window) until the window ends: someone guessing tokens learns nothing
more, and a partner sharing the address with them waits at most one window. Crossing the limit is logged once per
window as one warning line with the address, never the token.

Counts live in Django's cache: Redis when REDIS_URL is set, so the limit holds across server processes.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework import exceptions

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "sec": 1, "min": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/min" -> (20, 60)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def _cache():
    return caches["default"]


def _window(period: int) -> tuple[int, int]:
    """The current window's number and the seconds left in it."""
    now = time.time()
    return int(now // period), max(1, int(period - now % period + 0.999))


def _key(address: str, window: int) -> str:
    return f"token_failures:{address}:{window}"


def check(address: str | None) -> None:
    """Raise Throttled (429) when this address is over its failed-token limit in the current window."""
    limit, period = parse_rate(settings.SCREENING["FAILED_TOKEN_RATE"])
    window, left = _window(period)
    if (_cache().get(_key(address or "unknown", window)) or 0) >= limit:
        raise exceptions.Throttled(wait=left, detail="Too many failed token attempts from this address.")


def record(address: str | None) -> None:
    """Count one failed attempt; log the crossing of the limit once per window."""
    limit, period = parse_rate(settings.SCREENING["FAILED_TOKEN_RATE"])
    window, _left = _window(period)
    key = _key(address or "unknown", window)
    cache = _cache()
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr(): the window has just ended
        cache.add(key, 1, timeout=period + 1)
        count = 1
    if count == limit:
        logger.warning(
            "Failed partner-token attempts from %s reached the limit (%s): 429 for the rest of the window",
            address or "an unknown address",
            settings.SCREENING["FAILED_TOKEN_RATE"],
        )
