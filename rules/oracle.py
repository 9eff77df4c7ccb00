"""A small, direct interpreter of the spec's semantics: the TEST ORACLE, never the engine.

It reads the rules as data and evaluates them with three-valued logic exactly as spec.yaml describes, so the
durable_rules engine can be checked against it on thousands of answer sets. It is deliberately plain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import conditions as c
from .model import P1_TRIGGER, Ruleset, p1_applies_to


def oracle_outcomes(ruleset: Ruleset, answers: Mapping[str, Any], *, explain: bool = True) -> dict[str, dict]:
    """{outcome_id: {"strength", "missing_questions", "rule", "why", "why_not_strong"}} for valid, normalised
    answers; why and why_not_strong are lists of (leaf, negated, value). explain=False: only strength,
    missing_questions and rule (what evaluate(explain=False) decides; the engine benchmark compares the two)."""
    return oracle_evaluation(ruleset, answers, explain=explain)[0]


def plain_statuses(ruleset: Ruleset, answers: Mapping[str, Any]) -> dict[str, str]:
    """Questionnaire.statuses read plainly (show_if by conditions.evaluate and test_answer, not the compiled
    form): the differential test checks the compiled statuses against it."""
    statuses: dict[str, str] = {}

    def question_leaf(leaf):
        return c.question_leaf_value(leaf, statuses[leaf["q"]], answers.get(leaf["q"]))

    for question in ruleset.questionnaire.questions:
        if question.show_if is not None and c.evaluate(question.show_if, question_leaf, _no_outcome) == c.FALSE:
            statuses[question.id] = c.NA
            continue
        value = answers.get(question.id)
        statuses[question.id] = c.MISS if value is None or value == "unknown" else c.OK
    return statuses


def _no_outcome(leaf):
    raise ValueError("show_if cannot test outcomes")


def oracle_evaluation(
    ruleset: Ruleset, answers: Mapping[str, Any], *, explain: bool = True
) -> tuple[dict[str, dict], dict[str, list]]:
    """oracle_outcomes, and the outcomes considered and not met: {outcome_id: [(leaf, negated, value)]}."""
    statuses = plain_statuses(ruleset, answers)

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
        if explain:
            results[rule.outcome]["explanation"] = (rule, when)

    if not explain:
        if question_leaf(P1_TRIGGER) == c.TRUE:
            for outcome_id, result in results.items():
                if result["strength"] == "strong" and p1_applies_to(ruleset.outcomes[outcome_id]):
                    result["strength"] = "arguable"
        return results, {}

    # The explanations, read from the conditions with the strengths the rules saw (before P1).
    def leaf(leaf):
        return question_leaf(leaf) if "q" in leaf else c.outcome_leaf_value(leaf, emitted)

    def shown(found):  # leaves on questions that were not asked are never a reason
        return [f for f in found if "q" not in f[0] or statuses[f[0]["q"]] != c.NA]

    for result in results.values():
        rule, _when = result.pop("explanation")
        strong = result["strength"] == "strong"
        if result["strength"] == "needs_information":
            why = _minimal_support([rule.when], leaf, {c.TRUE, c.UNKNOWN})
        else:
            why = _minimal_support([rule.when, rule.strong_if] if strong else [rule.when], leaf, {c.TRUE})
        result["why"] = shown(why)
        result["why_not_strong"] = []
        if not strong and rule.strong_if is not None and c.evaluate(rule.strong_if, leaf, leaf) != c.TRUE:
            result["why_not_strong"] = shown(_support(rule.strong_if, leaf, {c.FALSE, c.UNKNOWN}))
    not_met: dict[str, list] = {}
    for rule in ruleset.rules:
        if rule.outcome in results or c.evaluate(rule.when, leaf, leaf) != c.FALSE:
            continue
        failed = shown(_support(rule.when, leaf, {c.FALSE, c.UNKNOWN}))
        every = _support(rule.when, leaf, {c.TRUE, c.FALSE, c.UNKNOWN})
        answered = [f for f in every if "q" in f[0] and statuses[f[0]["q"]] == c.OK]
        if any(f in failed and f[2] == c.FALSE for f in answered) and any(f[2] == c.TRUE for f in answered):
            not_met.setdefault(rule.outcome, []).extend(f for f in failed if f not in not_met.get(rule.outcome, []))

    # P1: the feared actor has lost control of the place of return -> no "strong" persecution outcome.
    if question_leaf(P1_TRIGGER) == c.TRUE:
        for outcome_id, result in results.items():
            if result["strength"] == "strong" and p1_applies_to(ruleset.outcomes[outcome_id]):
                result["strength"] = "arguable"
                result["why_not_strong"] = []
    return results, not_met


def _minimal_support(conds: list, leaf_value, want: set) -> list[tuple]:
    """Why a conjunction of conditions holds: the leaves of its minimal satisfied conjuncts (the conjuncts of
    its disjunctive normal form whose leaves all have a value in `want`, less those containing another)."""
    conjuncts = [frozenset()]
    for cond in conds:
        conjuncts = [a | b for a in conjuncts for b in _satisfied_conjuncts(cond, leaf_value, want, False)]
    minimal = [s for s in set(conjuncts) if not any(o < s for o in conjuncts)]
    return sorted({f for s in minimal for f in s}, key=lambda f: c.leaf_key(f[0]) + str(f[1]))


def _satisfied_conjuncts(cond, leaf_value, want: set, negated: bool) -> list[frozenset]:
    flip = {c.TRUE: c.FALSE, c.FALSE: c.TRUE, c.UNKNOWN: c.UNKNOWN}
    if "not" in cond:
        return _satisfied_conjuncts(cond["not"], leaf_value, want, not negated)
    if "all" in cond or "any" in cond:
        parts = [_satisfied_conjuncts(ch, leaf_value, want, negated) for ch in cond.get("all") or cond["any"]]
        if ("all" in cond) != negated:  # a conjunction (De Morgan under a negation)
            out = [frozenset()]
            for part in parts:
                out = [a | b for a in out for b in part]
            return out
        return [s for part in parts for s in part]
    if "always" in cond:
        return [frozenset()] if cond["always"] != negated else []
    value = leaf_value(cond)
    value = flip[value] if negated else value
    return [frozenset({_Frozen(cond, negated, value)})] if value in want else []


class _Frozen(tuple):
    """(leaf, negated, value), hashable by the leaf's canonical text."""

    def __new__(cls, leaf, negated, value):
        return super().__new__(cls, (leaf, negated, value))

    def __hash__(self):
        return hash((c.leaf_key(self[0]), self[1], self[2]))

    def __eq__(self, other):
        return (c.leaf_key(self[0]), self[1], self[2]) == (c.leaf_key(other[0]), other[1], other[2])


def _support(cond, leaf_value, want: set) -> list[tuple]:
    """The leaves that give `cond` a value in `want`, as (leaf, negated, value as the rule reads it)."""
    if cond is None:
        return []
    flip = {c.TRUE: c.FALSE, c.FALSE: c.TRUE, c.UNKNOWN: c.UNKNOWN}
    if "not" in cond:
        return [(lf, not neg, flip[v]) for lf, neg, v in _support(cond["not"], leaf_value, {flip[w] for w in want})]
    if "all" in cond or "any" in cond:
        every = ("all" in cond) == (c.TRUE in want)
        out: list[tuple] = []
        for child in cond.get("all") or cond["any"]:
            if every or c.evaluate(child, leaf_value, leaf_value) in want:
                out += [f for f in _support(child, leaf_value, want) if f not in out]
        return out
    if "always" in cond:
        return []
    return [(cond, False, leaf_value(cond))]
