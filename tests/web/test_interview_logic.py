"""The interview's logic: which questions are asked, section statuses, form parsing, never losing an answer."""

import pytest
from django.http import QueryDict

from screening import interview as iv
from screening.auth import Actor
from screening.models import Organisation
from screening.services import screening_create, screening_save_answers


def form(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return data


def test_follow_ups_are_asked_only_once_their_parent_says_so(ruleset):
    questionnaire = ruleset.questionnaire
    ids = [q.id for q in iv.section_questions(questionnaire, {}, "profile", iv.CASEWORKER)]
    assert "other_nationality_country" not in ids and "has_other_nationality" in ids
    ids = [q.id for q in iv.section_questions(questionnaire, {"has_other_nationality": True}, "profile", iv.CASEWORKER)]
    assert "other_nationality_country" in ids


def test_claimant_mode_leaves_coi_questions_to_the_caseworker(ruleset):
    answers = {"military_situation": "summoned_did_not_report"}
    claimant = {q.id for q in iv.all_questions_in_order(ruleset.questionnaire, answers, iv.CLAIMANT)}
    caseworker = {q.id for q in iv.all_questions_in_order(ruleset.questionnaire, answers, iv.CASEWORKER)}
    assert "coi_evaders_treated_as_disloyal" in caseworker - claimant
    assert "recruiting_force" in claimant  # audience "either"


def test_section_statuses(ruleset):
    questionnaire = ruleset.questionnaire
    assert iv.section_status(questionnaire, {}, "profile", iv.CASEWORKER) == iv.NOT_STARTED
    assert iv.section_status(questionnaire, {"country_of_origin": "RU"}, "profile", iv.CASEWORKER) == iv.IN_PROGRESS
    assert iv.section_status(questionnaire, {}, "service_conditions", iv.CASEWORKER) == iv.CANNOT_START_YET
    none = {"military_situation": "none_of_these", "has_served": False}
    assert iv.section_status(questionnaire, none, "service_conditions", iv.CASEWORKER) == iv.NOT_NEEDED


def test_parse_form_reads_every_type_and_names_each_bad_field(ruleset):
    questions = [
        ruleset.questionnaire.by_id[qid]
        for qid in (
            "age",
            "has_other_nationality",
            "gender",
            "feared_consequences",
            "date_left_country",
            "host_country",
        )
    ]
    answers, errors = iv.parse_form(
        questions,
        form(
            age="19",
            has_other_nationality="false",
            gender="male",
            feared_consequences=["imprisonment", "criminal_prosecution"],
            **{"date_left_country-day": "27", "date_left_country-month": "9", "date_left_country-year": "2022"},
            host_country="de",
        ),
    )
    assert errors == []
    assert answers == {
        "age": 19,
        "has_other_nationality": False,
        "gender": "male",
        "feared_consequences": ["criminal_prosecution", "imprisonment"],
        "date_left_country": "2022-09-27",
        "host_country": "DE",
    }
    answers, errors = iv.parse_form(
        questions,
        form(
            age="nineteen",
            gender="robot",
            feared_consequences=["none", "imprisonment"],
            **{"date_left_country-day": "31", "date_left_country-month": "2", "date_left_country-year": "2022"},
            host_country="Germany",
        ),
    )
    assert answers == {}
    assert [(e.question, e.field) for e in errors] == [
        ("age", "q-age"),
        ("gender", "q-gender-0"),
        ("feared_consequences", "q-feared_consequences-0"),
        ("date_left_country", "q-date_left_country-day"),
        ("host_country", "q-host_country"),
    ]


@pytest.mark.django_db
def test_a_change_sets_answers_aside_and_restores_them(ruleset):
    actor = Actor(organisation=Organisation.objects.create(name="Org"))
    served = {"has_served": True, "rank_level": "nco", "roles_in_service": ["medical"]}
    screening = screening_create(actor=actor, answers={"country_of_origin": "RU", **served})
    screening = screening_save_answers(actor=actor, screening=screening, answers={"has_served": False})
    assert "rank_level" not in screening.answers
    assert screening.set_aside_answers == {"rank_level": "nco", "roles_in_service": ["medical"]}
    screening = screening_save_answers(actor=actor, screening=screening, answers={"has_served": True})
    assert screening.answers == {"country_of_origin": "RU", **served}
    assert screening.set_aside_answers == {}
    assert screening.version == 3
