"""Validation and normalisation of an answer set, before anything is evaluated.

Every problem is reported at once, each with the question id, a machine code and a plain message. An invalid
answer set is never evaluated. Partial answer sets are valid: what is missing gives needs_information.
Error messages never repeat the answer value: answers can be special-category data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import conditions as c
from .checks import ERROR, failing
from .countries import COUNTRIES
from .model import Questionnaire

INTEGER_MIN, INTEGER_MAX = 0, 130
TEXT_MAX_LENGTH = 500
# A multi-choice answer cannot combine one of these with any other option ("None of these" and "Protests").
EXCLUSIVE_OPTIONS = frozenset({"none", "not_applicable", "prefer_not_to_say", "unknown"})


class ErrorCode(StrEnum):
    """Machine-readable error codes; API clients branch on them. Never rename one."""

    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_QUESTION = "unknown_question"
    INVALID_TYPE = "invalid_type"
    UNKNOWN_OPTION = "unknown_option"
    DUPLICATE_OPTION = "duplicate_option"
    EXCLUSIVE_OPTION = "exclusive_option"
    OUT_OF_RANGE = "out_of_range"
    TOO_LONG = "too_long"
    INVALID_DATE = "invalid_date"
    INVALID_COUNTRY = "invalid_country"
    NOT_APPLICABLE = "not_applicable"
    FUTURE_DATE = "future_date"
    CONTRADICTION = "contradiction"


@dataclass(frozen=True)
class AnswerError:
    question: str | None
    code: ErrorCode
    message: str
    check: str | None = None  # a contradiction: the id of the check (questionnaire.yaml `checks`)
    questions: tuple[str, ...] = ()  # a contradiction: every question the check names

    def as_dict(self) -> dict:
        out = {"question": self.question, "code": str(self.code), "message": self.message}
        if self.check is not None:
            out.update(check=self.check, questions=list(self.questions))
        return out


def contradiction_errors(questionnaire: Questionnaire, answers, statuses, tolerate=frozenset()) -> list[AnswerError]:
    """One `contradiction` error per question named by each error-level check the answers fail (less the check
    ids in `tolerate`: contradictions already stored, which a change elsewhere must not be refused for)."""
    errors = []
    for check in failing(questionnaire.checks, answers, statuses, ERROR):
        if check.id in tolerate:
            continue
        message = f"{check.message} (Check {check.id}: {', '.join(check.questions)}.)"
        errors += [
            AnswerError(qid, ErrorCode.CONTRADICTION, message, check=check.id, questions=check.questions)
            for qid in check.questions
        ]
    return errors


class InvalidAnswers(ValueError):
    """Raised by evaluate() for an invalid answer set; `errors` lists every problem."""

    def __init__(self, errors: list[AnswerError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.question}: {e.code}" for e in errors))


_TYPE_NAMES = {
    "boolean": "true or false",
    "integer": "a whole number",
    "country": "an ISO 3166-1 alpha-2 country code such as RU",
    "date": "a date written YYYY-MM-DD (or YYYY-MM where the question is approximate)",
    "text": "text",
    "single_choice": "one option id",
    "multi_choice": "a list of option ids",
}


_NO_PROBLEMS: tuple = ()


def _check_value(question, value: Any) -> tuple[Any, list[AnswerError]]:
    """Return the normalised value and the problems with it."""
    qtype = question.type
    # The common valid answers return at once (this runs for every answer of every screening and batch line);
    # whatever does not pass here takes the full checks below, which word the problem.
    kind = value.__class__
    if qtype == "single_choice":
        if kind is str and value in question.option_set:
            return value, _NO_PROBLEMS
    elif qtype == "boolean":
        if kind is bool:
            return value, _NO_PROBLEMS
    elif qtype == "integer":
        if kind is int and INTEGER_MIN <= value <= INTEGER_MAX:
            return value, _NO_PROBLEMS
    elif qtype == "country":
        if kind is str and value in COUNTRIES:
            return value, _NO_PROBLEMS
    elif qtype == "multi_choice" and kind is list:
        options = question.option_set
        if (
            all(v.__class__ is str and v in options for v in value)
            and len(set(value)) == len(value)
            and (len(value) == 1 or EXCLUSIVE_OPTIONS.isdisjoint(value))
        ):
            return sorted(value, key=question.option_order.__getitem__), _NO_PROBLEMS
    return _check_value_fully(question, value)


def _check_value_fully(question, value: Any) -> tuple[Any, list[AnswerError]]:
    """_check_value without its fast path (a test holds the two equal)."""
    qid, qtype = question.id, question.type

    def err(code, message):
        return value, [AnswerError(qid, code, message)]

    expected = f"must be {_TYPE_NAMES[qtype]}"
    if qtype == "boolean":
        if not isinstance(value, bool):
            return err(ErrorCode.INVALID_TYPE, f"The answer {expected}.")
    elif qtype == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return err(ErrorCode.INVALID_TYPE, f"The answer {expected}.")
        if not INTEGER_MIN <= value <= INTEGER_MAX:
            return err(ErrorCode.OUT_OF_RANGE, f"The answer must be between {INTEGER_MIN} and {INTEGER_MAX}.")
    elif qtype == "country":
        if not isinstance(value, str):
            return err(ErrorCode.INVALID_TYPE, f"The answer {expected}.")
        if value not in COUNTRIES:
            hint = " Use upper case." if value.upper() in COUNTRIES else ""
            return err(ErrorCode.INVALID_COUNTRY, f"The answer {expected}.{hint}")
    elif qtype == "date":
        if not isinstance(value, str):
            return err(ErrorCode.INVALID_TYPE, f"The answer {expected}.")
        if is_year_month(value) and not question.approximate:
            return err(
                ErrorCode.INVALID_DATE,
                "This question needs a full date written YYYY-MM-DD: month and year alone (YYYY-MM) are accepted "
                "only where the question is approximate.",
            )
        if not is_iso_date(value) and not is_year_month(value):
            shape = "YYYY-MM-DD or YYYY-MM" if question.approximate else "YYYY-MM-DD"
            return err(ErrorCode.INVALID_DATE, f"The answer must be a real date written {shape}.")
        if int(value[:4]) < DATE_MIN_YEAR:
            return err(ErrorCode.OUT_OF_RANGE, f"The year must be {DATE_MIN_YEAR} or later.")
        if question.past and is_future(value):
            return err(
                ErrorCode.FUTURE_DATE, "The date must be today or in the past: this question asks about a past event."
            )
    elif qtype == "text":
        if not isinstance(value, str):
            return err(ErrorCode.INVALID_TYPE, f"The answer {expected}.")
        if "\x00" in value:  # not storable (PostgreSQL refuses NUL in text and JSON)
            return err(ErrorCode.INVALID_TYPE, "The answer must be text without NUL characters.")
        value = value.strip()
        if len(value) > TEXT_MAX_LENGTH:
            return err(ErrorCode.TOO_LONG, f"The answer must be {TEXT_MAX_LENGTH} characters or fewer.")
    elif qtype == "single_choice":
        if not isinstance(value, str):
            return err(ErrorCode.INVALID_TYPE, f"The answer {expected}.")
        if value not in question.option_ids:
            return err(ErrorCode.UNKNOWN_OPTION, f"The answer must be one of: {', '.join(question.option_ids)}.")
    elif qtype == "multi_choice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return err(ErrorCode.INVALID_TYPE, f"The answer {expected}.")
        unknown = [v for v in value if v not in question.option_ids]
        if unknown:
            return err(ErrorCode.UNKNOWN_OPTION, f"Each option must be one of: {', '.join(question.option_ids)}.")
        if len(set(value)) != len(value):
            return err(ErrorCode.DUPLICATE_OPTION, "Each option can be chosen only once.")
        exclusive = sorted(EXCLUSIVE_OPTIONS.intersection(value))
        if exclusive and len(value) > 1:
            message = f"The option {exclusive[0]!r} cannot be combined with other options."
            return err(ErrorCode.EXCLUSIVE_OPTION, message)
        value = sorted(value, key=question.option_ids.index)
    return value, []


DATE_MIN_YEAR = 1900  # "0022" is a two-digit year gone wrong (review D2), not a date anyone left a country
_YEAR_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def is_year_month(text: str) -> bool:
    """A month and year written YYYY-MM: an approximate date's stored form (its precision is the month)."""
    return bool(_YEAR_MONTH.match(text))


