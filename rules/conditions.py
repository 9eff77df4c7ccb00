"""The condition grammar of show_if, when and strong_if, and its three-valued (Kleene) semantics.

A condition is a mapping. Leaves test one question (`q`) or earlier outcomes (`outcome`, `outcome_any`);
`all`, `any` and `not` combine them. This module normalises conditions (named sets expanded) and evaluates
them; the durable_rules compiler and the test oracle both build on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

# Truth values of the three-valued logic.
TRUE, FALSE, UNKNOWN = "true", "false", "unknown"

# Question statuses: answered, applicable but missing (unanswered or `unknown`), not applicable.
OK, MISS, NA = "ok", "miss", "na"

# Leaf operators on a question, with the answer types they accept.
QUESTION_OPERATORS = {
    "eq": {"single_choice", "boolean", "country", "text", "integer", "date"},
    "ne": {"single_choice", "boolean", "country", "text", "integer", "date"},
    "in": {"single_choice", "country"},
    "in_set": {"single_choice", "country"},
    "any_of": {"multi_choice"},
    "any_of_set": {"multi_choice"},
    "only": {"multi_choice"},
    "count_of": {"multi_choice"},
    "lt": {"integer"},
    "gte": {"integer"},
}
COMBINATORS = ("all", "any", "not")
OUTCOME_STRENGTHS = ("strong", "arguable", "needs_information")


def expand_sets(values: list, sets: Mapping[str, list]) -> list:
    """Expand `$name` references inside a set (e.g. protection_outcomes) recursively."""
    out: list = []
    for value in values:
        if isinstance(value, str) and value.startswith("$"):
            out.extend(expand_sets(sets[value[1:]], sets))
        else:
            out.append(value)
    return out


def normalise(cond: Mapping[str, Any], sets: Mapping[str, list]) -> dict:
    """Return an equivalent condition using only the core operators.

    in_set -> in, any_of_set -> any_of, outcome_any_set -> outcome_any, count_of/gte keeps both keys.
    """
    if "all" in cond:
        return {"all": [normalise(c, sets) for c in cond["all"]]}
    if "any" in cond:
        return {"any": [normalise(c, sets) for c in cond["any"]]}
    if "not" in cond:
        return {"not": normalise(cond["not"], sets)}
    if "always" in cond:
        return {"always": bool(cond["always"])}
    if "outcome_any_set" in cond:
        return {"outcome_any": expand_sets(sets[cond["outcome_any_set"]], sets)}
    if "outcome_any" in cond:
        return {"outcome_any": list(cond["outcome_any"])}
    if "outcome" in cond:
        leaf = {"outcome": cond["outcome"]}
        if "strength" in cond:
            leaf["strength"] = cond["strength"]
        return leaf
    q = cond["q"]
    if "in_set" in cond:
        return {"q": q, "in": expand_sets(sets[cond["in_set"]], sets)}
    if "any_of_set" in cond:
        return {"q": q, "any_of": expand_sets(sets[cond["any_of_set"]], sets)}
    if "count_of" in cond:
        return {"q": q, "count_of": list(cond["count_of"]), "gte": cond["gte"]}
    return dict(cond)


_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ISO_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")


def same_answer(value: Any, operand: Any) -> bool:
    """eq's equality. A condition on an approximate date question names a month (YYYY-MM; the loader requires
    it), and an answer holds it at that precision: "2022-09" and "2022-09-21" both equal "2022-09". Everything
    else is plain equality (a full date equals only itself)."""
    if isinstance(operand, str) and isinstance(value, str) and _ISO_MONTH.match(operand) and _ISO_DAY.match(value):
        return value[:7] == operand
    return value == operand


def leaf_operator(leaf: Mapping[str, Any]) -> str:
    """The operator of a question leaf (count_of wins over its companion gte)."""
    if "count_of" in leaf:
        return "count_of"
    for op in QUESTION_OPERATORS:
        if op in leaf:
            return op
    raise ValueError(f"not a question leaf: {leaf!r}")


def test_answer(leaf: Mapping[str, Any], value: Any) -> bool:
    """Two-valued test of an answered question's value against a (normalised) question leaf.

    The plain reading the oracle and show_if use. compile_test is the engine's compiled form of the same
    operators; they are kept apart on purpose, so the differential test checks one against the other."""
    op = leaf_operator(leaf)
    if op == "eq":
        return same_answer(value, leaf["eq"])
    if op == "ne":
        return not same_answer(value, leaf["ne"])
    if op == "in":
        return value in leaf["in"]
    if op == "any_of":
        return any(v in leaf["any_of"] for v in value)
    if op == "only":
        return bool(value) and all(v in leaf["only"] for v in value)
    if op == "count_of":
        return sum(1 for v in set(value) if v in leaf["count_of"]) >= leaf["gte"]
    if op == "lt":
        return value < leaf["lt"]
    if op == "gte":
        return value >= leaf["gte"]
    raise ValueError(f"unknown operator {op}")


def compile_test(leaf: Mapping[str, Any]) -> Callable[[Any], bool]:
    """test_answer for one leaf as a closure with its option lists turned into sets (the engine's hot path)."""
    op = leaf_operator(leaf)
    operand = leaf[op]
    if op in ("eq", "ne") and isinstance(operand, str) and _ISO_MONTH.match(operand):  # a month: see same_answer
        return (
            (lambda value: same_answer(value, operand))
            if op == "eq"
            else (lambda value: not same_answer(value, operand))
        )
    if op == "eq":
        return lambda value: value == operand
    if op == "ne":
        return lambda value: value != operand
    if op == "in":
        members = frozenset(operand)
        return lambda value: value in members
    if op == "any_of":
        members = frozenset(operand)
        return lambda value: not members.isdisjoint(value)
    if op == "only":
        members = frozenset(operand)
        return lambda value: bool(value) and members.issuperset(value)
    if op == "count_of":
        members, least = frozenset(operand), leaf["gte"]
        return lambda value: len(members.intersection(value)) >= least
    if op == "lt":
        return lambda value: value < operand
    if op == "gte":
        return lambda value: value >= operand
    raise ValueError(f"unknown operator {op}")


# compile_test of the ruleset's own leaf objects (and the what-if's cached DNF leaves), which live as long as the
# loaded ruleset: the explanation and the what-if test the same leaves hundreds of times per evaluation. The entry
# keeps its leaf, so an id is never taken for another object's; the bound guards against callers' fresh leaves.
_TESTS: dict[int, tuple[Mapping[str, Any], Callable[[Any], bool]]] = {}
_TESTS_MAX = 100_000


def cached_test(leaf: Mapping[str, Any]) -> Callable[[Any], bool]:
    """compile_test(leaf), compiled once per leaf object."""
    entry = _TESTS.get(id(leaf))
    if entry is not None and entry[0] is leaf:
        return entry[1]
    if len(_TESTS) >= _TESTS_MAX:
        _TESTS.clear()
    test = compile_test(leaf)
    _TESTS[id(leaf)] = (leaf, test)
    return test


def question_leaf_value(leaf: Mapping[str, Any], status: str, value: Any) -> str:
    """Three-valued value of a question leaf: na -> FALSE, miss -> UNKNOWN, ok -> the test."""
    if status == NA:
        return FALSE
    if status == MISS:
        return UNKNOWN
    return TRUE if test_answer(leaf, value) else FALSE


def outcome_leaf_value(leaf: Mapping[str, Any], emitted: Mapping[str, str]) -> str:
    """Three-valued value of an outcome leaf, given {outcome_id: strength} of the outcomes emitted so far."""
    ids = leaf["outcome_any"] if "outcome_any" in leaf else [leaf["outcome"]]
    want_strong = leaf.get("strength") == "strong"
    result = FALSE
    for outcome_id in ids:
        strength = emitted.get(outcome_id)
        if strength is None:
            continue
        if strength == "needs_information":
            result = UNKNOWN
        elif not want_strong or strength == "strong":
            return TRUE
    return result


def evaluate(
    cond: Mapping[str, Any],
    question_leaf: Callable[[Mapping[str, Any]], str],
    outcome_leaf: Callable[[Mapping[str, Any]], str],
) -> str:
    """Kleene evaluation of a normalised condition; leaves are delegated to the two callbacks."""
    if "all" in cond:
        values = [evaluate(c, question_leaf, outcome_leaf) for c in cond["all"]]
        if FALSE in values:
            return FALSE
        return UNKNOWN if UNKNOWN in values else TRUE
    if "any" in cond:
        values = [evaluate(c, question_leaf, outcome_leaf) for c in cond["any"]]
        if TRUE in values:
            return TRUE
        return UNKNOWN if UNKNOWN in values else FALSE
    if "not" in cond:
        value = evaluate(cond["not"], question_leaf, outcome_leaf)
        return {TRUE: FALSE, FALSE: TRUE, UNKNOWN: UNKNOWN}[value]
    if "always" in cond:
        return TRUE if cond["always"] else FALSE
    if "outcome" in cond or "outcome_any" in cond:
        return outcome_leaf(cond)
    return question_leaf(cond)


def compile_question_condition(cond: Mapping[str, Any]) -> Callable[[Mapping[str, str], Mapping[str, Any]], str]:
    """evaluate() of a condition on questions only (show_if) as a closure of (statuses, answers): the leaves'
    tests compiled once (compile_test), `all`/`any` stopping at the first FALSE/TRUE. Questionnaire.statuses runs
    it for every answer set; the oracle keeps the plain reading, so the differential test checks one against the
    other."""
    if "all" in cond or "any" in cond:
        parts = tuple(compile_question_condition(child) for child in cond.get("all") or cond["any"])
        stop, other = (FALSE, TRUE) if "all" in cond else (TRUE, FALSE)

        def combined(statuses, answers):
            result = other
            for part in parts:
                value = part(statuses, answers)
                if value == stop:
                    return stop
                if value == UNKNOWN:
                    result = UNKNOWN
            return result

        return combined
    if "not" in cond:
        inner = compile_question_condition(cond["not"])
        flip = {TRUE: FALSE, FALSE: TRUE, UNKNOWN: UNKNOWN}
        return lambda statuses, answers: flip[inner(statuses, answers)]
    if "always" in cond:
        constant = TRUE if cond["always"] else FALSE
        return lambda statuses, answers: constant
    if "outcome" in cond or "outcome_any" in cond:
        raise ValueError("a question condition cannot test outcomes")
    qid, test = cond["q"], compile_test(cond)

    def leaf(statuses, answers):
        status = statuses[qid]
        if status == OK:
            return TRUE if test(answers.get(qid)) else FALSE
        return UNKNOWN if status == MISS else FALSE

    return leaf


def iter_leaves(cond: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every leaf of a condition, depth first."""
    if "all" in cond or "any" in cond:
        for child in cond.get("all") or cond.get("any"):
            yield from iter_leaves(child)
    elif "not" in cond:
        yield from iter_leaves(cond["not"])
    else:
        yield cond


def referenced_questions(cond: Mapping[str, Any] | None) -> list[str]:
    """Sorted, deduplicated ids of the questions a condition tests."""
    if not cond:
        return []
    return sorted({leaf["q"] for leaf in iter_leaves(cond) if "q" in leaf})


def referenced_outcomes(cond: Mapping[str, Any] | None) -> list[str]:
    if not cond:
        return []
    ids: set[str] = set()
    for leaf in iter_leaves(cond):
        if "outcome" in leaf:
            ids.add(leaf["outcome"])
        elif "outcome_any" in leaf:
            ids.update(leaf["outcome_any"])
    return sorted(ids)


def leaf_key(leaf: Mapping[str, Any]) -> str:
    """A canonical text for a leaf, so equal leaves share one literal."""
    parts = []
    for key in sorted(leaf):
        value = leaf[key]
        if isinstance(value, list):
            value = "[" + ",".join(str(v) for v in value) + "]"
        parts.append(f"{key}={value}")
    return ";".join(parts)
