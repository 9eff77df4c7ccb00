"""Confirm and complete a screening (GOV.UK "Now send your application"), and the caseworker's case notes.

Completing needs every required question answered; a later change to an answer reopens the screening as a
draft (services.screening_save_answers), both audited. Neither page exists in claimant mode: the middleware lets
a claimant reach the interview pages only.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import services

NOTES_MAX_CHARS = 20_000


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def complete(request, actor, screening):
    try:
        services.screening_complete(actor=actor, screening=screening, expected_version=_version(request))
    except services.VersionConflict:
        messages.error(request, _("The screening changed while you were reading it. Check the answers again."))
        return redirect("web:check", screening.id)
    except services.ScreeningInvalid as exc:
        if any(e.get("code") == services.UNCONFIRMED_WARNING for e in exc.errors):
            messages.error(
                request,
                _("Check the answers listed under “Answers to check”: confirm each one or change an answer first."),
            )
            return redirect(reverse("web:check", args=[screening.id]) + "#warnings")
        messages.error(request, _("Answer every required question before you complete the screening."))
        return redirect("web:check", screening.id)
    messages.success(request, _("Screening complete"))
    return redirect("results:result", screening.id)


def notes(request, actor, screening):
    text = request.POST.get("case_notes", "").replace("\r\n", "\n").replace("\x00", "")
    if len(text) > NOTES_MAX_CHARS:
        messages.error(
            request,
            _("Case notes can be at most %(limit)s characters: nothing was saved.") % {"limit": NOTES_MAX_CHARS},
        )
    else:
        services.screening_notes_save(actor=actor, screening=screening, notes=text)
        messages.success(request, _("Case notes saved"))
    return redirect(reverse("results:result", args=[screening.id]) + "#case-notes")
