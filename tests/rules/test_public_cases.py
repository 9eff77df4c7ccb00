"""The public example cases of every ruleset version (the shared spec's cases-public.yaml of that version,
copied here), each run under its own version, as parametrised tests."""

import pytest

from rules import evaluate, load_ruleset
from rules.oracle import oracle_outcomes
from rules.validation import validate_answers
from tests.conftest import VERSIONS, load_public_cases

CASES = [(version, case) for version in VERSIONS for case in load_public_cases(version)]
IDS = [f"v{version}-{case['id']}" for version, case in CASES]


@pytest.fixture(scope="module", params=CASES, ids=IDS)
def case_result(request):
    version, case = request.param
    ruleset = load_ruleset(f"military_service/{version}")
    return case, {o.id: o for o in evaluate(case["answers"], ruleset=ruleset).outcomes}


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


@pytest.mark.parametrize(("version", "case"), CASES, ids=IDS)
def test_oracle_agrees_on_public_case(version, case):
    ruleset = load_ruleset(f"military_service/{version}")
    answers, errors = validate_answers(ruleset.questionnaire, case["answers"])
    assert errors == []
    oracle = oracle_outcomes(ruleset, answers)
    assert sorted(oracle) == sorted(case["expected"]["present"])
    assert {k: v["strength"] for k, v in oracle.items() if k in case["expected"].get("strength", {})} == case[
        "expected"
    ].get("strength", {})


def test_every_version_has_its_public_cases():
    assert len(load_public_cases("1.0.0")) == 30
    assert len(load_public_cases("1.1.0")) >= 56
