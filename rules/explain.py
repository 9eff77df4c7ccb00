"""Explanations of an evaluation, three-valued and read from the rules: why an outcome holds, why it is not
strong, and which outcomes were considered and not met.

The conditions are walked as trees with the Kleene values of their leaves (rules.conditions). A node's
"deciding" leaves are the ones that give it its value:
* to show that a node holds (TRUE, or TRUE-or-UNKNOWN for needs_information): every child of an `all`, the
  children of an `any` that hold;
* to show that a node does not hold (FALSE, or FALSE-or-UNKNOWN): the children of an `all` that do not hold,
  every child of an `any`;
* `not` swaps the two and flips the leaf's `negated` mark.
This is the union of the literals of the DNF conjuncts that fire (what the engine reports as `why`), which is
what the differential test checks. Leaves on questions that were not asked (status na) are left out: an
unasked question is never a reason a caseworker can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import conditions as c

HOLDS = frozenset({c.TRUE})
POSSIBLE = frozenset({c.TRUE, c.UNKNOWN})
NOT_TRUE = frozenset({c.FALSE, c.UNKNOWN})
EVERY = frozenset({c.TRUE, c.FALSE, c.UNKNOWN})  # every leaf, with its value
FLIP = {c.TRUE: c.FALSE, c.FALSE: c.TRUE, c.UNKNOWN: c.UNKNOWN}  # the value of `not x`


@dataclass(frozen=True)
class Leaf:
    """A deciding leaf: the condition, whether the rule needs it false (`negated`) and its value as the rule
    reads it (TRUE/FALSE/UNKNOWN after negation)."""

    leaf: dict
    negated: bool
    value: str
    text: str = field(default="", compare=False, repr=False)  # c.leaf_key(leaf), when already known

    @property
    def key(self) -> tuple[str, bool]:
        return (self.text or c.leaf_key(self.leaf), self.negated)


# leaf_key of the ruleset's own leaf objects, which live as long as the loaded ruleset: computed once per process
# instead of on every walk (it was the costliest line of an explained evaluation). The entry keeps its leaf, so
# an id is never taken for another object's; the bound only guards against callers passing fresh leaves.
_LEAF_KEYS: dict[int, tuple[Mapping[str, Any], str]] = {}
_LEAF_KEYS_MAX = 200_000


def _leaf_key(node: Mapping[str, Any]) -> str:
    entry = _LEAF_KEYS.get(id(node))
    if entry is not None and entry[0] is node:
        return entry[1]
    if len(_LEAF_KEYS) >= _LEAF_KEYS_MAX:
        _LEAF_KEYS.clear()
    key = c.leaf_key(node)
    _LEAF_KEYS[id(node)] = (node, key)
    return key


def node_value(cond: Mapping[str, Any], leaf_value: Callable[[Mapping[str, Any]], str]) -> str:
    """The Kleene value of a condition; with a memoised callback (memoised()), each node is valued once per
    evaluation, not once per walk that passes it."""
    nodes = getattr(leaf_value, "nodes", None)
    if nodes is None:
        return c.evaluate(cond, leaf_value, leaf_value)
    entry = nodes.get(id(cond))
    if entry is not None and entry[0] is cond:  # the entry holds its condition: an id never names another object
        return entry[1]
    value = c.evaluate(cond, leaf_value, leaf_value)
    nodes[id(cond)] = (cond, value)
    return value


def deciding_leaves(
    cond: Mapping[str, Any], leaf_value: Callable[[Mapping[str, Any]], str], want: frozenset
) -> list[Leaf]:
    """The leaves that give `cond` a value in `want` (HOLDS, POSSIBLE or NOT_TRUE), deduplicated, in order."""
    out: list[Leaf] = []
    seen: set[tuple[str, bool]] = set()

    def walk(node, want, negated):
        if "all" in node or "any" in node:
            children = node.get("all") or node.get("any")
            positive = c.TRUE in want
            take_every = ("all" in node) == positive
            for child in children:
                if take_every or node_value(child, leaf_value) in want:
                    walk(child, want, negated)
        elif "not" in node:
            walk(node["not"], frozenset(FLIP[v] for v in want), not negated)
        elif "always" in node:
            return
        else:
            value = leaf_value(node)
            text = _leaf_key(node)
            if (text, negated) not in seen:
                seen.add((text, negated))
                out.append(Leaf(dict(node), negated, FLIP[value] if negated else value, text))

    walk(cond, want, False)
    return out


def question_leaf_values(statuses: Mapping[str, str], answers: Mapping[str, Any]):
    """Question leaves' values with the engine's compiled tests (c.cached_test; the oracle's explanation keeps the
    plain reading, c.test_answer, so the explanation tests still compare two readings)."""
    test_of = c.cached_test

    def value(leaf):
        qid = leaf["q"]
        status = statuses[qid]
        if status == c.OK:
            return c.TRUE if test_of(leaf)(answers.get(qid)) else c.FALSE
        return c.FALSE if status == c.NA else c.UNKNOWN

    return value


def leaf_values(statuses: Mapping[str, str], answers: Mapping[str, Any], emitted: Mapping[str, str]):
    """One callback valuing question leaves (answers) and outcome leaves ({outcome: strength before P1})."""
    question = question_leaf_values(statuses, answers)

    def value(leaf):
        if "q" in leaf:
            return question(leaf)
        if "outcome" in leaf or "outcome_any" in leaf:
            return c.outcome_leaf_value(leaf, emitted)
        return c.TRUE if leaf.get("always") else c.FALSE

    return value


def memoised(value: Callable[[Mapping[str, Any]], str]) -> Callable[[Mapping[str, Any]], str]:
    """A leaf-value callback that computes each leaf once per evaluation. Keyed by the leaf object's identity:
    the leaves are the loaded ruleset's (or the what-if's cached DNF's), alive for the whole evaluation."""
    cache: dict[int, str] = {}

    def cached(leaf):
        key = id(leaf)
        found = cache.get(key)
        if found is None:
            found = cache[key] = value(leaf)
        return found

    cached.nodes = {}  # node_value's per-evaluation memo of whole conditions, by identity as the leaves
    return cached


