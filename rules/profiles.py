"""Country profiles: default answers to the caseworker's COI questions, each with its source and date.

Defaults are applied only when asked (apply_country_profile), only to questions without an explicit answer
(an explicit answer, `unknown` included, always wins), and only where the question applies given the answers
so far. So one answer set always means the same thing, and the assessment records which defaults it used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import conditions as c
from .model import Questionnaire


def apply_country_profile(
    questionnaire: Questionnaire, answers: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], dict[str, dict]]:
    """Return (answers with defaults filled in, {question: {value, source, date}} of the defaults used)."""
    filled = dict(answers)
    used: dict[str, dict] = {}
    for question in questionnaire.questions:  # in order: a default can make a later question applicable
        default = values.get(question.id)
        if default is None or question.id in filled:
            continue
        if questionnaire.statuses(filled)[question.id] == c.NA:
            continue
        candidate = {**filled, question.id: default["value"]}
        statuses = questionnaire.statuses(candidate)
        if any(statuses[qid] == c.NA for qid in answers):
            continue  # the default would hide an explicit answer: the explicit answer wins
        filled = candidate
        used[question.id] = {k: default[k] for k in ("value", "source", "date") if k in default}
    return filled, used


def check_profiles(questionnaire: Questionnaire, document: Any) -> list[str]:
    """Problems in a country-profiles document (schema, question ids, option values)."""
    from .loader import schema_problems
    from .schema import COUNTRY_PROFILES
    from .validation import _check_value, is_iso_date

    problems = schema_problems(document, COUNTRY_PROFILES, "country_profiles.yaml")
    if problems:
        return problems
    seen: set[str] = set()
    for profile in document["profiles"]:
        code = profile["code"]
        if code in seen:
            problems.append(f"{code}: duplicate profile")
        seen.add(code)
        for qid, entry in profile["values"].items():
            question = questionnaire.by_id.get(qid)
            if question is None:
                problems.append(f"{code}: unknown question {qid!r}")
                continue
            if question.audience == "claimant":
                problems.append(f"{code}: {qid} is answered by the claimant, not from country information")
            if _check_value(question, entry["value"])[1]:
                problems.append(f"{code}: {qid}: {entry['value']!r} is not a valid answer")
            if not is_iso_date(entry["date"]):
                problems.append(f"{code}: {qid}: date {entry['date']!r} is not a real date (YYYY-MM-DD)")
        if not is_iso_date(str(profile["reviewed"])):
            problems.append(f"{code}: reviewed {profile['reviewed']!r} is not a real date (YYYY-MM-DD)")
    return problems