def latest_today() -> dt.date:
    """Today's date somewhere on Earth (UTC+14): a date entered "today" in any time zone is never in the future."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


def is_future(value: str, today: dt.date | None = None) -> bool:
    """Whether a stored date (YYYY-MM-DD, or YYYY-MM: the month) is after today (latest_today by default)."""
    today = today or latest_today()
    if is_year_month(value):
        return (int(value[:4]), int(value[5:7])) > (today.year, today.month)
    return dt.date.fromisoformat(value) > today


def date_key(value: str) -> tuple[int, int, int]:
    """A stored date as (year, month, day) for comparison; a YYYY-MM date has day 0 (before the month's days)."""
    return int(value[:4]), int(value[5:7]), int(value[8:10]) if len(value) == 10 else 0


def is_iso_date(text: str) -> bool:
    """A real calendar date written YYYY-MM-DD (fromisoformat alone also takes 20220927)."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def validate_answers(questionnaire: Questionnaire, answers: Any) -> tuple[dict[str, Any], list[AnswerError]]:
    """Check an answer set. Returns (normalised answers, errors); the answers are usable only without errors.

    Normalisation: null, "" and [] mean "not answered" and are dropped; text is stripped; multi-choice
    options are put in questionnaire order.
    """
    normalised, errors, _ = check_answers(questionnaire, answers)
    return normalised, errors


def check_answers(
    questionnaire: Questionnaire, answers: Any, *, tolerate_checks: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[AnswerError], dict[str, str]]:
    """validate_answers, plus the question statuses it computed (empty when a value is invalid). Error-level
    contradiction checks run once every answer is valid on its own; `tolerate_checks`: see contradiction_errors."""
    statuses: dict[str, str] = {}
    if not isinstance(answers, Mapping):
        error = AnswerError(None, ErrorCode.NOT_AN_OBJECT, "Answers must be an object of question id: answer.")
        return {}, [error], statuses
    errors: list[AnswerError] = []
    normalised: dict[str, Any] = {}
    for qid, value in answers.items():
        question = questionnaire.by_id.get(qid) if isinstance(qid, str) else None
        if question is None:
            errors.append(AnswerError(str(qid), ErrorCode.UNKNOWN_QUESTION, "There is no question with this id."))
            continue
        if _is_empty(value):
            continue
        value, problems = _check_value(question, value)
        errors.extend(problems)
        if not problems:
            normalised[qid] = value
    if not errors:
        statuses = questionnaire.statuses(normalised)
        for qid in normalised:
            if statuses[qid] == c.NA:
                errors.append(
                    AnswerError(
                        qid,
                        ErrorCode.NOT_APPLICABLE,
                        "This question does not apply given the other answers (its show_if condition is false); "
                        "remove the answer.",
                    )
                )
        if not errors:
            errors += contradiction_errors(questionnaire, normalised, statuses, tolerate_checks)
    if errors:
        order = {q.id: i for i, q in enumerate(questionnaire.questions)}
        errors.sort(key=lambda e: (order.get(e.question, len(order)), e.question or "", e.code))
    return normalised, errors, statuses
