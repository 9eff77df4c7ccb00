"""Signed-in sessions end after SESSION_IDLE_SECONDS without a request and SESSION_ABSOLUTE_SECONDS after
sign-in, whichever comes first (review D9, ASVS V3.3.2).

The sign-in time and the last request's time are kept in the session. An expired session is signed out (the
session is flushed) and a page request goes to the sign-in page, which says why and returns to the same page
afterwards; an API request with the session continues as anonymous (DRF answers 401/403). Answers saved with
Continue are in the database and stay; only what was typed on a page and not yet sent can be lost.

So that this does not happen to someone still at work (WCAG 2.2.1 Timing adjustable), refuge.js calls `keepalive`
while the user types or clicks on a page without sending it, and shows a "Stay signed in" warning shortly before
the idle limit when nothing at all has happened. The absolute limit is never extended.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
SEEN_RESOLUTION = 60  # seconds: the last-seen time is written at most this often (one session write a minute)
IDLE, ABSOLUTE = "idle", "absolute"  # why a session ended: the sign-in page's ?expired=


def idle_seconds() -> int:
    return int(settings.SCREENING.get("SESSION_IDLE_SECONDS", 1800))


def absolute_seconds() -> int:
    return int(settings.SCREENING.get("SESSION_ABSOLUTE_SECONDS", 43200))


@receiver(user_logged_in, dispatch_uid="screening.sessions.signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


def expiry_reason(session, now: float) -> str | None:
    """IDLE or ABSOLUTE if this signed-in session has ended, else None. A session from before these limits
    existed (no timestamps) starts counting now."""
    signed_in = session.get(SIGNED_IN_AT)
    seen = session.get(SEEN_AT)
    if signed_in is None or seen is None:
        return None
    if now - signed_in > absolute_seconds():
        return ABSOLUTE
    if now - seen > idle_seconds():
        return IDLE
    return None


def sign_in_url(next_path: str, reason: str) -> str:
    return reverse("web:login") + "?" + urlencode({"next": next_path, "expired": reason})


def session_limits(request) -> dict:
    """Template context: the idle limit, for refuge.js's warning (signed-in pages only)."""
    return {"session_idle_seconds": idle_seconds()}


@never_cache
@require_safe
def keepalive(request):
    """204 for a live signed-in session: the middleware has counted this request as activity. A signed-out or
    expired session gets the sign-in redirect like any page (refuge.js then leaves the page as it is)."""
    if not request.user.is_authenticated:
        return redirect(reverse("web:login"))
    return HttpResponse(status=204)


class SessionTimeoutMiddleware:
    """Signs out a session past its idle or absolute limit. After the authentication middleware, before
    anything that acts on the signed-in user (two-factor, claimant mode)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = time.time()
            reason = expiry_reason(session, now)
            if reason is not None:
                logout(request)
                if not request.path.startswith("/api/"):
                    # a POST's page is reopened after sign-in (GET): what Continue saved is there
                    return redirect(sign_in_url(request.get_full_path(), reason))
            else:
                session.setdefault(SIGNED_IN_AT, now)
                if now - session.get(SEEN_AT, 0) >= min(SEEN_RESOLUTION, idle_seconds() / 10):
                    session[SEEN_AT] = now
        return self.get_response(request)
