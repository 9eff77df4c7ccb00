"""Contradiction checks in the web interview (rules/checks.py; issue 11 item 5).

An error-level check refuses the answers like any invalid answer: the page comes back with the check's message at
each of its questions on the page, and what was typed. A warning-level check lets the page be saved; in caseworker
mode the page comes back once, with the warning, when a save raises a new one, and the section pages of its
questions and Check your answers show it until it is confirmed ("I have checked this") or an answer changes.
Confirm and complete refuses while one is unconfirmed. A claimant never sees warnings: the caseworker confirms.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import interview as iv
from .. import services
from ..selectors import screening_ruleset


def error_message(ruleset, translation_, problem: dict) -> str | None:
    """The translated message of a `contradiction` problem (ScreeningInvalid.errors item), else None."""
    check_id = problem.get("check")
    if problem.get("code") != "contradiction" or not check_id:
        return None
    check = next((c for c in ruleset.questionnaire.checks if c.id == check_id), None)
    return translation_.check_message(check) if check is not None else None


def warnings_for(screening, translation_, *, questions=None, ruleset=None) -> list[dict]:
    """The screening's warnings (all, or those naming one of `questions`), for a template: id, message in the
    page's language, confirmed, and each question named with its prompt and a link to change it."""
    ruleset = ruleset or screening_ruleset(screening)
    questionnaire = ruleset.questionnaire
    out = []
    for warning in services.screening_warnings(screening, ruleset):
        if questions is not None and not set(questions).intersection(warning["questions"]):
            continue
        named = []
        for qid in warning["questions"]:
            question = questionnaire.by_id[qid]
            url = reverse("web:section", args=[screening.id, question.section]) + f"?return=check#question-{qid}"
            named.append({"id": qid, "prompt": translation_.question(question)["caseworker_prompt"], "url": url})
        out.append(
            {
                "id": warning["id"],
                "message": translation_.check_message(warning["check"]),
                "confirmed": warning["confirmed"],
                "questions": named,
                "confirm_url": reverse("web:warning-confirm", args=[screening.id, warning["id"]]),
            }
        )
    return out


def unconfirmed_ids(screening, ruleset=None) -> set[str]:
    return {w["id"] for w in services.screening_warnings(screening, ruleset) if not w["confirmed"]}


def confirm(request, actor, screening, check_id: str):
    """POST "I have checked this" on Check your answers: the warning is confirmed for the answers it names now."""
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.screening_warning_confirm(
            actor=actor, screening=screening, check_id=check_id, expected_version=version
        )
    except services.VersionConflict:
        messages.error(request, _("The screening changed while you were reading it. Check the answers again."))
    except services.ScreeningInvalid:
        messages.error(request, _("These answers no longer raise this warning."))
    return redirect(reverse("web:check", args=[screening.id]) + "#warnings")


def mode_shows_warnings(screening) -> bool:
    return iv.mode_for(screening.respondent) == iv.CASEWORKER
