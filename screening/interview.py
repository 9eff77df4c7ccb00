"""The web interview's logic, free of HTTP: which questions a page shows, section statuses, and turning a
submitted form into typed answers with a specific error per field.

Modes: in claimant mode one question is asked per page and caseworker-only (COI) questions are left for the
caseworker; in caseworker mode a section's questions are asked on one page. A question is asked only when its
show_if is TRUE (or it has none): the interview does not ask a follow-up before its parent is answered, even
though the rules treat an UNKNOWN show_if as applicable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from rules import conditions as c
from rules.countries import COUNTRIES
from rules.model import Question, Questionnaire
from rules.validation import DATE_MIN_YEAR, EXCLUSIVE_OPTIONS, INTEGER_MAX, INTEGER_MIN, TEXT_MAX_LENGTH, is_future

CLAIMANT, CASEWORKER = "claimant", "caseworker"

NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"
CANNOT_START_YET, NOT_NEEDED = "cannot_start_yet", "not_needed"


def shown(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, str]:
    """{question id: "yes" | "no" | "later"}: asked now, not applicable, or waiting for earlier answers."""
    statuses = questionnaire.statuses(answers)
    result: dict[str, str] = {}
    for question in questionnaire.questions:
        if question.show_if is None:
            result[question.id] = "yes"
            continue
        value = c.evaluate(
            question.show_if,
            lambda leaf: c.question_leaf_value(leaf, statuses[leaf["q"]], answers.get(leaf["q"])),
            lambda leaf: c.FALSE,
        )
        result[question.id] = {c.TRUE: "yes", c.FALSE: "no", c.UNKNOWN: "later"}[value]
    return result


def for_mode(question: Question, mode: str) -> bool:
    return mode == CASEWORKER or question.audience != "caseworker"


def section_questions(questionnaire: Questionnaire, answers: dict, section_id: str, mode: str) -> list[Question]:
    """The questions of a section asked now, in order."""
    visible = shown(questionnaire, answers)
    return [
        q for q in questionnaire.questions if q.section == section_id and visible[q.id] == "yes" and for_mode(q, mode)
    ]


def section_status(questionnaire: Questionnaire, answers: dict, section_id: str, mode: str) -> str:
    visible = shown(questionnaire, answers)
    questions = [q for q in questionnaire.questions if q.section == section_id and for_mode(q, mode)]
    asked = [q for q in questions if visible[q.id] == "yes"]
    if not asked:
        return CANNOT_START_YET if any(visible[q.id] == "later" for q in questions) else NOT_NEEDED
    answered = [q for q in asked if q.id in answers]
    if not answered:
        return NOT_STARTED
    return COMPLETED if len(answered) == len(asked) else IN_PROGRESS


def section_statuses(questionnaire: Questionnaire, answers: dict, mode: str) -> list[tuple[dict, str]]:
    return [
        (section, section_status(questionnaire, answers, section["id"], mode)) for section in questionnaire.sections
    ]


def all_questions_in_order(questionnaire: Questionnaire, answers: dict, mode: str) -> list[Question]:
    """Every question asked now, in questionnaire order (claimant mode walks these one per page)."""
    visible = shown(questionnaire, answers)
    return [q for q in questionnaire.questions if visible[q.id] == "yes" and for_mode(q, mode)]


def next_unanswered(
    questionnaire: Questionnaire, answers: dict, mode: str, after: str | None = None
) -> Question | None:
    """The next question asked now and not yet answered, after `after` (claimant mode)."""
    questions = all_questions_in_order(questionnaire, answers, mode)
    order = {q.id: i for i, q in enumerate(questionnaire.questions)}
    start = order[after] if after else -1
    for question in questions:
        if order[question.id] > start and question.id not in answers:
            return question
    return None


# ---- form parsing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    question: str
    field: str  # the HTML id the error summary links to
    message: str
    parts: tuple[str, ...] = ()  # a date's boxes with the problem ("day", "month", "year"): only those are red


DATE_PARTS = ("day", "month", "year")


def parse_date(question: Question, raw: dict[str, str]) -> tuple[str | None, str, tuple[str, ...]]:
    """(stored value, error, boxes in error) of a date typed as day, month and year boxes, the GOV.UK way.

    The error names what is missing ("Date must include a month") and only the boxes at fault are highlighted.
    An approximate question accepts month and year alone, stored YYYY-MM; a year needs 4 numbers (review D2:
    "22" was saved as 0022); a past event cannot be after today (review D1)."""
    missing = tuple(p for p in DATE_PARTS if not raw[p])  # all three empty never gets here: no answer
    if question.approximate and "day" in missing:
        missing = tuple(p for p in missing if p != "day") if len(missing) < 3 else missing
    if missing:
        names = {"day": _("a day"), "month": _("a month"), "year": _("a year")}
        if len(missing) == 1:
            message = _("Date must include %(part)s") % {"part": names[missing[0]]}
        else:
            message = _("Date must include %(first)s and %(second)s") % {
                "first": names[missing[0]],
                "second": names[missing[1]],
            }
        return None, message, missing
    wrong = tuple(p for p in DATE_PARTS if raw[p] and not raw[p].isdigit())
    if wrong:
        return None, _("Date must be a real date"), wrong
    if len(raw["year"]) != 4:
        return None, _("Year must include 4 numbers"), ("year",)
    year, month = int(raw["year"]), int(raw["month"])
    if year < DATE_MIN_YEAR:
        return None, _("Year must be %(year)s or later") % {"year": DATE_MIN_YEAR}, ("year",)
    if not 1 <= month <= 12:
        return None, _("Date must be a real date"), ("month",)
    if raw["day"]:
        try:
            value = dt.date(year, month, int(raw["day"])).isoformat()
        except ValueError:
            return None, _("Date must be a real date"), ("day",)
    else:
        value = f"{year:04d}-{month:02d}"
    if question.past and is_future(value):
        return None, _("Date must be today or in the past"), DATE_PARTS if raw["day"] else ("month", "year")
    return value, "", ()


def field_id(question: Question, part: str = "") -> str:
    base = f"q-{question.id}"
    if question.type in ("single_choice", "multi_choice", "boolean") and not part:
        return f"{base}-0"  # the first radio or checkbox
    if question.type == "date" and not part:
        return f"{base}-day"
    return f"{base}-{part}" if part else base


def parse_form(questions: list[Question], data) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed answers from a submitted page and an error for each field that could not be read.

    A field left empty means "not answered" (None in the patch removes nothing: it is simply skipped), so a
    page can be continued without answering; the task list shows what remains.
    """
    answers: dict[str, Any] = {}
    errors: list[FieldError] = []
    for question in questions:
        name = question.id
        kind = question.type
        error = None
        if kind == "multi_choice":
            values = [v for v in data.getlist(name) if v]
            if not values:
                continue
            if any(v not in question.option_ids for v in values):
                error = _("Select the options from the list.")
            elif len(values) > 1 and EXCLUSIVE_OPTIONS.intersection(values):
                error = _("Select either the last option or the other options, not both.")
            else:
                answers[name] = [o for o in question.option_ids if o in values]
        elif kind == "date":
            typed = {p: data.get(f"{name}-{p}", "").strip() for p in DATE_PARTS}
            if not any(typed.values()):
                continue
            value, message, parts = parse_date(question, typed)
            if message:
                errors.append(FieldError(question.id, field_id(question, parts[0]), message, parts))
                continue
            answers[name] = value
        else:
            raw = data.get(name, "")
            raw = raw.strip() if isinstance(raw, str) else raw
            if raw in ("", None):
                continue
            if kind == "boolean":
                if raw not in ("true", "false"):
                    error = _("Select yes or no.")
                else:
                    answers[name] = raw == "true"
            elif kind == "single_choice":
                if raw not in question.option_ids:
                    error = _("Select an option from the list.")
                else:
                    answers[name] = raw
            elif kind == "integer":
                try:
                    number = int(raw)
                except ValueError:
                    error = _("Enter a whole number, like 19.")
                else:
                    if not INTEGER_MIN <= number <= INTEGER_MAX:
                        error = _("Enter a number between %(low)s and %(high)s.") % {
                            "low": INTEGER_MIN,
                            "high": INTEGER_MAX,
                        }
                    else:
                        answers[name] = number
            elif kind == "country":
                code = raw.upper()
                if code not in COUNTRIES:
                    error = _("Select a country from the list.")
                else:
                    answers[name] = code
            elif kind == "text":
                if len(raw) > TEXT_MAX_LENGTH:
                    error = _("Enter %(max)s characters or fewer.") % {"max": TEXT_MAX_LENGTH}
                else:
                    answers[name] = raw
        if error:
            errors.append(FieldError(question.id, field_id(question), error))
    return answers, errors