def asked(leaf: Leaf, statuses: Mapping[str, str]) -> bool:
    return "q" not in leaf.leaf or statuses.get(leaf.leaf["q"]) != c.NA


def why_not_strong(rule, value, statuses) -> list[Leaf]:
    """The strong_if conditions that are false or unknown (empty when strong_if holds or there is none)."""
    if rule.strong_if is None or node_value(rule.strong_if, value) == c.TRUE:
        return []
    return [leaf for leaf in deciding_leaves(rule.strong_if, value, NOT_TRUE) if asked(leaf, statuses)]


def relevant_failure(rule, value, statuses) -> list[Leaf] | None:
    """For a rule whose `when` is not true and that emitted nothing: the failed conditions, when the rule is
    relevant to these facts; None when it is not.

    Relevant ("considered, not met"): the `when` is FALSE, at least one of its conditions on an answered
    question holds (the facts point at it), and at least one failed condition is an answered question (an
    answer decided it). A rule that fails only because an earlier outcome is absent is left out: that
    outcome is listed in its own right.
    """
    if node_value(rule.when, value) != c.FALSE:
        return None
    # Cheapest test first: most rules have no condition on an answered question that holds.
    if not any(
        "q" in node and statuses[node["q"]] == c.OK and (FLIP[value(node)] if negated else value(node)) == c.TRUE
        for node, negated in every_leaf(rule.when)
    ):
        return None
    failed = [leaf for leaf in deciding_leaves(rule.when, value, NOT_TRUE) if asked(leaf, statuses)]
    if not any("q" in f.leaf and statuses[f.leaf["q"]] == c.OK and f.value == c.FALSE for f in failed):
        return None
    return failed


_EVERY_LEAF: dict[int, tuple[Mapping[str, Any], list]] = {}


def every_leaf(cond: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], bool]]:
    """Every leaf of a condition with whether the rule needs it false, deduplicated (what deciding_leaves gives
    for EVERY, without the values): it depends on the condition only, so it is computed once per process."""
    entry = _EVERY_LEAF.get(id(cond))
    if entry is not None and entry[0] is cond:
        return entry[1]
    out: list[tuple[Mapping[str, Any], bool]] = []
    seen: set[tuple[str, bool]] = set()

    def walk(node, negated):
        if "all" in node or "any" in node:
            for child in node.get("all") or node.get("any"):
                walk(child, negated)
        elif "not" in node:
            walk(node["not"], not negated)
        elif "always" not in node:
            key = (_leaf_key(node), negated)
            if key not in seen:
                seen.add(key)
                out.append((node, negated))

    walk(cond, False)
    if len(_EVERY_LEAF) >= _LEAF_KEYS_MAX:
        _EVERY_LEAF.clear()
    _EVERY_LEAF[id(cond)] = (cond, out)
    return out
