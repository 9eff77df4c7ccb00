"""The page a locked-out sign-in gets (django-axes calls locked_out_page through AXES_LOCKOUT_CALLABLE).

Axes refuses a sign-in, right password or not, once the username or the client address has AXES_FAILURE_LIMIT
failures within AXES_COOLOFF_TIME. The page says so in the page's language, with status 429; it never says
whether the username exists.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.shortcuts import render


def cool_off_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def locked_out_page(request, original_response=None, credentials=None):
    return render(
        request, "account/locked_out.html", {"minutes": cool_off_minutes()}, status=settings.AXES_HTTP_RESPONSE_CODE
    )