def form_value(question: Question, answers: dict, data=None) -> Any:
    """What a field shows: the submitted value after an error, else the saved answer."""
    if data is not None:
        if question.type == "multi_choice":
            return data.getlist(question.id)
        if question.type == "date":
            return {p: data.get(f"{question.id}-{p}", "") for p in ("day", "month", "year")}
        return data.get(question.id, "")
    value = answers.get(question.id)
    if question.type == "date":
        if not value:
            return {"day": "", "month": "", "year": ""}
        year, month, *day = value.split("-")  # YYYY-MM (approximate): no day
        return {"day": str(int(day[0])) if day else "", "month": str(int(month)), "year": year}
    if question.type == "boolean":
        return "" if value is None else ("true" if value else "false")
    if question.type == "multi_choice":
        return value or []
    return "" if value is None else str(value)


# ---- navigation and saving (the web pages' decisions, kept out of the views) -------------------------------

PROTECTION_CATEGORIES = ("persecution_act", "convention_ground", "subsidiary_protection")
STRENGTH_ORDER = {"strong": 0, "arguable": 1, "needs_information": 2}
STARTABLE = (NOT_STARTED, IN_PROGRESS, COMPLETED)


def mode_for(respondent: str) -> str:
    """The interview mode of a screening: the claimant answers one question per page, a caseworker a section."""
    return CLAIMANT if respondent == CLAIMANT else CASEWORKER


