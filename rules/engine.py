"""The durable_rules runtime. The only module that imports durable.

The compiled ruleset (rules/compiler.py) is registered once per process with durable's C engine, and each
evaluation runs in its own session id (sid): literal facts are asserted, the rules fire, and a small action
loop of our own over durable's C binding records the outcomes and asserts the facts they chain into. We do
not use durable's Host: its timer threads would take actions on other threads, and its Python action loop
(a JSON state round trip per action) costs more than the matching itself. The durable pitfalls this avoids
are listed in rules/README.md.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as _dre

from .compiler import (
    CTX,
    FINAL_GATE,
    CompiledRuleset,
    compile_ruleset,
    outcome_literal_satisfied,
    question_literal_true,
)
from .model import Ruleset, p1_applies_to

# durable's C engine is not thread-safe: one evaluation at a time per process.
_LOCK = threading.Lock()
_HANDLES: dict[str, int] = {}  # durable ruleset name -> handle; a name is registered once per process

_DUPLICATE = 2  # durable's result code for a fact already asserted


class EngineError(RuntimeError):
    """durable_rules failed, or an action raised; the evaluation produced no result."""


@dataclass
class Fired:
    """What the engine concluded for one outcome."""

    outcome: str
    rule: str
    strength: str
    conjuncts: list[tuple[str, ...]] = field(default_factory=list)  # literal ids of each firing conjunct
    downgraded_by: str | None = None


class Engine:
    """Evaluates validated answers with one compiled ruleset. Thread-safe; holds no per-evaluation state."""

    def __init__(self, ruleset: Ruleset):
        self.ruleset = ruleset
        self.compiled: CompiledRuleset = compile_ruleset(ruleset)
        self._rule_outcomes = [rule.outcome for rule in ruleset.rules]
        self._rule_ids = [rule.id for rule in ruleset.rules]
        self._rule_index = {rule.id: i for i, rule in enumerate(ruleset.rules)}
        self._p1 = {o.id for o in ruleset.outcomes.values() if p1_applies_to(o)}
        # Only literals some durable rule joins on are ever asserted.
        used = {lid for conj in self.compiled.conjuncts.values() for lid in conj.literals}
        used.add(self.compiled.p1_literal)
        self._question_literals = [lit for lid, lit in self.compiled.question_literals.items() if lid in used]
        self.max_strata = max(self.compiled.strata, default=0)

    def _handle(self) -> int:
        name = self.compiled.name
        if name not in _HANDLES:
            _HANDLES[name] = _dre.create_ruleset(name, json.dumps(self.compiled.definition))
        return _HANDLES[name]

    def true_literals(self, statuses: Mapping[str, str], answers: Mapping[str, Any]) -> list[str]:
        """The question literals that hold for these answers (computed in Python, asserted as facts)."""
        return [
            lit.id
            for lit in self._question_literals
            if question_literal_true(lit, statuses[lit.question], answers.get(lit.question))
        ]

    def run(self, statuses: Mapping[str, str], answers: Mapping[str, Any]) -> dict[str, Fired]:
        """Fire the rules for one answer set; returns {outcome_id: Fired}."""
        literals = self.true_literals(statuses, answers)
        with _LOCK:
            handle = self._handle()
            sid = uuid.uuid4().hex
            session = _Session(self, handle, sid)
            try:
                session.assert_answers(literals)
                session.drain()
                for stratum in range(1, self.max_strata + 1):
                    session.open_gate(stratum)
                    session.drain()
                session.assert_facts([FINAL_GATE])
                session.drain()
            except EngineError:
                raise
            except Exception as exc:  # an action raised: surface it, never return a partial result
                raise EngineError(f"rule action failed: {exc!r}") from exc
            finally:
                _dre.delete_state(handle, sid)
        return session.fired


class _Session:
    """One evaluation's facts and conclusions (lives only inside Engine.run, under the lock)."""

    def __init__(self, engine: Engine, handle: int, sid: str):
        self.engine = engine
        self.handle = handle
        self.sid = sid
        self.state_handle: int | None = None
        self.fired: dict[str, Fired] = {}
        self.asserted: set[str] = set()

    def assert_answers(self, literal_ids: list[str]) -> None:
        """One fact carries every true question literal (and the buckets): rules match it without joins."""
        fact = {"sid": self.sid, "l": "answers", CTX: 1}
        for bucket in self.engine.compiled.buckets:
            fact[bucket] = 1
        for lid in literal_ids:
            fact[lid] = 1
        self._check(_dre.assert_fact(self.handle, json.dumps(fact)))

    def assert_facts(self, literal_ids: list[str]) -> None:
        new = [lid for lid in literal_ids if lid not in self.asserted]
        if not new:
            return
        self.asserted.update(new)
        facts = [{"sid": self.sid, "l": lid, lid: 1} for lid in new]
        result = _dre.assert_facts(self.handle, json.dumps(facts))
        self._check(result)

    def assert_outcome(self, outcome_id: str, strength: str) -> None:
        fact = {"sid": self.sid, "o": outcome_id, "s": strength, "p1": outcome_id in self.engine._p1}
        self._check(_dre.assert_fact(self.handle, json.dumps(fact)))

    def _check(self, result) -> None:
        if result[0] not in (0, _DUPLICATE):
            raise EngineError(f"durable_rules rejected a fact (code {result[0]})")
        if self.state_handle is None:
            self.state_handle = result[1]

    def open_gate(self, stratum: int) -> None:
        """Assert the negated outcome literals of a stratum (now final), then its gate."""
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
        self.assert_facts([*negated, f"gate_{stratum}"])

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
        """The action of every compiled rule: the lowest-pri variant to fire sets the outcome.

        The message is durable's JSON {"<rule name>": {<pattern>: <fact>, ...}}; only P1 needs the facts, so
        the others read just the rule name (decoding the answers fact on every firing would cost more than
        the matching).
        """
        name = message[2 : message.index('"', 2)]
        if name == "start":
            return
        if name == "P1":
            outcome_id = json.loads(message)[name]["o"]["o"]
            fired = self.fired[outcome_id]
            if fired.strength == "strong":
                fired.strength, fired.downgraded_by = "arguable", "P1"
            return
        engine = self.engine
        conj = engine.compiled.conjuncts[name]
        outcome_id = engine._rule_outcomes[conj.rule_index]
        fired = self.fired.get(outcome_id)
        if fired is not None:
            earlier_rule = engine._rule_index[fired.rule]
            if earlier_rule == conj.rule_index:
                if fired.strength == conj.variant and conj.literals not in fired.conjuncts:
                    fired.conjuncts.append(conj.literals)
                return
            if earlier_rule > conj.rule_index:
                return  # two rules emit this outcome: the later one wins (the loader lets no rule read it)
        self.fired[outcome_id] = Fired(outcome_id, engine._rule_ids[conj.rule_index], conj.variant, [conj.literals])
        if conj.variant == "strong" and outcome_id in engine._p1:
            self.assert_outcome(outcome_id, conj.variant)  # only P1 reads outcome facts
        chained = [
            lid
            for lid in engine.compiled.literals_by_outcome.get(outcome_id, [])
            if outcome_literal_satisfied(
                engine.compiled.outcome_literals[lid].leaf, engine.compiled.outcome_literals[lid].mode, conj.variant
            )
        ]
        self.assert_facts(chained)


_ENGINES: dict[str, Engine] = {}


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


__all__ = ["Engine", "EngineError", "Fired", "engine_for"]
