"""Compiles the rules-as-data into a durable_rules ruleset definition (pure data; no durable import).

How three-valued rules run on a two-valued engine (see rules/README.md for the full account):

* Literals. Every distinct leaf on a question gets four literals, computed in Python from the question's status
  (ok / miss / na) and answer:  T(l) = ok and test;  P(l) = miss, or ok and test;  T(not l) = na, or ok and
  not test;  P(not l) = na or miss, or ok and not test.  Outcome leaves get the same four literals; the
  positive ones become true when the rule that emits the outcome fires (chaining), the negated ones when the
  stratum that reads them opens, once every rule they depend on has run.
* Variants. Each spec rule becomes three variants: strong = T(when) and T(strong_if); arguable = T(when);
  needs_information = P(when) (none when emit_on_unknown is false). Each variant is put in negation normal
  form and expanded to disjunctive normal form: one durable rule per conjunct, a single pattern testing the
  conjunct's literals on the rule's own fact (no joins). The lowest-`pri` variant to fire sets the outcome
  (first writer wins); rules are prioritised in file order so an outcome is settled before any later rule
  reads it.
* Strata. A rule that negates an outcome is in a later stratum than the rules emitting that outcome: its fact
  is asserted (with the negated literals that hold) only when everything before it has quiesced. durable
  does not re-check `$not` after an activation is queued, so the engine never uses `$not`, `any` or `$or`.
* Post-processing P1 runs after the last stratum, on one fact per strong outcome it applies to.
Every rule has "dist": 0 (one fact may match several patterns).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from . import conditions as c
from .model import P1_TRIGGER, Ruleset

VARIANTS = ("strong", "arguable", "needs_information")
CTX = "ctx"  # the context fact every evaluation asserts; the start rule fires on it
P1_FACT = "p1"  # the attribute of the facts P1 reads


@dataclass(frozen=True)
class QuestionLiteral:
    id: str
    question: str
    leaf: dict  # normalised question leaf
    mode: str  # "T", "P", "NT" (T of the negation) or "NP"

    def __post_init__(self):
        object.__setattr__(self, "test", c.compile_test(self.leaf))


@dataclass(frozen=True)
class OutcomeLiteral:
    id: str
    leaf: dict  # normalised outcome leaf
    mode: str


@dataclass(frozen=True)
class Conjunct:
    name: str  # durable rule name
    rule_index: int
    variant: str
    literals: tuple[str, ...]


@dataclass
class CompiledRuleset:
    name: str  # unique durable ruleset name (one per version and content hash)
    definition: dict  # durable_rules JSON ruleset (without any "run" keys)
    question_literals: dict[str, QuestionLiteral]
    outcome_literals: dict[str, OutcomeLiteral]
    conjuncts: dict[str, Conjunct]
    strata: list[int]  # stratum of each rule
    # outcome id -> outcome literals it can satisfy (asserted by the action that emits it)
    literals_by_outcome: dict[str, list[str]] = field(default_factory=dict)
    # stratum -> negated outcome literals read by its rules (decided when it opens)
    negated_by_stratum: dict[int, list[str]] = field(default_factory=dict)
    p1_literal: str = ""
    buckets: list[str] = field(default_factory=list)  # bucket attribute of each rule's fact
    rule_literals: list[list[str]] = field(default_factory=list)  # question literals each rule's fact may carry
    alpha_stack_bound: int = 0


class _Literals:
    """Interns literals so each distinct condition is defined once."""

    def __init__(self):
        self.question: dict[str, QuestionLiteral] = {}
        self.outcome: dict[str, OutcomeLiteral] = {}
        self._ids: dict[tuple[str, str], str] = {}

    def get(self, leaf: dict, mode: str) -> str:
        key = (c.leaf_key(leaf), mode)
        if key not in self._ids:
            if "q" in leaf:
                lid = f"q{len(self.question)}"
                self.question[lid] = QuestionLiteral(lid, leaf["q"], leaf, mode)
            else:
                lid = f"o{len(self.outcome)}"
                self.outcome[lid] = OutcomeLiteral(lid, leaf, mode)
            self._ids[key] = lid
        return self._ids[key]


# A DNF is a list of conjuncts; a conjunct is a frozenset of literal ids. [] is FALSE, [frozenset()] is TRUE.
DNF = list[frozenset]


def _or(parts: list[DNF]) -> DNF:
    return [conj for part in parts for conj in part]


def _and(parts: list[DNF]) -> DNF:
    result: DNF = [frozenset()]
    for part in parts:
        result = [a | b for a, b in itertools.product(result, part)]
    return result


def _simplify(dnf: DNF) -> DNF:
    """Drop duplicate conjuncts and conjuncts that contain another (absorption): fewer firings."""
    unique = sorted(set(dnf), key=lambda s: (len(s), sorted(s)))
    kept: DNF = []
    for conj in unique:
        if not any(k <= conj for k in kept):
            kept.append(conj)
    return kept


def to_dnf(cond: dict, mode: str, negated: bool, literals: _Literals) -> DNF:
    """DNF of T(cond) (mode "T") or P(cond) (mode "P"), of its negation when `negated`."""
    if "all" in cond or "any" in cond:
        children = [to_dnf(ch, mode, negated, literals) for ch in cond.get("all") or cond["any"]]
        conjunctive = ("all" in cond) != negated  # De Morgan
        return _and(children) if conjunctive else _or(children)
    if "not" in cond:
        return to_dnf(cond["not"], mode, not negated, literals)
    if "always" in cond:
        return [frozenset()] if cond["always"] != negated else []
    return [frozenset({literals.get(cond, ("N" if negated else "") + mode)})]


def _negated_outcome_modes(dnf: DNF, literals: _Literals) -> bool:
    return any(literals.outcome.get(lid) and literals.outcome[lid].mode.startswith("N") for conj in dnf for lid in conj)


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    literals = _Literals()
    rule_variants: list[dict[str, DNF]] = []
    for rule in ruleset.rules:
        when_t = to_dnf(rule.when, "T", False, literals)
        variants = {"arguable": when_t}
        if rule.strong_if is not None:
            variants["strong"] = _and([when_t, to_dnf(rule.strong_if, "T", False, literals)])
        if rule.emit_on_unknown:
            variants["needs_information"] = to_dnf(rule.when, "P", False, literals)
        rule_variants.append({k: _simplify(v) for k, v in variants.items()})

    # Strata: a rule that negates an outcome runs after the rules emitting that outcome have quiesced.
    emitters: dict[str, list[int]] = {}
    for i, rule in enumerate(ruleset.rules):
        emitters.setdefault(rule.outcome, []).append(i)
    strata: list[int] = []
    negated_by_stratum: dict[int, set[str]] = {}
    for variants in rule_variants:
        stratum = 0
        for dnf in variants.values():
            for conj in dnf:
                for lid in conj:
                    lit = literals.outcome.get(lid)
                    if lit is None:
                        continue
                    ids = lit.leaf.get("outcome_any") or [lit.leaf["outcome"]]
                    deps = max(strata[e] for o in ids for e in emitters[o] if e < len(strata))
                    stratum = max(stratum, deps + 1 if lit.mode.startswith("N") else deps)
        strata.append(stratum)
        for dnf in variants.values():
            for conj in dnf:
                for lid in conj:
                    if lid in literals.outcome and literals.outcome[lid].mode.startswith("N"):
                        negated_by_stratum.setdefault(stratum, set()).add(lid)

    p1_literal = literals.get(P1_TRIGGER, "T")
    # How often each question literal is used.
    frequency: dict[str, int] = {}
    for variants in rule_variants:
        for dnf in variants.values():
            for conj in dnf:
                for lid in conj:
                    frequency[lid] = frequency.get(lid, 0) + 1

    def pattern_tests(conj) -> list[str]:
        """A conjunct's tests: question literals, most-shared first (patterns share alpha-network prefixes),
        then outcome literals."""
        asked = sorted((lid for lid in conj if lid in literals.question), key=lambda lid: (-frequency[lid], lid))
        return asked + sorted(lid for lid in conj if lid not in literals.question)

    # One fact per rule carries that rule's true literals (question literals, then outcome literals) under the
    # rule's own "bucket" attribute: every durable rule is one alpha pattern, with no join. A rule's fact is
    # asserted when its stratum opens (that is its gate), and asserted again, by retract and assert, when an
    # outcome literal it reads becomes true; the engine retracts it once the rule has fired its strongest
    # variant, which drops the rule's queued weaker firings. Without joins, durable can empty a state by
    # retracting its facts and the engine reuses one state (a retracted joined fact left durable reading freed
    # frames: rules/README.md).
    buckets = [f"r{i}" for i in range(len(ruleset.rules))]
    definition: dict[str, Any] = {
        # Fires on the context fact of every evaluation: the state always has an actioned fact.
        "start": {"all": [{"m": {CTX: 1}}], "pri": 0, "dist": 0},
        # Alpha-match every fact and never fire (a batch assert fails on a fact matching nothing). Its second
        # pattern never matches, so its frames hold one fact each and retracting one is safe.
        "sink": {"all": [{"m": {"$ex": {"l": 1}}}, {"n": {"never": 1}}], "pri": 0, "dist": 0},
    }
    conjuncts: dict[str, Conjunct] = {}
    rule_literals: list[list[str]] = []
    for i, (rule, variants) in enumerate(zip(ruleset.rules, rule_variants, strict=True)):
        used: set[str] = set()
        for variant_index, variant in enumerate(VARIANTS):
            for n, conj in enumerate(variants.get(variant, [])):
                tests = pattern_tests(conj)
                used.update(tests)
                patterns = [{"a": {"$and": [{buckets[i]: 1}] + [{lid: 1} for lid in tests]}}]
                name = f"{rule.id}.{variant}.{n}"
                definition[name] = {"all": patterns, "pri": 1 + 3 * i + variant_index, "dist": 0}
                conjuncts[name] = Conjunct(name, i, variant, tuple(tests))
        rule_literals.append(sorted(used))
    # P1 after every stratum: one fact per strong outcome it applies to, carrying P1's literal when it holds.
    definition["P1"] = {
        "all": [{"t": {"$and": [{P1_FACT: 1}, {p1_literal: 1}]}}],
        "pri": 1 + 3 * len(ruleset.rules),
        "dist": 0,
    }

    literals_by_outcome: dict[str, list[str]] = {}
    for lid, lit in literals.outcome.items():
        if lit.mode.startswith("N"):
            continue
        for outcome_id in lit.leaf.get("outcome_any") or [lit.leaf["outcome"]]:
            literals_by_outcome.setdefault(outcome_id, []).append(lid)

    stack = _alpha_stack_bound(rule_variants, pattern_tests, buckets, p1_literal)
    if stack >= DURABLE_ALPHA_STACK:
        raise ValueError(f"ruleset too wide for durable_rules: alpha stack bound {stack} >= {DURABLE_ALPHA_STACK}")
    return CompiledRuleset(
        name=f"{ruleset.slug}.{ruleset.version}.{ruleset.sha256[:16]}.r3",  # r3: one pattern per rule
        definition=definition,
        question_literals=literals.question,
        outcome_literals=literals.outcome,
        conjuncts=conjuncts,
        strata=strata,
        literals_by_outcome=literals_by_outcome,
        negated_by_stratum={k: sorted(v) for k, v in negated_by_stratum.items()},
        p1_literal=p1_literal,
        buckets=buckets,
        rule_literals=rule_literals,
        alpha_stack_bound=stack,
    )


def question_literal_true(lit: QuestionLiteral, status: str, value: Any) -> bool:
    """Is a question literal true, given its question's status and answer?"""
    if status == c.OK:
        holds = lit.test(value)
        return holds if lit.mode in ("T", "P") else not holds
    if status == c.MISS:
        return lit.mode in ("P", "NP")
    return lit.mode in ("NT", "NP")  # not applicable: the leaf is FALSE, its negation TRUE


