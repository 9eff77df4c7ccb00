"""What-if, read from the rules: the fewest answers that would make an outcome strong ("would be strong if …")
or make a not-met outcome apply ("would apply if …").

The target condition (a rule's `when` and `strong_if`, or its `when`) is put in disjunctive normal form over
literals (a leaf, and whether the rule needs it false). A conjunct is a way the condition can hold; its cost is
the number of its literals that do not hold on today's answers. Per question, the conjunct's literals must be
satisfiable together: the values that satisfy all of them are found among the question's options (choice and
boolean questions) or the thresholds the leaves name (integers, countries, dates, texts). The cheapest
satisfiable conjunct over every rule of the outcome wins; ties go to the conjunct with fewer literals, then to
rule order. Conjuncts that need an answer to a question not asked (not applicable on today's answers) are left
out: the caseworker could not act on them from this page. So are conjuncts whose answers would fail an
error-level contradiction check (rules/checks.py): they could never be saved.

Each step names a question and the values that satisfy it (`allowed`, the options, in questionnaire order) and a
`value` that does (the one a test applies to check the what-if by evaluating again), or an earlier outcome.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import conditions as c
from .checks import ERROR, failing
from .explain import FLIP
from .model import Question, Questionnaire, Rule, Ruleset
from .validation import EXCLUSIVE_OPTIONS

MAX_CONJUNCTS = 256  # a condition whose DNF is larger gets no what-if rather than a slow page
Literal = tuple[str, bool]  # (leaf key, negated)


@dataclass(frozen=True)
class Step:
    """One answer (or earlier outcome) a what-if needs."""

    leaf: dict
    negated: bool
    question: str | None = None
    allowed: tuple = ()  # the satisfying values among the options (choice, boolean), in questionnaire order
    value: Any = None  # one satisfying answer
    current: str = c.UNKNOWN  # the literal's value today (after negation): false or unknown

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"condition": self.leaf, "negated": self.negated, "holds": self.current}
        if self.question is not None:
            out.update(question=self.question, value=self.value)
            if self.allowed:
                out["allowed"] = list(self.allowed)
        else:
            ids = self.leaf.get("outcome_any") or [self.leaf.get("outcome")]
            out["outcome"] = ",".join(i for i in ids if i)
        return out


# ---- disjunctive normal form ---------------------------------------------------------------------------------

_DNF_CACHE: dict[tuple[str, str, str], list[tuple[Literal, ...]] | None] = {}


class _TooLarge(Exception):
    pass


def _simplify(dnf: list[frozenset]) -> list[frozenset]:
    unique = sorted(set(dnf), key=lambda s: (len(s), sorted(s)))
    kept: list[frozenset] = []
    for conj in unique:
        if not any(k <= conj for k in kept):
            kept.append(conj)
    if len(kept) > MAX_CONJUNCTS:
        raise _TooLarge
    return kept


def _dnf(cond: Mapping[str, Any], negated: bool, leaves: dict[str, dict]) -> list[frozenset]:
    if "all" in cond or "any" in cond:
        children = [_dnf(ch, negated, leaves) for ch in cond.get("all") or cond["any"]]
        if ("all" in cond) != negated:  # De Morgan
            result = [frozenset()]
            for child in children:
                result = _simplify([a | b for a, b in itertools.product(result, child)])
            return result
        return _simplify([conj for child in children for conj in child])
    if "not" in cond:
        return _dnf(cond["not"], not negated, leaves)
    if "always" in cond:
        return [frozenset()] if bool(cond["always"]) != negated else []
    key = c.leaf_key(cond)
    leaves[key] = dict(cond)
    return [frozenset({(key, negated)})]


def rule_dnf(ruleset: Ruleset, rule: Rule, target: str) -> tuple[list[tuple[Literal, ...]], dict[str, dict]] | None:
    """The DNF of a rule's `when` (target "apply") or `when` ∧ `strong_if` (target "strong"), cached per
    ruleset version; None when it is too large or the rule has no strong_if for target "strong"."""
    cache_key = (ruleset.sha256, rule.id, target)
    if cache_key not in _DNF_CACHE:
        leaves: dict[str, dict] = {}
        if target == "strong" and rule.strong_if is None:
            result = None
        else:
            cond = rule.when if target == "apply" else {"all": [rule.when, rule.strong_if]}
            try:
                result = ([tuple(sorted(conj)) for conj in _dnf(cond, False, leaves)], leaves)
            except _TooLarge:
                result = None
        _DNF_CACHE[cache_key] = result
    return _DNF_CACHE[cache_key]


# ---- satisfying values ---------------------------------------------------------------------------------------


def _holds(leaf: Mapping[str, Any], negated: bool, value: Any) -> bool:
    return c.cached_test(leaf)(value) != negated


def _offered(question: Question) -> list[str]:
    """The options a what-if may suggest: not "unknown", and not an option the questionnaire keeps only for old
    answers (its label starts with "DEPRECATED", e.g. coi_alternative_service's exists_but_punitive)."""
    return [o.id for o in question.options if o.id != "unknown" and not o.label.startswith("DEPRECATED")]


def _candidates(question: Question, leaves: list[dict], current: Any) -> list:
    """Answers worth trying for a question: its options, or the values its leaves name."""
    if question.type == "boolean":
        return [True, False]
    if question.type == "single_choice":
        return _offered(question)
    if question.type == "multi_choice":
        options = _offered(question)
        named = []
        for leaf in leaves:
            for key in ("any_of", "only", "count_of"):
                named.extend(v for v in leaf.get(key, []) if v not in named)
        # today's choices, less any exclusive one ("none", "prefer not to say"), which cannot be combined
        base = [v for v in current if v not in EXCLUSIVE_OPTIONS] if isinstance(current, list) else []
        singles = [[o] for o in options]
        grown = [sorted({*base, o}, key=options.index) for o in options if o not in base and o not in EXCLUSIVE_OPTIONS]
        needed = [n for n in named if n in options]
        if len(needed) > 1:
            needed = [n for n in needed if n not in EXCLUSIVE_OPTIONS]
        return singles + grown + ([needed] if needed else []) + ([base] if base else [])
    values: list = []
    for leaf in leaves:
        for key in ("eq", "ne", "lt", "gte"):
            if key in leaf:
                values.append(leaf[key])
        values.extend(leaf.get("in", []))
    if question.type == "integer":
        values = [v + d for v in values for d in (-1, 0, 1)]
    if current is not None:
        values.append(current)
    return list(dict.fromkeys(values))


def satisfying(question: Question, literals: list[tuple[dict, bool]], current: Any) -> tuple[tuple, Any] | None:
    """(allowed options, one satisfying value) for all of a question's literals in a conjunct, or None."""
    leaves = [leaf for leaf, _ in literals]
    good = [
        v for v in _candidates(question, leaves, current) if all(_holds(leaf, negated, v) for leaf, negated in literals)
    ]
    if not good:
        return None
    if question.type in ("single_choice", "boolean"):
        preferred = current if current in good else good[0]
        return tuple(good), preferred
    if question.type == "multi_choice":  # keep today's choices where possible, then add the fewest
        base = set(current) if isinstance(current, list) else set()
        return (), min(good, key=lambda v: (not base <= set(v), len(set(v) - base), len(v)))
    return (), current if current in good else good[0]


def _as_needed(value: str, negated: bool) -> str:
    """A literal's value as the rule reads it: a negated literal holds when its leaf is false."""
    return FLIP[value] if negated else value


# ---- the cheapest way ----------------------------------------------------------------------------------------


def _plan(
    questionnaire: Questionnaire,
    conj: tuple[Literal, ...],
    leaves: dict[str, dict],
    value: Callable[[Mapping[str, Any]], str],
    statuses: Mapping[str, str],
    answers: Mapping[str, Any],
) -> list[Step] | None:
    """The steps a conjunct needs (its literals that do not hold today), or None if it cannot be satisfied here."""
    by_question: dict[str, list[tuple[dict, bool]]] = {}
    steps: list[Step] = []
    for key, negated in conj:
        leaf = leaves[key]
        if "q" in leaf:
            by_question.setdefault(leaf["q"], []).append((leaf, negated))
            continue
        now = _as_needed(value(leaf), negated)
        if now != c.TRUE:
            steps.append(Step(leaf=leaf, negated=negated, current=now))
    for qid, literals in by_question.items():
        question = questionnaire.by_id[qid]
        unmet = []
        for leaf, negated in literals:
            now = _as_needed(value(leaf), negated)
            if now != c.TRUE:
                unmet.append((leaf, negated, now))
        if not unmet:
            continue
        if statuses.get(qid) == c.NA:
            return None  # needs a question that is not asked on today's answers
        found = satisfying(question, literals, answers.get(qid))
        if found is None:
            return None
        allowed, witness = found
        leaf, negated, now = unmet[0]
        steps.append(Step(leaf=leaf, negated=negated, question=qid, allowed=allowed, value=witness, current=now))
    return steps


_RULES_BY_OUTCOME: dict[tuple[str, str], list[Rule]] = {}


def rules_for(ruleset: Ruleset, outcome_id: str) -> list[Rule]:
    """The rules that emit an outcome, in ruleset order (cached per ruleset version)."""
    key = (ruleset.sha256, outcome_id)
    if key not in _RULES_BY_OUTCOME:
        _RULES_BY_OUTCOME[key] = [rule for rule in ruleset.rules if rule.outcome == outcome_id]
    return _RULES_BY_OUTCOME[key]


def _rank(conj, leaves, value, statuses) -> int | None:
    """The cost of a conjunct before checking it can be satisfied: one per question with a literal that does
    not hold today, two per earlier outcome; None when it needs a question that is not asked."""
    questions: set[str] = set()
    outcomes = 0
    for key, negated in conj:
        leaf = leaves[key]
        if _as_needed(value(leaf), negated) == c.TRUE:
            continue
        if "q" not in leaf:
            outcomes += 1
        elif statuses.get(leaf["q"]) == c.NA:
            return None
        else:
            questions.add(leaf["q"])
    return len(questions) + 2 * outcomes


def what_if(
    ruleset: Ruleset,
    rules: list[Rule],
    target: str,
    value: Callable[[Mapping[str, Any]], str],
    statuses: Mapping[str, str],
    answers: Mapping[str, Any],
) -> tuple[Step, ...]:
    """The fewest steps that make one of `rules` hold (target "apply") or hold with strong_if ("strong").

    Conjuncts are ranked by a cheap count first; only the best are checked for satisfiable values."""
    ranked = []
    for order, rule in enumerate(rules):
        found = rule_dnf(ruleset, rule, target)
        if found is None:
            continue
        dnf, leaves = found
        for conj in dnf:
            cost = _rank(conj, leaves, value, statuses)
            if cost:  # None (needs an unasked question) or 0 (already holds: nothing to say)
                ranked.append(((cost, len(conj), order), conj, leaves))
    ranked.sort(key=lambda item: item[0])
    for _, conj, leaves in ranked:
        steps = _plan(ruleset.questionnaire, conj, leaves, value, statuses, answers)
        if steps and not _contradicts(ruleset.questionnaire, answers, steps):
            return tuple(steps)
    return ()


def _contradicts(questionnaire: Questionnaire, answers: Mapping[str, Any], steps: list[Step]) -> bool:
    """Whether the answers a what-if proposes fail an error-level contradiction check (e.g. an age at the time of
    the acts above the age now): such a what-if could never be saved, so the next cheapest conjunct is offered.
    Answers the change makes not applicable are set aside first, as the interview does."""
    changed = {**answers, **{s.question: s.value for s in steps if s.question is not None}}
    touched = {s.question for s in steps if s.question is not None}
    relevant = tuple(check for check in questionnaire.checks if touched.intersection(check.questions))
    if not relevant:
        return False
    while True:
        statuses = questionnaire.statuses(changed)
        hidden = [qid for qid in changed if statuses.get(qid) == c.NA]
        if not hidden:
            break
        for qid in hidden:
            del changed[qid]
    return bool(failing(relevant, changed, statuses, ERROR))
