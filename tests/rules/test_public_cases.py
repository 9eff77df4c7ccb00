"""The 30 public example cases (shared spec cases-public.yaml, copied here) as parametrised tests."""

import pytest

from rules import evaluate
from rules.oracle import oracle_outcomes
from rules.validation import validate_answers
from tests.conftest import load_public_cases

CASES = load_public_cases()


@pytest.fixture(scope="module", params=CASES, ids=[c["id"] for c in CASES])
def case_result(request):
    case = request.param
    return case, {o.id: o for o in evaluate(case["answers"]).outcomes}


def test_present_is_exactly_the_emitted_set(case_result):
    case, outcomes = case_result
    assert sorted(outcomes) == sorted(case["expected"]["present"])


def test_absent_outcomes_are_not_emitted(case_result):
    case, outcomes = case_result
    assert not set(case["expected"].get("absent", [])) & set(outcomes)


def test_strengths(case_result):
    case, outcomes = case_result
    expected = case["expected"].get("strength", {})
    assert {k: outcomes[k].strength for k in expected if k in outcomes} == expected


def test_missing_questions(case_result):
    case, outcomes = case_result
    expected = case["expected"].get("missing_questions", {})
    assert {k: list(outcomes[k].missing_questions) for k in expected if k in outcomes} == expected
    for outcome in outcomes.values():
        assert bool(outcome.missing_questions) <= (outcome.strength == "needs_information")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_oracle_agrees_on_public_case(case, ruleset):
    answers, errors = validate_answers(ruleset.questionnaire, case["answers"])
    assert errors == []
    oracle = oracle_outcomes(ruleset, answers)
    assert sorted(oracle) == sorted(case["expected"]["present"])
