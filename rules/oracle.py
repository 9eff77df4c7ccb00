"""A small, direct interpreter of the spec's semantics: the TEST ORACLE, never the engine.

It reads the rules as data and evaluates them with three-valued logic exactly as spec.yaml describes, so the
durable_rules engine can be checked against it on thousands of answer sets. It is deliberately plain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import conditions as c
from .model import P1_TRIGGER, Ruleset, p1_applies_to


def oracle_outcomes(ruleset: Ruleset, answers: Mapping[str, Any]) -> dict[str, dict]:
    """{outcome_id: {"strength", "missing_questions", "rule"}} for valid, normalised answers."""
    statuses = ruleset.questionnaire.statuses(answers)

    def question_leaf(leaf):
        return c.question_leaf_value(leaf, statuses[leaf["q"]], answers.get(leaf["q"]))

    emitted: dict[str, str] = {}
    results: dict[str, dict] = {}
    for rule in ruleset.rules:

        def outcome_leaf(leaf):
            return c.outcome_leaf_value(leaf, emitted)

        when = c.evaluate(rule.when, question_leaf, outcome_leaf)
        if when == c.FALSE or (when == c.UNKNOWN and not rule.emit_on_unknown):
            continue
        if when == c.TRUE:
            strong = rule.strong_if is not None and c.evaluate(rule.strong_if, question_leaf, outcome_leaf) == c.TRUE
            strength = "strong" if strong else "arguable"
            missing: list[str] = []
        else:
            strength = "needs_information"
            missing = [q for q in rule.when_questions if statuses[q] == c.MISS]
        emitted[rule.outcome] = strength
        results[rule.outcome] = {"strength": strength, "missing_questions": missing, "rule": rule.id}

    # P1: the feared actor has lost control of the place of return -> no "strong" persecution outcome.
    if question_leaf(P1_TRIGGER) == c.TRUE:
        for outcome_id, result in results.items():
            if result["strength"] == "strong" and p1_applies_to(ruleset.outcomes[outcome_id]):
                result["strength"] = "arguable"
    return results
