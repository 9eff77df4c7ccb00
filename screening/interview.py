"""The web interview's logic, free of HTTP: which questions a page shows, section statuses, and turning a
submitted form into typed answers with a specific error per field.

Modes: in claimant mode one question is asked per page and caseworker-only (COI) questions are left for the
caseworker; in caseworker mode a section's questions are asked on one page. A question is asked only when its
show_if is TRUE (or it has none): the interview does not ask a follow-up before its parent is answered, even
though the rules treat an UNKNOWN show_if as applicable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from rules import conditions as c
from rules.countries import COUNTRIES
from rules.model import Question, Questionnaire
from rules.validation import EXCLUSIVE_OPTIONS, INTEGER_MAX, INTEGER_MIN, TEXT_MAX_LENGTH

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
            parts = [data.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")]
            if not any(parts):
                continue
            try:
                day, month, year = (int(p) for p in parts)
                answers[name] = dt.date(year, month, day).isoformat()
            except ValueError:
                error = _("Enter a real date, for example 27 9 2022.")
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
        year, month, day = value.split("-")
        return {"day": str(int(day)), "month": str(int(month)), "year": year}
    if question.type == "boolean":
        return "" if value is None else ("true" if value else "false")
    if question.type == "multi_choice":
        return value or []
    return "" if value is None else str(value)
