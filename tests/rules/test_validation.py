"""Validation before evaluation: every error code, with the question id and a plain message; nothing evaluated."""

import pytest

from rules import ErrorCode, InvalidAnswers, evaluate, load_ruleset, validate
from rules.engine import engine_for

BASE = {"country_of_origin": "RU", "host_country": "DE", "military_situation": "summoned_did_not_report"}


@pytest.mark.parametrize(
    ("answers", "question", "code"),
    [
        ({"favourite_colour": "blue"}, "favourite_colour", ErrorCode.UNKNOWN_QUESTION),
        ({"has_served": "yes"}, "has_served", ErrorCode.INVALID_TYPE),
        ({"age": "19"}, "age", ErrorCode.INVALID_TYPE),
        ({"age": True}, "age", ErrorCode.INVALID_TYPE),
        ({"age": 19.5}, "age", ErrorCode.INVALID_TYPE),
        ({"age": 250}, "age", ErrorCode.OUT_OF_RANGE),
        ({"age": -1}, "age", ErrorCode.OUT_OF_RANGE),
        ({"gender": "robot"}, "gender", ErrorCode.UNKNOWN_OPTION),
        ({"gender": ["male"]}, "gender", ErrorCode.INVALID_TYPE),
        ({"feared_consequences": "imprisonment"}, "feared_consequences", ErrorCode.INVALID_TYPE),
        ({"feared_consequences": ["imprisonment", "exile"]}, "feared_consequences", ErrorCode.UNKNOWN_OPTION),
        (
            {"feared_consequences": ["imprisonment", "imprisonment"]},
            "feared_consequences",
            ErrorCode.DUPLICATE_OPTION,
        ),
        ({"feared_consequences": ["none", "imprisonment"]}, "feared_consequences", ErrorCode.EXCLUSIVE_OPTION),
        ({"country_of_origin": "XX"}, "country_of_origin", ErrorCode.INVALID_COUNTRY),
        ({"country_of_origin": "ru"}, "country_of_origin", ErrorCode.INVALID_COUNTRY),
        ({"country_of_origin": "RUS"}, "country_of_origin", ErrorCode.INVALID_COUNTRY),
        ({"country_of_origin": 7}, "country_of_origin", ErrorCode.INVALID_TYPE),
        ({"date_left_country": "2022-02-30"}, "date_left_country", ErrorCode.INVALID_DATE),
        ({"date_left_country": "27/09/2022"}, "date_left_country", ErrorCode.INVALID_DATE),
        ({"date_left_country": "20220927"}, "date_left_country", ErrorCode.INVALID_DATE),
        ({"ethnic_minority": True, "ethnic_group_name": "x" * 501}, "ethnic_group_name", ErrorCode.TOO_LONG),
        # show_if false: other_nationality_country is asked only when has_other_nationality is true
        (
            {"has_other_nationality": False, "other_nationality_country": "KZ"},
            "other_nationality_country",
            ErrorCode.NOT_APPLICABLE,
        ),
        (
            {"military_situation": "none_of_these", "recruiting_force": "state_armed_forces"},
            "recruiting_force",
            ErrorCode.NOT_APPLICABLE,
        ),
    ],
)
def test_each_error_names_the_question_and_code_and_nothing_is_evaluated(answers, question, code, monkeypatch):
    errors = validate(answers)
    assert [(e.question, e.code) for e in errors] == [(question, code)]
    assert errors[0].message and errors[0].message[0].isupper()
    calls = []
    monkeypatch.setattr(type(engine_for(_ruleset())), "run", lambda *a, **k: calls.append(1))
    with pytest.raises(InvalidAnswers) as raised:
        evaluate(answers)
    assert raised.value.errors == errors
    assert calls == []


def _ruleset():
    from rules import load_ruleset

    return load_ruleset()


def test_answers_must_be_an_object():
    errors = validate(["country_of_origin", "RU"])
    assert [(e.question, e.code) for e in errors] == [(None, ErrorCode.NOT_AN_OBJECT)]