def outcome_literal_satisfied(leaf: dict, mode: str, strength: str) -> bool:
    """Does emitting one of an outcome leaf's outcomes with `strength` make its positive literal (mode T or P)
    true?"""
    if leaf.get("strength") == "strong":
        return strength == "strong" or (mode == "P" and strength == "needs_information")
    return strength in ("strong", "arguable") or (mode == "P" and strength == "needs_information")


# durable walks its alpha network depth first with a fixed stack of 64 nodes, pushing every matching child of a
# node (events.c, MAX_STACK_SIZE): a fact matching too many sibling tests fails with error 303. Each rule's fact
# carries only its own bucket attribute and literals, so it can only go down its own rule's branch; the compiler
# computes the worst case (every literal of the rule true) and refuses a ruleset that could exceed it.
DURABLE_ALPHA_STACK = 64
ROOT_CHILDREN_OF_A_FACT = 1  # the sink's $ex test, besides the fact's own branch


def _alpha_stack_bound(rule_variants, pattern_tests, buckets, p1_literal) -> int:
    """Upper bound of durable's alpha stack for any fact of an evaluation on which every test holds."""
    families: dict[str, list[tuple]] = {CTX: [(CTX,)], P1_FACT: [(P1_FACT, p1_literal)]}
    for i, variants in enumerate(rule_variants):
        for dnf in variants.values():
            for conj in dnf:
                families.setdefault(buckets[i], []).append((buckets[i], *pattern_tests(conj)))
    return ROOT_CHILDREN_OF_A_FACT + max(_trie_bound(paths) for paths in families.values())


def _trie_bound(paths: list[tuple]) -> int:
    trie: dict = {}
    for path in paths:
        node = trie
        for test in path:
            node = node.setdefault(test, {})

    def bound(node: dict) -> int:
        if not node:
            return 0
        return len(node) + max(bound(child) for child in node.values())

    return bound(trie)
