"""What-if, checked by evaluating again: applying the answers a what-if names must make the outcome strong
("would be strong if") or make it apply ("would apply if"), for every public case of every version."""

import pytest

from rules import conditions as c
from rules import evaluate, load_ruleset
from rules.whatif import satisfying
from tests.conftest import VERSIONS, load_public_cases

CASES = [(version, case) for version in VERSIONS for case in load_public_cases(version)]
IDS = [f"v{version}-{case['id']}" for version, case in CASES]


def _apply(questionnaire, answers: dict, steps) -> dict:
    """The answers with the what-if's values, and (as the interview does) the answers that no longer apply set
    aside."""
    changed = dict(answers)
    for step in steps:
        changed[step.question] = step.value
    while True:
        statuses = questionnaire.statuses(changed)
        hidden = [qid for qid in changed if statuses.get(qid) == c.NA]
        if not hidden:
            return changed
        for qid in hidden:
            del changed[qid]


@pytest.mark.parametrize(("version", "case"), CASES, ids=IDS)
def test_what_if_answers_do_what_they_say(version, case):
    ruleset = load_ruleset(f"military_service/{version}")
    assessment = evaluate(case["answers"], ruleset=ruleset)
    checked = 0
    for outcome in assessment.outcomes:
        assert bool(outcome.would_be_strong_if) <= (outcome.strength != "strong")
        steps = outcome.would_be_strong_if
        if not steps or any(s.question is None for s in steps):
            continue
        again = evaluate(_apply(ruleset.questionnaire, case["answers"], steps), ruleset=ruleset).outcome(outcome.id)
        assert again is not None, (outcome.id, [s.as_dict() for s in steps])
        assert again.strength == "strong" or again.downgraded_by == "P1", (outcome.id, [s.as_dict() for s in steps])
        checked += 1
    for not_met in assessment.not_met:
        steps = not_met.would_apply_if
        assert all(s.current != c.TRUE for s in steps)
        if not steps or any(s.question is None for s in steps):
            continue
        again = evaluate(_apply(ruleset.questionnaire, case["answers"], steps), ruleset=ruleset).outcome(not_met.id)
        assert again is not None, (not_met.id, [s.as_dict() for s in steps])
        checked += 1
    # each step changes an answer: its literal does not hold today
    for outcome in assessment.outcomes:
        for step in outcome.would_be_strong_if:
            assert step.current in (c.FALSE, c.UNKNOWN)


def test_some_public_cases_have_what_ifs_of_both_kinds():
    ruleset = load_ruleset()
    strong = apply = 0
    for case in load_public_cases(ruleset.version):
        assessment = evaluate(case["answers"], ruleset=ruleset)
        strong += sum(1 for o in assessment.outcomes if o.would_be_strong_if)
        apply += sum(1 for n in assessment.not_met if n.would_apply_if)
    assert strong >= 20 and apply >= 20


def test_satisfying_values_respect_every_literal_on_the_question():
    ruleset = load_ruleset()
    question = ruleset.questionnaire.by_id["coi_penalty_assessment"]
    allowed, value = satisfying(
        question,
        [
            ({"q": question.id, "in": ["disproportionate", "applied_more_harshly_to_group"]}, False),
            ({"q": question.id, "eq": "disproportionate"}, True),
        ],
        None,
    )
    assert allowed == ("applied_more_harshly_to_group",) and value == "applied_more_harshly_to_group"
    # contradictory literals: nothing satisfies them, so no what-if is offered
    assert (
        satisfying(
            question,
            [
                ({"q": question.id, "eq": "disproportionate"}, False),
                ({"q": question.id, "eq": "disproportionate"}, True),
            ],
            None,
        )
        is None
    )


def test_multi_choice_what_if_keeps_todays_choices():
    ruleset = load_ruleset()
    question = ruleset.questionnaire.by_id["reasons_for_refusal"]
    first, second = [o for o in question.option_ids if o != "unknown"][:2]
    _, value = satisfying(question, [({"q": question.id, "any_of": [second]}, False)], [first])
    assert set(value) == {first, second}


def test_a_deprecated_option_is_never_suggested():
    ruleset = load_ruleset()
    question = ruleset.questionnaire.by_id["coi_alternative_service"]
    assert any(o.label.startswith("DEPRECATED") for o in question.options)
    allowed, value = satisfying(
        question,
        [({"q": question.id, "in": ["exists_but_punitive", "exists_punitive_length_or_conditions"]}, False)],
        None,
    )
    assert allowed == ("exists_punitive_length_or_conditions",) and value == "exists_punitive_length_or_conditions"