def test_every_problem_is_reported_at_once_in_questionnaire_order():
    errors = validate({"age": "old", "country_of_origin": "Russia", "nonsense": 1})
    assert [(e.question, e.code) for e in errors] == [
        ("country_of_origin", ErrorCode.INVALID_COUNTRY),
        ("age", ErrorCode.INVALID_TYPE),
        ("nonsense", ErrorCode.UNKNOWN_QUESTION),
    ]


def test_error_messages_never_repeat_the_answer_value():
    errors = validate({"ethnic_minority": True, "ethnic_group_name": "SECRET-" + "x" * 600, "religion": "SECRET"})
    assert errors and all("SECRET" not in e.message for e in errors)


def test_partial_answer_sets_are_valid_and_give_needs_information():
    assert validate(BASE) == []
    outcomes = {o.id: o for o in evaluate(BASE).outcomes}
    assert outcomes["act_9_2_e_military_service_excludable_acts"].strength == "needs_information"
    assert "recruiting_force" in outcomes["act_9_2_e_military_service_excludable_acts"].missing_questions


def test_empty_values_mean_unanswered():
    assert validate({**BASE, "age": None, "feared_consequences": [], "ethnic_group_name": ""}) == []
    assert "age" in evaluate({**BASE, "age": None}).unanswered


def test_unknown_counts_as_missing_but_not_as_unanswered():
    assessment = evaluate({**BASE, "recruiting_force": "state_armed_forces", "armed_conflict_involvement": "unknown"})
    assert "armed_conflict_involvement" not in assessment.unanswered
    act = assessment.outcome("act_9_2_e_military_service_excludable_acts")
    assert "armed_conflict_involvement" in act.missing_questions


def test_compiled_statuses_agree_with_the_plain_reading(ruleset):
    """Questionnaire.statuses runs each show_if compiled; the oracle's plain_statuses reads it with
    conditions.evaluate. Mixed answer sets (answers to questions that may not apply, unknowns, gaps) exercise
    every status of every question."""
    import random

    from rules.conditions import MISS, NA, OK
    from rules.oracle import plain_statuses
    from rules.sampling import random_answers

    rng = random.Random(20261207)
    questionnaire = ruleset.questionnaire
    seen = {q.id: set() for q in questionnaire.questions}
    for _ in range(3000):
        merged = {**random_answers(questionnaire, rng, skip=0.0), **random_answers(questionnaire, rng)}
        for qid in rng.sample(sorted(merged), k=rng.randint(0, len(merged) // 3)):
            merged[qid] = rng.choice([None, "unknown"]) if rng.random() < 0.5 else merged.pop(qid) and None
        statuses = questionnaire.statuses(merged)
        assert statuses == plain_statuses(ruleset, merged)
        for qid, status in statuses.items():
            seen[qid].add(status)
    assert all({OK, MISS} <= found for found in seen.values())
    assert {qid for qid, found in seen.items() if NA in found} == {
        q.id for q in questionnaire.questions if q.show_if is not None
    }


def test_the_fast_path_of_check_value_agrees_with_the_full_checks():
    """_check_value returns common valid answers at once; on every question of every version, valid and invalid
    values alike, it must give what the full checks give (normalised value and problems)."""
    from rules.validation import EXCLUSIVE_OPTIONS, INTEGER_MAX, INTEGER_MIN, _check_value, _check_value_fully

    for version in ("1.0.0", "1.1.0"):
        questionnaire = load_ruleset(f"military_service/{version}").questionnaire
        for question in questionnaire.questions:
            options = list(question.option_ids)
            values = [None, "", [], True, False, 0, 1, -1, INTEGER_MIN, INTEGER_MAX, INTEGER_MAX + 1, 1.0, "1", {}]
            values += ["RU", "ru", "XX", "2022-09-21", "2022-09", "unknown", ["unknown"], [1], [None], "zz"]
            values += options + [[o] for o in options] + [options, options[::-1], options[:2] * 2]
            values += [[o, e] for o in options[:3] for e in EXCLUSIVE_OPTIONS]
            for value in values:
                fast, full = _check_value(question, value), _check_value_fully(question, value)
                assert (fast[0], list(fast[1])) == (full[0], list(full[1])), (version, question.id, value)
