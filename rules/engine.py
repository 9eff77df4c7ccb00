"""The durable_rules runtime. The only module that imports durable.

The compiled ruleset (rules/compiler.py) is registered once per process with durable's C engine. Each
evaluation asserts one fact per rule (its true literals), the rules fire, and a small action loop of our own over
durable's C binding records the outcomes and replaces the facts of the rules that read them (chaining). A rule's
first firing is its strongest variant and settles it: its fact is retracted at once, which cancels the rule's
weaker firings still queued. Every compiled rule is one pattern on one fact (no joins), so at the end of an
evaluation the remaining facts are retracted and the emptied durable state is reused by the next evaluation;
with joins that was unsafe (durable read freed frames when a joined fact was retracted; valgrind showed it and a
test worker crashed), and a state per evaluation cost ~2.5 ms. A failed evaluation deletes its state. We do not
use durable's Host: its timer threads would take actions on other threads, and its Python action loop (a JSON
state round trip per action) costs more than the matching itself. The durable pitfalls this avoids are listed in
rules/README.md.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as _dre

from .compiler import (
    CTX,
    P1_FACT,
    CompiledRuleset,
    compile_ruleset,
    outcome_literal_satisfied,
)
from .conditions import MISS, OK, leaf_key
from .model import Ruleset, p1_applies_to

# durable's C engine is not thread-safe: one evaluation at a time per process.
_LOCK = threading.Lock()
_HANDLES: dict[str, int] = {}  # durable ruleset name -> handle; a name is registered once per process

_DUPLICATE = 2  # durable's result code for a fact already asserted
_SIDS = itertools.count(1)  # session ids, unique in the process (engines of one ruleset share its handle)
_CLEAN_SIDS: dict[int, str] = {}  # ruleset handle -> its emptied state, reused by the next evaluation


class EngineError(RuntimeError):
    """durable_rules failed, or an action raised; the evaluation produced no result."""


@dataclass(slots=True)
class Fired:
    """What the engine concluded for one outcome."""

    outcome: str
    rule: str
    strength: str
    conjuncts: list[tuple[str, ...]] = field(default_factory=list)  # literal ids of each firing conjunct
    downgraded_by: str | None = None


class Engine:
    """Evaluates validated answers with one compiled ruleset. Thread-safe (one evaluation at a time, under the
    process-wide lock); the durable state of an evaluation is emptied at its end and reused by the next."""

    def __init__(self, ruleset: Ruleset):
        self.ruleset = ruleset
        self.compiled: CompiledRuleset = compile_ruleset(ruleset)
        self._rule_outcomes = [rule.outcome for rule in ruleset.rules]
        self.question_ids = tuple(q.id for q in ruleset.questionnaire.questions)
        self._rule_ids = [rule.id for rule in ruleset.rules]
        self._rule_index = {rule.id: i for i, rule in enumerate(ruleset.rules)}
        self._p1 = {o.id for o in ruleset.outcomes.values() if p1_applies_to(o)}
        # Only literals some durable rule tests are ever computed.
        used = {lid for conj in self.compiled.conjuncts.values() for lid in conj.literals}
        used.add(self.compiled.p1_literal)
        self._question_literals = [lit for lid, lit in self.compiled.question_literals.items() if lid in used]
        self._by_question = _literals_by_question(self._question_literals)
        self.max_strata = max(self.compiled.strata, default=0)
        self._strata = self.compiled.strata
        # Which rule facts carry each literal (question or outcome), and the text of one literal in a fact.
        self._rules_of: dict[str, tuple[int, ...]] = {}
        for i, lids in enumerate(self.compiled.rule_literals):
            for lid in lids:
                self._rules_of[lid] = (*self._rules_of.get(lid, ()), i)
        self._fragment = {lid: f',"{lid}":1' for lid in used}
        self._conjuncts_by_variant: dict[tuple[int, str], list] = {}
        for conj in self.compiled.conjuncts.values():
            self._conjuncts_by_variant.setdefault((conj.rule_index, conj.variant), []).append(conj)
        # The outcome literals an outcome emitted with a strength makes true.
        self._chained = {
            (outcome_id, variant): [
                lid
                for lid in lids
                if outcome_literal_satisfied(
                    self.compiled.outcome_literals[lid].leaf, self.compiled.outcome_literals[lid].mode, variant
                )
            ]
            for outcome_id, lids in self.compiled.literals_by_outcome.items()
            for variant in ("strong", "arguable", "needs_information")
        }
        # What an action needs of each compiled rule, looked up once per firing.
        self._firing = {
            name: (
                conj.rule_index,
                conj.variant,
                conj.literals,
                self._rule_outcomes[conj.rule_index],
                self._rule_ids[conj.rule_index],
                self._chained.get((self._rule_outcomes[conj.rule_index], conj.variant)),
            )
            for name, conj in self.compiled.conjuncts.items()
        }
        # A rule whose every conjunct tests a literal cannot fire on a fact that carries none: such a fact is
        # not asserted.
        self._needs_no_literal = [False] * len(ruleset.rules)
        for conj in self.compiled.conjuncts.values():
            if not conj.literals:
                self._needs_no_literal[conj.rule_index] = True
        self._rules_by_stratum: dict[int, list[int]] = {}
        for i, stratum in enumerate(self._strata):
            self._rules_by_stratum.setdefault(stratum, []).append(i)
        self.sid = ""
        self._facts_for("")

    def _facts_for(self, sid: str) -> None:
        """The texts that start each fact of a state (rebuilt only when the state changes, after a failure)."""
        if sid != self.sid:
            self.sid = sid
            self._rule_prefix = [f'{{"sid":"{sid}","l":"r","{b}":1' for b in self.compiled.buckets]
            self._ctx = f'{{"sid":"{sid}","l":"c","{CTX}":1}}'
            self._p1_prefix = f'{{"sid":"{sid}","l":"p","{P1_FACT}":1'

    def _handle(self) -> int:
        name = self.compiled.name
        if name not in _HANDLES:
            _HANDLES[name] = _dre.create_ruleset(name, json.dumps(self.compiled.definition))
        return _HANDLES[name]

    def true_literals(self, statuses: Mapping[str, str], answers: Mapping[str, Any]) -> list[str]:
        """The question literals that hold for these answers (computed in Python, asserted as facts)."""
        out: list[str] = []
        for qid, tests, miss, na in self._by_question:
            status = statuses[qid]
            if status == OK:
                value = answers.get(qid)
                for test, holds, fails in tests:  # each distinct leaf is tested once for its four literals
                    out += holds if test(value) else fails
            else:
                out += miss if status == MISS else na
        return out

    def run(self, statuses: Mapping[str, str], answers: Mapping[str, Any], *, explain: bool = True) -> dict[str, Fired]:
        """Fire the rules for one answer set; returns {outcome_id: Fired}. Without `explain`, Fired.conjuncts
        holds only the conjunct that fired first."""
        literals = self.true_literals(statuses, answers)
        with _LOCK:
            handle = self._handle()
            sid = _CLEAN_SIDS.pop(handle, None) or f"{next(_SIDS)}"
            self._facts_for(sid)
            session = _Session(self, handle, sid)
            try:
                session.open_stratum(0, literals)
                session.drain()
                for stratum in range(1, self.max_strata + 1):
                    session.open_stratum(stratum)
                    session.drain()
                session.post_process(p1_holds=self.compiled.p1_literal in literals)
                session.drain()
                session.empty()
                _CLEAN_SIDS[handle] = sid  # every fact retracted: the next evaluation reuses the state
            except Exception as exc:
                _delete_state(handle, sid)
                if isinstance(exc, EngineError):
                    raise
                # an action raised: surface it, never return a partial result
                raise EngineError(f"rule action failed: {exc!r}") from exc
        if explain:
            session.add_other_conjuncts(literals)
        return session.fired


def _delete_state(handle: int, sid: str) -> None:
    try:
        _dre.delete_state(handle, sid)
    except _dre.error:
        pass  # never created (the first assert failed)


class _Session:
    """One evaluation's facts and conclusions (lives only inside Engine.run, under the lock)."""

    def __init__(self, engine: Engine, handle: int, sid: str):
        self.engine = engine
        self.handle = handle
        self.sid = sid
        self.state_handle: int | None = None
        self.fired: dict[str, Fired] = {}
        self.asserted: set[str] = set()  # the outcome literals that hold
        self.stratum = -1  # the highest stratum whose rule facts are asserted
        self.parts: list[list[str]] = []  # each rule fact's pieces (prefix, then one per literal)
        self.rule_facts: list[str] = []  # each rule fact's text; "" while not asserted
        self.rules_done: set[int] = set()
        self.setters: dict[str, int] = {}  # outcome id -> index of the rule that set it
        self.p1_facts: list[str] = []

    def open_stratum(self, stratum: int, literal_ids: list[str] | None = None) -> None:
        """Assert the facts of a stratum's rules: each carries the true literals its rule reads (the question
        literals, the outcome literals chained so far and, now final, the negated outcome literals of this
        stratum). Stratum 0 also asserts the context fact the start rule fires on."""
        engine = self.engine
        facts: list[str] = []
        if literal_ids is not None:
            self.parts = [[prefix] for prefix in engine._rule_prefix]
            self.rule_facts = [""] * len(self.parts)
            rules_of, fragment = engine._rules_of, engine._fragment
            for lid in literal_ids:
                text = fragment[lid]
                for i in rules_of.get(lid, ()):
                    self.parts[i].append(text)
            facts.append(engine._ctx)
        self.stratum = stratum
        if stratum:
            self.asserted.update(self.negated_literals(stratum))
            for lid in self.asserted:
                text = engine._fragment[lid]
                for i in engine._rules_of.get(lid, ()):
                    if engine._strata[i] == stratum:
                        self.parts[i].append(text)
        needed, parts, rule_facts = engine._needs_no_literal, self.parts, self.rule_facts
        for i in engine._rules_by_stratum.get(stratum, ()):
            if len(parts[i]) > 1 or needed[i]:
                rule_facts[i] = fact = "".join(parts[i]) + "}"
                facts.append(fact)
        if facts:
            self._check(_dre.assert_facts(self.handle, "[" + ",".join(facts) + "]"))

    def negated_literals(self, stratum: int) -> list[str]:
        """The negated outcome literals a stratum reads that hold: every rule they depend on has run."""
        compiled = self.engine.compiled
        negated = []
        for lid in compiled.negated_by_stratum.get(stratum, []):
            lit = compiled.outcome_literals[lid]
            positive_mode = "P" if lit.mode == "NT" else "T"  # T(not x) = not P(x); P(not x) = not T(x)
            ids = lit.leaf.get("outcome_any") or [lit.leaf["outcome"]]
            if not any(
                o in self.fired and outcome_literal_satisfied(lit.leaf, positive_mode, self.fired[o].strength)
                for o in ids
            ):
                negated.append(lid)
        return negated

    def chain(self, literal_ids: list[str]) -> None:
        """Outcome literals now true: the facts of the rules that read them, already asserted and not settled,
        are replaced by facts that carry them (retract, then assert); rules of later strata get them when their
        stratum opens."""
        new = [lid for lid in literal_ids if lid not in self.asserted]
        if not new:
            return
        self.asserted.update(new)
        engine = self.engine
        strata, parts, rule_facts, done = engine._strata, self.parts, self.rule_facts, self.rules_done
        changed: dict[int, str] = {}
        for lid in new:
            text = engine._fragment.get(lid)
            if text is None:
                continue  # no durable rule reads it (the reasons read self.asserted)
            for i in engine._rules_of.get(lid, ()):
                if i in done or strata[i] > self.stratum:
                    continue
                changed.setdefault(i, rule_facts[i])
                parts[i].append(text)
        if not changed:
            return
        old = [fact for fact in changed.values() if fact]
        if old:
            self._check_retract(_dre.retract_facts(self.handle, "[" + ",".join(old) + "]"))
        facts = []
        for i in changed:
            rule_facts[i] = fact = "".join(parts[i]) + "}"
            facts.append(fact)
        self._check(_dre.assert_facts(self.handle, "[" + ",".join(facts) + "]"))

    def post_process(self, *, p1_holds: bool) -> None:
        """P1 (post-processing) reads one fact per strong outcome it applies to, with its literal if it holds."""
        engine = self.engine
        tail = engine._fragment[engine.compiled.p1_literal] + "}" if p1_holds else "}"
        self.p1_facts = [
            f'{engine._p1_prefix},"o":"{outcome_id}"{tail}'
            for outcome_id, fired in self.fired.items()
            if fired.strength == "strong" and outcome_id in engine._p1
        ]
        if self.p1_facts:
            self._check(_dre.assert_facts(self.handle, "[" + ",".join(self.p1_facts) + "]"))

    def empty(self) -> None:
        """Retract every fact left, so the state can be reused: none is joined to another (the compiler makes
        every rule one pattern), which is what makes retracting them safe in durable."""
        done = self.rules_done
        left = [self.engine._ctx, *self.p1_facts]
        left += [fact for i, fact in enumerate(self.rule_facts) if fact and i not in done]
        self._check_retract(_dre.retract_facts(self.handle, "[" + ",".join(left) + "]"))

    def _check(self, result) -> None:
        if result[0] not in (0, _DUPLICATE):
            raise EngineError(f"durable_rules rejected a fact (code {result[0]})")
        if self.state_handle is None:
            self.state_handle = result[1]

    @staticmethod
    def _check_retract(result) -> None:
        if result[0] != 0:
            raise EngineError(f"durable_rules could not retract a fact (code {result[0]})")

    def drain(self) -> None:
        """Run every queued action until the state is quiescent."""
        if self.state_handle is None:
            return
        result = _dre.start_action_for_state(self.handle, self.state_handle)
        if not result:
            return
        message = result[1]
        while True:
            self.act(message)
            message = _dre.complete_and_start_action(self.handle, self.state_handle)
            if not message:
                return

    def act(self, message: str) -> None:
        """The action of every compiled rule: a rule's first firing is its strongest variant, and decides.

        The message is durable's JSON {"<rule name>": {<pattern>: <fact>}}; only P1 needs the fact, so the
        others read just the rule name.
        """
        name = message[2 : message.index('"', 2)]
        if name == "start":
            return
        if name == "P1":
            fired = self.fired[json.loads(message)[name]["t"]["o"]]
            fired.strength, fired.downgraded_by = "arguable", "P1"
            return
        index, variant, literals, outcome_id, rule_id, chained = self.engine._firing[name]
        if index in self.rules_done:
            return  # a firing queued with the rule's first one
        self.rules_done.add(index)
        # Rules fire in priority order (file order, strongest variant first): the rule is now settled, so its
        # fact goes, and with it every weaker firing of the rule still queued.
        self._check_retract(_dre.retract_fact(self.handle, self.rule_facts[index]))
        setter = self.setters.get(outcome_id)
        if setter is not None and setter > index:
            return  # two rules emit this outcome: the later one wins (the loader lets no rule read it)
        self.setters[outcome_id] = index
        self.fired[outcome_id] = Fired(outcome_id, rule_id, variant, [literals])
        if chained:
            self.chain(chained)

    def add_other_conjuncts(self, literal_ids: list[str]) -> None:
        """For the reasons: every conjunct of the deciding variant that holds, after the one that fired."""
        true = set(literal_ids) | self.asserted
        for fired in self.fired.values():
            variant = "strong" if fired.downgraded_by == "P1" else fired.strength
            first = fired.conjuncts[0]
            for conj in self.engine._conjuncts_by_variant[(self.engine._rule_index[fired.rule], variant)]:
                if conj.literals != first and true.issuperset(conj.literals):
                    fired.conjuncts.append(conj.literals)


