"""Contradiction checks: cross-question constraints kept as data in questionnaire.yaml (`checks:`), each with an id,
a severity, the questions it names, a condition and a message (translated in translations/<lang>.yaml under
`checks: {id: {message}}`).

A check fires only when its answers *certainly* contradict each other: every question it tests is answered, and
every item of `when` holds. Items (all must hold):

- a question leaf of the condition grammar, e.g. `{q: has_served, eq: false}` (rules/README.md);
- `{compare: {left: <question>, op: lt|gt|eq|ne, right: <question>}}`: two answers of one type;
- `{compare: {left: <question>, op: lt|gt|eq|ne, value: <a valid answer>}}`: an answer and a constant.

Dates compare as intervals, so an approximate answer (YYYY-MM: a whole month) is never taken for more than it says:
`lt` holds only when the whole left interval is before the whole right one, `eq` only for two equal exact values.

An `error` check is a validation error (code `contradiction`, one per question named); a `warning` check lets the
answers be saved and must be confirmed (or fixed) by a caseworker before the screening is completed. Messages
never repeat an answer value.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import conditions as c

ERROR, WARNING = "error", "warning"
COMPARE_OPERATORS = ("lt", "gt", "eq", "ne")
COMPARABLE_TYPES = ("integer", "date", "country", "single_choice", "boolean")


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    questions: tuple[str, ...]
    when: tuple[dict, ...]  # items, all of which must hold (question leaves normalised)
    message: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def tested(self) -> list[str]:
        """The questions the check's items read, in item order (each must be answered for it to fire)."""
        out: list[str] = []
        for item in self.when:
            ids = [item["compare"]["left"], item["compare"].get("right")] if "compare" in item else [item["q"]]
            out += [q for q in ids if q and q not in out]
        return out


def _interval(value: Any) -> tuple[Any, Any]:
    """(lowest, highest) a stored answer can mean: a month YYYY-MM spans its days; anything else is itself."""
    if isinstance(value, str) and len(value) == 7 and value[4] == "-":
        year, month = int(value[:4]), int(value[5:7])
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, 1).isoformat(), dt.date(year, month, last).isoformat()
    return value, value


def compare(left: Any, op: str, right: Any) -> bool:
    """Whether `left op right` certainly holds (see the module docstring for approximate dates)."""
    (l_lo, l_hi), (r_lo, r_hi) = _interval(left), _interval(right)
    if op == "lt":
        return l_hi < r_lo
    if op == "gt":
        return l_lo > r_hi
    if op == "eq":
        return l_lo == l_hi == r_lo == r_hi
    if op == "ne":
        return l_hi < r_lo or l_lo > r_hi
    raise ValueError(f"unknown operator {op}")


def _holds(item: Mapping[str, Any], answers: Mapping[str, Any], statuses: Mapping[str, str]) -> bool:
    def answered(qid: str) -> bool:
        return statuses.get(qid) == c.OK and qid in answers

    if "compare" in item:
        spec = item["compare"]
        if not answered(spec["left"]):
            return False
        if "right" in spec:
            if not answered(spec["right"]):
                return False
            right = answers[spec["right"]]
        else:
            right = spec["value"]
        return compare(answers[spec["left"]], spec["op"], right)
    return answered(item["q"]) and c.test_answer(item, answers[item["q"]])


def failing(
    checks: tuple[Check, ...], answers: Mapping[str, Any], statuses: Mapping[str, str], severity: str | None = None
) -> list[Check]:
    """The checks (of one severity, or all) whose contradiction the answers show, in questionnaire order."""
    return [
        check
        for check in checks
        if (severity is None or check.severity == severity) and all(_holds(i, answers, statuses) for i in check.when)
    ]


def check_problems(raw_checks: list, questions: Mapping[str, Any], sets: Mapping[str, list]) -> list[str]:
    """Problems in the questionnaire's raw `checks` (the schema has checked their shape)."""
    from .loader import check_condition
    from .validation import _check_value

    problems: list[str] = []
    seen: set[str] = set()
    for raw in raw_checks:
        where = f"questionnaire: checks.{raw['id']}"
        if raw["id"] in seen:
            problems.append(f"{where}: duplicate check id")
        seen.add(raw["id"])
        named = set(raw["questions"])
        problems += [f"{where}: unknown question {qid!r}" for qid in raw["questions"] if qid not in questions]
        tested: set[str] = set()
        for number, item in enumerate(raw["when"]):
            at = f"{where}.when[{number}]"
            if "compare" not in item:
                problems += check_condition(
                    item, where=at, questions=questions, sets=sets, known_outcomes=None, earlier_outcomes=None
                )
                tested.add(item["q"])
                continue
            spec = item["compare"]
            left = questions.get(spec["left"])
            right = questions.get(spec["right"]) if "right" in spec else None
            if left is None or ("right" in spec and right is None):
                problems.append(f"{at}: unknown question in {spec!r}")
                continue
            tested.update(q for q in (spec["left"], spec.get("right")) if q)
            if left.type not in COMPARABLE_TYPES:
                problems.append(f"{at}: {left.id} ({left.type}) cannot be compared")
            elif right is not None and right.type != left.type:
                problems.append(f"{at}: {left.id} ({left.type}) and {right.id} ({right.type}) are not comparable")
            elif spec["op"] in ("lt", "gt") and left.type not in ("integer", "date"):
                problems.append(f"{at}: {spec['op']} applies to integers and dates only")
            elif "value" in spec and _check_value(left, spec["value"])[1]:
                problems.append(f"{at}: {spec['value']!r} is not a valid answer to {left.id}")
        if tested - named:
            problems.append(f"{where}: `questions` must name every question it tests ({sorted(tested - named)})")
    return problems


def build_checks(raw_checks: list, sets: Mapping[str, list]) -> tuple[Check, ...]:
    return tuple(
        Check(
            id=raw["id"],
            severity=raw["severity"],
            questions=tuple(raw["questions"]),
            when=tuple(item if "compare" in item else c.normalise(item, sets) for item in raw["when"]),
            message=" ".join(raw["message"].split()),
            raw=raw,
        )
        for raw in raw_checks
    )
