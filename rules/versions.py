"""Every ruleset version under rules/rulesets/<slug>/<version>/, its changelog (as data), and what a change of
version does to one answer set. Pure Python: nothing here imports Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import conditions as c
from .loader import RULESETS_DIR, load_ruleset
from .model import Questionnaire, Ruleset
from .validation import _check_value
from .yamlfiles import safe_load

STRENGTH_RANK = {"needs_information": 0, "arguable": 1, "strong": 2}


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in version.split("."))


def available_versions(slug: str) -> list[str]:
    """The versions of a ruleset in the repository, oldest first."""
    directory = RULESETS_DIR / slug
    found = [p.name for p in directory.iterdir() if (p / "ruleset.yaml").exists()] if directory.exists() else []
    return sorted(found, key=_version_key)


def ruleset_name(slug: str, version: str) -> str:
    return f"{slug}/{version}"


@lru_cache(maxsize=16)
def changelog(slug: str, version: str) -> dict[str, Any]:
    """The version's changelog.yaml ({} when it has none, as the first version)."""
    path = RULESETS_DIR / slug / version / "changelog.yaml"
    if not path.exists():
        return {}
    return safe_load(path.read_text(encoding="utf-8")) or {}


@dataclass(frozen=True)
class Carried:
    """Answers carried over to another questionnaire: what it applies, what it sets aside."""

    answers: dict
    set_aside: dict
    statuses: dict


def carry_answers(questionnaire: Questionnaire, answers: Mapping[str, Any], set_aside: Mapping[str, Any]) -> Carried:
    """Move answers to a (possibly different) questionnaire without losing any: an answer to a question this
    questionnaire does not have, or does not show, or no longer accepts, is set aside; a set-aside answer whose
    question applies again is restored. The same fixed point the web interview computes on every save."""
    merged, aside = {}, dict(set_aside)
    for qid, value in answers.items():
        question = questionnaire.by_id.get(qid)
        if question is None or _own_error(questionnaire, qid, value):
            aside[qid] = value
        else:
            merged[qid] = value
    for _ in range(len(questionnaire.questions) + 1):
        statuses = questionnaire.statuses(merged)
        restore = {
            qid: v
            for qid, v in aside.items()
            if qid in questionnaire.by_id
            and qid not in merged
            and statuses[qid] != c.NA
            and not _own_error(questionnaire, qid, v)
        }
        hide = {qid: v for qid, v in merged.items() if statuses[qid] == c.NA}
        if not restore and not hide:
            break
        for qid in restore:
            merged[qid] = aside.pop(qid)
        for qid in hide:
            aside[qid] = merged.pop(qid)
    return Carried(merged, aside, questionnaire.statuses(merged))


def _own_error(questionnaire: Questionnaire, qid: str, value: Any) -> bool:
    """Is the value itself invalid for the question (type, option), whatever the other answers?"""
    return bool(_check_value(questionnaire.by_id[qid], value)[1])


def outcome_changes(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, list]:
    """What changed between two {outcome id: strength} maps, by id."""
    common = sorted(set(before) & set(after))
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "strengthened": [
            {"id": oid, "from": before[oid], "to": after[oid]}
            for oid in common
            if STRENGTH_RANK[after[oid]] > STRENGTH_RANK[before[oid]]
        ],
        "weakened": [
            {"id": oid, "from": before[oid], "to": after[oid]}
            for oid in common
            if STRENGTH_RANK[after[oid]] < STRENGTH_RANK[before[oid]]
        ],
    }


def has_changes(changes: Mapping[str, list]) -> bool:
    return any(changes.get(k) for k in ("added", "removed", "strengthened", "weakened"))


def load_version(slug: str, version: str) -> Ruleset:
    return load_ruleset(ruleset_name(slug, version))
