"""The evaluating half of the impact report (screening/impact.py), with no Django import: worker processes are
spawned (never forked: durable_rules' C engine must not be shared with a forked child) and import only this."""

from __future__ import annotations

import rules
from rules.versions import carry_answers


def evaluate_under(target, answers, set_aside, apply_profile, profiles) -> dict[str, str]:
    """{outcome id: strength} of one stored screening's answers under `target`, as a re-screen would give."""
    carried = carry_answers(target.questionnaire, answers or {}, set_aside or {})
    profile = (profiles or {}).get(carried.answers.get("country_of_origin"), {}) if apply_profile else None
    assessment = rules.evaluation.evaluate_checked(
        carried.answers,
        carried.statuses,
        ruleset=target,
        country_profile=profile,
        apply_country_profile_defaults=bool(apply_profile),
        explain=False,
    )
    return {o.id: o.strength for o in assessment.outcomes}


# The worker side of workers > 1: the target ruleset and the profiles, set up once per process.
_WORKER: tuple | None = None


def init_worker(ruleset_name: str, profiles: dict) -> None:
    global _WORKER
    _WORKER = (rules.load_ruleset(ruleset_name), profiles)


def evaluate_chunk(rows: list[tuple]) -> list[dict[str, str]]:
    assert _WORKER is not None, "worker not initialised"
    target, profiles = _WORKER
    return [evaluate_under(target, answers, set_aside, apply, profiles) for answers, set_aside, apply in rows]