def asked_now(questionnaire: Questionnaire, answers: dict, question_id: str, mode: str) -> bool:
    """Whether a question is asked now in this mode (shown, and for this audience)."""
    question = questionnaire.by_id.get(question_id)
    return question is not None and for_mode(question, mode) and shown(questionnaire, answers)[question_id] == "yes"


def previous_question(questionnaire: Questionnaire, answers: dict, mode: str, before: str) -> Question | None:
    """The question asked before `before` in questionnaire order (claimant mode's Back link); None for the first."""
    order = {q.id: i for i, q in enumerate(questionnaire.questions)}
    earlier = [q for q in all_questions_in_order(questionnaire, answers, mode) if order[q.id] < order[before]]
    return earlier[-1] if earlier else None


def section_entry(questionnaire: Questionnaire, answers: dict, section_id: str, mode: str) -> Question | None:
    """Where a section starts in claimant mode: its first unanswered question, else its first question."""
    questions = section_questions(questionnaire, answers, section_id, mode)
    return next((q for q in questions if q.id not in answers), questions[0] if questions else None)


def next_section(questionnaire: Questionnaire, answers: dict, mode: str, after: str) -> str | None:
    """The id of the next section after `after` that asks questions now (caseworker mode's Continue)."""
    ids = [s["id"] for s in questionnaire.sections]
    for section_id in ids[ids.index(after) + 1 :]:
        if section_questions(questionnaire, answers, section_id, mode):
            return section_id
    return None


def new_follow_ups(
    questionnaire: Questionnaire, answers: dict, section_id: str, mode: str, asked_before: list[str]
) -> list[Question]:
    """Unanswered questions of a section that saving a page made appear (e.g. "Which other country?")."""
    return [
        q
        for q in section_questions(questionnaire, answers, section_id, mode)
        if q.id not in asked_before and q.id not in answers
    ]


def new_questions(questionnaire: Questionnaire, answers: dict, mode: str, asked_before: list[str]) -> list[Question]:
    """Unanswered questions asked now that were not asked before a change (claimant mode, in order)."""
    before = set(asked_before)
    return [
        q for q in all_questions_in_order(questionnaire, answers, mode) if q.id not in before and q.id not in answers
    ]


def answers_patch(
    questions: list[Question],
    answers: dict,
    parsed: dict[str, Any],
    errors: list[FieldError],
    shown: Iterable[str] = (),
) -> dict[str, Any]:
    """What a submitted page changes: new or changed answers, and None for an answered question whose field the
    page showed (`shown`: the form says which) and that came back empty, so "Change" can also take an answer
    back. Unchanged answers and fields with an error are left out: a field with an error keeps its answer."""
    failed = {e.question for e in errors}
    shown = set(shown)
    patch: dict[str, Any] = {}
    for question in questions:
        qid = question.id
        if qid in failed:
            continue
        if qid in parsed:
            if answers.get(qid) != parsed[qid]:
                patch[qid] = parsed[qid]
        elif qid in answers and qid in shown:
            patch[qid] = None
    return patch


def completed_count(statuses: list[tuple[dict, str]]) -> tuple[int, int]:
    """(completed sections, sections needed): "You have completed N of M sections"."""
    needed = [status for _, status in statuses if status != NOT_NEEDED]
    return sum(1 for status in needed if status == COMPLETED), len(needed)


def strongest_outcome(assessment: dict | None, categories: tuple[str, ...] = PROTECTION_CATEGORIES) -> dict | None:
    """The protection outcome with the strongest strength (ties: by id), or None."""
    outcomes = [o for o in (assessment or {}).get("outcomes", []) if o.get("category") in categories]
    if not outcomes:
        return None
    return min(outcomes, key=lambda o: (STRENGTH_ORDER.get(o.get("strength"), len(STRENGTH_ORDER)), o["id"]))
