"""Country profiles: default answers to the caseworker's COI questions, each with its source and date.

Defaults are applied only when asked (apply_country_profile), only to questions without an explicit answer
(an explicit answer, `unknown` included, always wins), and only where the question applies given the answers
so far. So one answer set always means the same thing, and the assessment records which defaults it used.
"""

from __future__ import annotations

import re
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
        used[question.id] = {k: default[k] for k in PROVENANCE_KEYS if k in default}
    return filled, used


# What a used default carries with it: the value and where it came from (profile, sources, dates, warnings).
PROVENANCE_KEYS = ("value", "source", "date", "sources", "note", "contested", "profile", "reviewed")


def source_citation(source: Mapping[str, Any]) -> str:
    """One source as a line a caseworker can cite: "Title, Publisher" (the date is shown on its own)."""
    return f"{source['title']}, {source['publisher']}"


def normalise_values(values: Mapping[str, Mapping[str, Any]], *, code: str, reviewed: str) -> dict[str, dict]:
    """A profile's values as stored: each entry keeps its structured `sources` and gains `source` (the sources
    as one citation line), `date` (its newest source's date: the date the value is as old as), `profile` and
    `reviewed`, so a value used anywhere carries its provenance without another look-up."""
    out: dict[str, dict] = {}
    for qid, entry in values.items():
        sources = [{k: s[k] for k in ("title", "publisher", "date", "url") if s.get(k)} for s in entry["sources"]]
        item = {
            "value": entry["value"],
            "sources": sources,
            "source": "; ".join(source_citation(s) for s in sources),
            "date": max(s["date"] for s in sources),
            "profile": code,
            "reviewed": str(reviewed),
        }
        if entry.get("note"):
            item["note"] = entry["note"]
        if entry.get("contested"):
            item["contested"] = True
        out[qid] = item
    return out


# A source must be a publication, never one of the project's own files, test cases or notes (review D5).
PROJECT_REFERENCE = re.compile(
    r"\bpub-\d+|cases-public|legal\.md|\.(?:ya?ml|md|py|json)\b|Refuge Screen baseline|\bS\d{1,3}\b|\brule \d+",
    re.IGNORECASE,
)


def source_problems(source: Mapping[str, Any]) -> list[str]:
    """Why a source is not one a caseworker can cite and find (empty when it is)."""
    problems = []
    for key in ("title", "publisher", "url"):
        text = str(source.get(key) or "")
        match = PROJECT_REFERENCE.search(text)
        if match:
            problems.append(f"source {key} {text!r} names a project file, test case or note ({match.group(0)!r})")
    return problems


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
            if PROJECT_REFERENCE.search(entry.get("note") or ""):
                problems.append(f"{code}: {qid}: the note names a project file, test case, note or rule")
            for source in entry["sources"]:
                if not is_iso_date(source["date"]):
                    problems.append(f"{code}: {qid}: source date {source['date']!r} is not a real date (YYYY-MM-DD)")
                problems += [f"{code}: {qid}: {p}" for p in source_problems(source)]
        if not is_iso_date(str(profile["reviewed"])):
            problems.append(f"{code}: reviewed {profile['reviewed']!r} is not a real date (YYYY-MM-DD)")
    return problems
