"""Seeded generator of random VALID answer sets, drawn from the questionnaire itself.

Used by the differential test (engine vs oracle) and the benchmarks. Questions are visited in order, so a
question is answered only when its show_if allows it; some applicable questions are left unanswered or
answered `unknown` so that needs_information paths are exercised too.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from . import conditions as c
from .checks import ERROR, failing
from .model import Questionnaire
from .validation import EXCLUSIVE_OPTIONS

# Countries that exercise the host/origin sets (EU QD/TPD states, IE, DK, US) and the country profiles.
COUNTRY_POOL = ["RU", "BY", "UA", "ER", "SY", "TR", "US", "IR", "KR", "KP", "DE", "FR", "PL", "IE", "DK", "GB", "GE"]


def random_answers(questionnaire: Questionnaire, rng: random.Random, *, skip: float | None = None) -> dict[str, Any]:
    """One valid answer set. `skip` is the chance an applicable question is left unanswered."""
    if skip is None:
        skip = rng.choice([0.0, 0.05, 0.2, 0.5])
    answers: dict[str, Any] = {}
    statuses: dict[str, str] = {}  # computed as we go: show_if only looks back
    for question in questionnaire.questions:
        if question.show_if is not None:
            shown = c.evaluate(
                question.show_if,
                lambda leaf: c.question_leaf_value(leaf, statuses[leaf["q"]], answers.get(leaf["q"])),
                lambda leaf: c.FALSE,
            )
            if shown == c.FALSE:
                statuses[question.id] = c.NA
                continue
        if rng.random() >= skip:
            answers[question.id] = _random_value(question, rng)
        value = answers.get(question.id)
        statuses[question.id] = c.MISS if value is None or value == "unknown" else c.OK
    # Valid means no error-level contradiction either (e.g. a recruitment age above the age): leave the first
    # question the check names unanswered (an unknown show_if keeps any follow-up applicable).
    for check in failing(questionnaire.checks, answers, statuses, ERROR):
        answers.pop(check.questions[0], None)
        statuses[check.questions[0]] = c.MISS
    return answers


def _random_value(question, rng: random.Random) -> Any:
    kind = question.type
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "integer":
        return rng.choice([rng.randint(10, 19), rng.randint(14, 17), rng.randint(18, 70)])
    if kind == "country":
        return rng.choice(COUNTRY_POOL)
    if kind == "date":  # past dates (a past event's question refuses a future one); some approximate: YYYY-MM
        year, month, day = rng.randint(2014, 2025), rng.randint(1, 12), rng.randint(1, 28)
        return f"{year}-{month:02d}" if question.approximate and day <= 4 else f"{year}-{month:02d}-{day:02d}"
    if kind == "text":
        return rng.choice(["Buryat", "Crimean Tatar", "Kurdish", "Chechen"])
    ids = list(question.option_ids)
    if kind == "single_choice":
        return rng.choice(ids)
    # multi_choice: sometimes one exclusive option, otherwise 1-4 ordinary options
    exclusive = [i for i in ids if i in EXCLUSIVE_OPTIONS]
    ordinary = [i for i in ids if i not in EXCLUSIVE_OPTIONS]
    if exclusive and rng.random() < 0.15:
        return [rng.choice(exclusive)]
    chosen = rng.sample(ordinary, rng.randint(1, min(4, len(ordinary))))
    return [i for i in ids if i in chosen]


def answer_sets(questionnaire: Questionnaire, count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for _ in range(count):
        yield random_answers(questionnaire, rng)
