"""The durable_rules engine: differential test against the oracle, concurrency, state hygiene, errors."""

import random
import resource
import threading

import durable_rules_engine
import pytest

from rules import engine as engine_module
from rules import evaluate
from rules.compiler import DURABLE_ALPHA_STACK
from rules.conditions import MISS, NA, OK, leaf_key
from rules.engine import Engine, EngineError, engine_for
from rules.oracle import oracle_evaluation, oracle_outcomes
from rules.sampling import answer_sets, random_answers
from rules.validation import validate_answers

DIFFERENTIAL_SETS = 5000


def engine_view(assessment) -> dict:
    return {o.id: (o.strength, list(o.missing_questions)) for o in assessment.outcomes}


def oracle_view(ruleset, answers) -> dict:
    normalised, errors = validate_answers(ruleset.questionnaire, answers)
    assert errors == []
    return {k: (v["strength"], v["missing_questions"]) for k, v in oracle_outcomes(ruleset, normalised).items()}


def test_engine_agrees_with_the_oracle_on_random_answer_sets(ruleset):
    engine = engine_for(ruleset)
    seen_status = {q.id: set() for q in ruleset.questionnaire.questions}
    true_literals: set[str] = set()
    emitted: dict[str, set[str]] = {}
    mismatches = []
    for answers in answer_sets(ruleset.questionnaire, DIFFERENTIAL_SETS, seed=20261130):
        got = engine_view(evaluate(answers, ruleset=ruleset))
        want = oracle_view(ruleset, answers)
        if got != want:
            mismatches.append((answers, got, want))
        statuses = ruleset.questionnaire.statuses(answers)
        for qid, status in statuses.items():
            seen_status[qid].add(status)
        true_literals.update(engine.true_literals(statuses, answers))
        for outcome_id, (strength, _) in got.items():
            emitted.setdefault(outcome_id, set()).add(strength)
    assert mismatches == []
    # The random sets really exercise the rules: every literal the engine uses held at least once, every
    # question was seen answered and missing, and every outcome was emitted.
    used = {lit.id for lit in engine._question_literals}
    assert used - true_literals == set()
    assert all({OK, MISS} <= statuses for statuses in seen_status.values())
    assert {q for q, statuses in seen_status.items() if NA in statuses} == {
        q.id for q in ruleset.questionnaire.questions if q.show_if is not None
    }
    assert set(emitted) == set(ruleset.outcomes)


HOLDS = {"true": "true", "false": "false", "unknown": "unknown"}


def _reason_keys(reasons) -> set:
    return {(leaf_key(r.condition), r.negated, r.holds) for r in reasons}


def _oracle_keys(found) -> set:
    return {(leaf_key(leaf), negated, HOLDS[value]) for leaf, negated, value in found}


def explanation_view(assessment) -> dict:
    return {
        "outcomes": {o.id: (_reason_keys(o.why), _reason_keys(o.why_not_strong)) for o in assessment.outcomes},
        "not_met": {n.id: _reason_keys(n.failed) for n in assessment.not_met},
    }


def oracle_explanation_view(ruleset, answers) -> dict:
    normalised, errors = validate_answers(ruleset.questionnaire, answers)
    assert errors == []
    results, not_met = oracle_evaluation(ruleset, normalised)
    return {
        "outcomes": {k: (_oracle_keys(v["why"]), _oracle_keys(v["why_not_strong"])) for k, v in results.items()},
        "not_met": {k: _oracle_keys(v) for k, v in not_met.items()},
    }