def _literals_by_question(literals) -> list[tuple[str, list, list[str], list[str]]]:
    """Per question: (id, [(test, literals true if it holds, literals true if not)] per distinct leaf, literals
    true when the answer is missing, literals true when the question is not applicable); the same truth table as
    compiler.question_literal_true."""
    questions: dict[str, tuple[dict, list[str], list[str]]] = {}
    for lit in literals:
        leaves, miss, na = questions.setdefault(lit.question, ({}, [], []))
        test, holds, fails = leaves.setdefault(leaf_key(lit.leaf), (lit.test, [], []))
        (holds if lit.mode in ("T", "P") else fails).append(lit.id)
        if lit.mode in ("P", "NP"):
            miss.append(lit.id)
        if lit.mode in ("NT", "NP"):
            na.append(lit.id)
    return [(qid, list(leaves.values()), miss, na) for qid, (leaves, miss, na) in questions.items()]


_ENGINES: dict[str, Engine] = {}


def durable_in_use() -> bool:
    """Whether this process has registered a ruleset with durable's C engine (its state must then never be
    copied into a forked child: `manage.py screen` forks its workers only while this is False)."""
    return bool(_HANDLES)


def engine_for(ruleset: Ruleset) -> Engine:
    """The process-wide engine of a ruleset (compiled and registered lazily, once)."""
    key = f"{ruleset.name}:{ruleset.sha256}"
    engine = _ENGINES.get(key)
    if engine is None:
        with _LOCK:
            engine = _ENGINES.get(key)
            if engine is None:
                engine = _ENGINES[key] = Engine(ruleset)
    return engine


__all__ = ["Engine", "EngineError", "Fired", "durable_in_use", "engine_for"]
