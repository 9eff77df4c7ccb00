"""The language of a screening's interview pages.

The interview pages of a screening (start, task list, questions, Check your answers, claimant mode's pages)
are shown in the screening's interview language (`Screening.language`), whatever the browser's cookie says; the
caseworker's own pages (case list, result, memo) follow the cookie. The language switcher on an interview page
changes the screening's language (screening_language_set), so reopening it later shows the new one.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from .. import services
from . import claimant

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
ATTRIBUTE = "interview_screening"  # set on the request by views.screening_page


def interview_language_activate(request, screening) -> None:
    """Show this request's pages in the screening's interview language."""
    setattr(request, ATTRIBUTE, screening)
    if screening.language in LANGUAGE_CODES:
        translation.activate(screening.language)
        request.LANGUAGE_CODE = screening.language


def interview_language(request) -> dict:
    """Template context: where the language switcher posts (the screening's own switch on interview pages)."""
    screening = getattr(request, ATTRIBUTE, None)
    if screening is None:
        return {}
    return {"language_switch_url": reverse("web:interview-language", args=[screening.id])}


def _next_url(request, screening) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:tasks", args=[screening.id])


def screening_language_set(request, actor, screening):
    """The language switcher on an interview page: the screening's language changes (an unknown code changes
    nothing). In claimant mode the session's cookie follows, so the claimant's other pages match."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_next_url(request, screening))
    if language not in LANGUAGE_CODES:
        return response
    if language != screening.language:
        services.screening_update(actor=actor, screening=screening, language=language)
    if claimant.locked_screening_id(request) == str(screening.id):
        claimant.set_language_cookie(response, language)
    return response