def test_explanations_agree_with_the_oracle_on_random_answer_sets(ruleset):
    """why (from the engine's firing conjuncts), why_not_strong and not_met against the oracle's plain reading
    of the conditions; and the explanations mention no question that was not asked."""
    mismatches = []
    kinds = {"why": 0, "why_not_strong": 0, "not_met": 0, "false": 0, "unknown": 0}
    for answers in answer_sets(ruleset.questionnaire, DIFFERENTIAL_SETS // 5, seed=20261206):
        assessment = evaluate(answers, ruleset=ruleset)
        got, want = explanation_view(assessment), oracle_explanation_view(ruleset, answers)
        if got != want:
            mismatches.append((answers, got, want))
        statuses = ruleset.questionnaire.statuses(answers)
        for outcome in assessment.outcomes:
            for reason in (*outcome.why, *outcome.why_not_strong):
                assert reason.question is None or statuses[reason.question] != NA
            kinds["why"] += bool(outcome.why)
            kinds["why_not_strong"] += bool(outcome.why_not_strong)
            kinds["unknown"] += any(r.holds == "unknown" for r in outcome.why)
        kinds["not_met"] += len(assessment.not_met)
        kinds["false"] += sum(r.holds == "false" for n in assessment.not_met for r in n.failed)
    assert mismatches[:3] == []
    assert all(kinds.values()), kinds  # every kind of explanation was exercised


def test_explanations_are_deterministic(ruleset):
    for answers in answer_sets(ruleset.questionnaire, 50, seed=3):
        assert evaluate(answers, ruleset=ruleset).as_dict() == evaluate(answers, ruleset=ruleset).as_dict()


def test_the_real_ruleset_stays_within_durables_limits(ruleset):
    compiled = engine_for(ruleset).compiled
    assert compiled.alpha_stack_bound < DURABLE_ALPHA_STACK
    # Error 113 at load: at most ~15 tests per pattern.
    for rule in compiled.definition.values():
        for pattern in rule["all"]:
            (body,) = pattern.values()
            assert len(body.get("$and", [body])) <= 15


def test_every_question_status_is_asserted_without_engine_errors(ruleset):
    """For every question, evaluate it answered with each possible value, unknown, and unanswered."""
    rng = random.Random(7)
    questionnaire = ruleset.questionnaire
    for question in questionnaire.questions:
        if question.type in ("single_choice",):
            values = list(question.option_ids)
        elif question.type == "multi_choice":
            values = [[option] for option in question.option_ids]
        elif question.type == "boolean":
            values = [True, False]
        else:
            values = [None]
        for value in [*values, None]:
            for _ in range(3):
                answers = random_answers(questionnaire, rng, skip=0.0)
                answers.pop(question.id, None)
                if value is not None and questionnaire.statuses(answers)[question.id] != NA:
                    answers[question.id] = value
                answers, errors = validate_answers(questionnaire, answers)
                if errors:  # the new value made a later answer not applicable: drop those answers
                    for error in errors:
                        answers.pop(error.question)
                assert engine_view(evaluate(answers, ruleset=ruleset)) == oracle_view(ruleset, answers)


def test_concurrent_evaluations_match_sequential_results(ruleset):
    inputs = list(answer_sets(ruleset.questionnaire, 1000, seed=8))
    expected = [evaluate(a, ruleset=ruleset).as_dict() for a in inputs]
    mismatches = []

    def worker(offset):
        for i in range(len(inputs)):
            k = (i + offset * 125) % len(inputs)
            if evaluate(inputs[k], ruleset=ruleset).as_dict() != expected[k]:
                mismatches.append(k)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []


def test_each_evaluation_leaves_its_state_empty_for_the_next(ruleset):
    """One durable state, reused: each evaluation retracts every fact it asserted (durable allows only 1024 live
    states per ruleset; the facts are safe to retract because no compiled rule joins two facts)."""
    engine = Engine(ruleset)
    handle = engine._handle()
    inputs = list(answer_sets(ruleset.questionnaire, 50, seed=9))
    sids = set()
    for answers in inputs:
        assert engine_view_fired(engine, ruleset, answers) == oracle_view(ruleset, answers)
        sids.add(engine.sid)
        assert durable_rules_engine.get_facts(handle, engine.sid) == "[]"
    assert len(sids) == 1


def test_every_compiled_rule_is_one_pattern_except_the_sink(ruleset):
    """What makes the reused state safe: a fact is never joined to another, so retracting one never leaves a
    frame behind in another fact (durable read freed memory then). The sink's second pattern matches no fact."""
    definition = engine_for(ruleset).compiled.definition
    joined = {name: rule for name, rule in definition.items() if len(rule["all"]) > 1}
    assert list(joined) == ["sink"]
    assert joined["sink"]["all"][1] == {"n": {"never": 1}}


def test_a_failed_evaluation_deletes_its_state(ruleset, monkeypatch):
    engine = Engine(ruleset)
    handle = engine._handle()
    answers = next(answer_sets(ruleset.questionnaire, 1, seed=12))
    engine_view_fired(engine, ruleset, answers)
    first = engine.sid

    def failing_act(self, message):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine_module._Session, "act", failing_act)
    with pytest.raises(EngineError, match="boom"):
        engine_view_fired(engine, ruleset, answers)
    assert engine.sid == first
    with pytest.raises(durable_rules_engine.error):  # deleted: a failure may leave facts behind
        durable_rules_engine.get_state(handle, first)
    monkeypatch.undo()
    assert engine_view_fired(engine, ruleset, answers) == oracle_view(ruleset, answers)
    assert engine.sid != first


def test_many_evaluations_do_not_grow_memory(ruleset):
    engine = engine_for(ruleset)
    inputs = list(answer_sets(ruleset.questionnaire, 2000, seed=9))
    evaluate(inputs[0], ruleset=ruleset)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for answers in inputs:
        evaluate(answers, ruleset=ruleset)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert rss_after - rss_before < 20 * 1024  # KiB: no per-evaluation growth
    assert durable_rules_engine.get_facts(engine._handle(), engine.sid) == "[]"


def engine_view_fired(engine, ruleset, answers) -> dict:
    statuses = ruleset.questionnaire.statuses(answers)
    fired = engine.run(statuses, answers, explain=False)
    return {
        oid: (f.strength, [q for q in ruleset.rule_by_id[f.rule].when_questions if statuses[q] == MISS])
        if f.strength == "needs_information"
        else (f.strength, [])
        for oid, f in fired.items()
    }


def test_an_error_inside_an_action_surfaces_and_leaves_the_engine_usable(ruleset, monkeypatch):
    answers = next(answer_sets(ruleset.questionnaire, 1, seed=10))
    expected = evaluate(answers, ruleset=ruleset).as_dict()
    real_act = engine_module._Session.act

    def failing_act(self, message):
        if message.startswith('{"R'):
            raise RuntimeError("boom")
        return real_act(self, message)

    monkeypatch.setattr(engine_module._Session, "act", failing_act)
    with pytest.raises(EngineError, match="boom"):
        evaluate(answers, ruleset=ruleset)
    monkeypatch.setattr(engine_module._Session, "act", real_act)
    assert evaluate(answers, ruleset=ruleset).as_dict() == expected


def test_evaluation_is_deterministic_and_ignores_answer_order(ruleset):
    answers = next(answer_sets(ruleset.questionnaire, 1, seed=11))
    reordered = dict(reversed(list(answers.items())))
    assert evaluate(answers, ruleset=ruleset).as_dict() == evaluate(reordered, ruleset=ruleset).as_dict()
