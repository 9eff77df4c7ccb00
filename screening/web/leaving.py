"""Leaving a question page by the header or the language switcher without losing what was typed.

On a question page the header's links ("Refuge Screen", "Cases", "Sign out"), the language switcher and "Save
and return to the list of sections" are submit buttons of the page's own form (`form="answers-form"`, name
`leave`): the typed answers are saved exactly as Continue saves them, then the browser goes where it was asked.
No JavaScript is involved. When a typed answer cannot be read, or someone else changed the screening meanwhile,
the page comes back (errors or the conflict notice, with what was typed) and nothing is left behind.
"""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse

from .. import services
from . import claimant
from .languages import LANGUAGE_CODES

LEAVE_FIELD = "leave"
LANGUAGE_PREFIX = "language:"


def requested(request) -> bool:
    return bool(request.POST.get(LEAVE_FIELD))


def leave(request, actor, screening, here: str):
    """The response for a page saved by a `leave` button: where it asked to go. `here` is the page's own URL
    (a language switch stays on it). An unknown destination stays on the page."""
    target = request.POST.get(LEAVE_FIELD, "")
    if target == "cases":
        return HttpResponseRedirect(reverse("web:case-list"))
    if target == "tasks":
        return HttpResponseRedirect(reverse("web:tasks", args=[screening.id]))
    if target == "sign-out":
        logout(request)
        return HttpResponseRedirect(reverse("web:login"))
    response = HttpResponseRedirect(here)
    language = target.removeprefix(LANGUAGE_PREFIX) if target.startswith(LANGUAGE_PREFIX) else ""
    if language in LANGUAGE_CODES:
        if language != screening.language:
            services.screening_update(actor=actor, screening=screening, language=language)
        if claimant.locked_screening_id(request) == str(screening.id):
            claimant.set_language_cookie(response, language)
    return response
