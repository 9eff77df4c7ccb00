"""Every answer error code reaches the client, with its question id, through evaluate/ and screenings/; plus
incomplete and free_text_not_accepted. An invalid request stores nothing and audits nothing."""

from __future__ import annotations

import pytest

from rules import ErrorCode
from screening import services
from screening.errors import ApiErrorCode
from screening.models import AuditEvent, Screening, ScreeningOutcome

from .conftest import VALID_ANSWERS, detail_url

pytestmark = pytest.mark.django_db

SECRET = "SECRET-ANSWER-VALUE"

# (answers, question, code): at least one case of every rules.ErrorCode.
CASES = [
    (["country_of_origin", "RU"], None, ErrorCode.NOT_AN_OBJECT),
    ("RU", None, ErrorCode.NOT_AN_OBJECT),
    ({SECRET: "blue"}, SECRET, ErrorCode.UNKNOWN_QUESTION),
    ({"has_served": "yes"}, "has_served", ErrorCode.INVALID_TYPE),
    ({"age": SECRET}, "age", ErrorCode.INVALID_TYPE),
    ({"age": 250}, "age", ErrorCode.OUT_OF_RANGE),
    ({"gender": SECRET}, "gender", ErrorCode.UNKNOWN_OPTION),
    ({"feared_consequences": ["imprisonment", "imprisonment"]}, "feared_consequences", ErrorCode.DUPLICATE_OPTION),
    ({"feared_consequences": ["none", "imprisonment"]}, "feared_consequences", ErrorCode.EXCLUSIVE_OPTION),
    ({"country_of_origin": "XX"}, "country_of_origin", ErrorCode.INVALID_COUNTRY),
    ({"date_left_country": "2022-02-30"}, "date_left_country", ErrorCode.INVALID_DATE),
    ({"date_left_country": "2999-05"}, "date_left_country", ErrorCode.FUTURE_DATE),
    (
        {"age": 19, "military_situation": "openly_refused", "recruitment_age": 60},
        "recruitment_age",
        ErrorCode.CONTRADICTION,
    ),
    ({"ethnic_minority": True, "ethnic_group_name": SECRET * 40}, "ethnic_group_name", ErrorCode.TOO_LONG),
    ({"ethnic_minority": True, "ethnic_group_name": SECRET + "\x00"}, "ethnic_group_name", ErrorCode.INVALID_TYPE),
    (
        {"has_other_nationality": False, "other_nationality_country": "KZ"},
        "other_nationality_country",
        ErrorCode.NOT_APPLICABLE,
    ),
]


def test_the_cases_cover_every_rules_error_code():
    assert {code for _, _, code in CASES} == set(ErrorCode)


def test_one_enum_holds_every_code():
    values = {c.value for c in ApiErrorCode}
    assert {c.value for c in ErrorCode} <= values
    assert {services.REQUIRED_FOR_COMPLETE, services.FREE_TEXT_NOT_ACCEPTED} <= values


def _stored():
    return Screening.objects.count(), ScreeningOutcome.objects.count(), AuditEvent.objects.count()


def _assert_invalid(response, question, code):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_answers"
    assert {"question": question, "code": str(code)} in [
        {"question": e["question"], "code": e["code"]} for e in body["errors"]
    ]
    assert all(
        set(e) - {"check", "questions"} == {"question", "code", "message"} and e["message"] for e in body["errors"]
    )
    assert all(("check" in e) == (e["code"] == "contradiction") for e in body["errors"])
    if code == ErrorCode.CONTRADICTION:  # one item per question the check names, each naming them all
        named = [(e["question"], e["check"], e["questions"]) for e in body["errors"]]
        assert named == [
            ("recruitment_age", "recruitment_age_above_age", ["recruitment_age", "age"]),
            ("age", "recruitment_age_above_age", ["recruitment_age", "age"]),
        ] or sorted(named) == sorted(
            [
                ("recruitment_age", "recruitment_age_above_age", ["recruitment_age", "age"]),
                ("age", "recruitment_age_above_age", ["recruitment_age", "age"]),
            ]
        )
    assert SECRET not in response.content.decode().replace(f'"question":"{SECRET}"', "")


@pytest.mark.parametrize(("answers", "question", "code"), CASES)
def test_each_code_through_evaluate(partner, answers, question, code):
    before = _stored()
    response = partner.api.post("/api/v1/evaluate/", {"answers": answers}, format="json")
    _assert_invalid(response, question, code)
    assert _stored() == before


@pytest.mark.parametrize(("answers", "question", "code"), CASES)
def test_each_code_through_create(partner, answers, question, code):
    before = _stored()
    response = partner.api.post("/api/v1/screenings/", {"answers": answers, "reference": "r"}, format="json")
    _assert_invalid(response, question, code)
    assert _stored() == before


@pytest.mark.parametrize(("answers", "question", "code"), [c for c in CASES if isinstance(c[0], dict)])
def test_each_code_through_patch(partner, answers, question, code):
    screening = services.screening_create(actor=partner.actor, answers={})
    before = _stored()
    response = partner.api.patch(detail_url(screening.id), {"answers": answers}, format="json")
    _assert_invalid(response, question, code)
    assert _stored() == before
    assert Screening.objects.get(pk=screening.id).version == 1


@pytest.mark.parametrize("answers", [["age", 1], "x", 3])
def test_patch_answers_must_be_an_object(partner, answers):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    response = partner.api.patch(detail_url(screening.id), {"answers": answers}, format="json")
    _assert_invalid(response, None, ErrorCode.NOT_AN_OBJECT)
    assert Screening.objects.get(pk=screening.id).version == 1


def test_a_complete_screening_needs_the_required_questions(partner):
    before = _stored()
    response = partner.api.post(
        "/api/v1/screenings/", {"answers": {"country_of_origin": "RU"}, "status": "complete"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["question"], e["code"]) for e in errors] == [
        ("host_country", "incomplete"),
        ("military_situation", "incomplete"),
    ]
    assert _stored() == before
    screening = services.screening_create(actor=partner.actor, answers={"country_of_origin": "RU"})
    response = partner.api.patch(detail_url(screening.id), {"status": "complete"}, format="json")
    assert response.status_code == 400 and {e["code"] for e in response.json()["errors"]} == {"incomplete"}
    assert Screening.objects.get(pk=screening.id).status == "draft"


def test_evaluate_accepts_no_free_text(partner):
    answers = {**VALID_ANSWERS, "ethnic_minority": True, "ethnic_group_name": SECRET}
    response = partner.api.post("/api/v1/evaluate/", {"answers": answers}, format="json")
    _assert_invalid(response, "ethnic_group_name", "free_text_not_accepted")
    assert len(response.json()["errors"]) == 1
    # empty text means unanswered, which is fine; stored screenings may hold the text answer
    answers["ethnic_group_name"] = ""
    assert partner.api.post("/api/v1/evaluate/", {"answers": answers}, format="json").status_code == 200
    answers["ethnic_group_name"] = SECRET
    assert partner.api.post("/api/v1/screenings/", {"answers": answers}, format="json").status_code == 201


def test_every_problem_is_reported_at_once(partner):
    answers = {"age": "old", "country_of_origin": "Russia", "nonsense": 1, "ethnic_group_name": "x"}
    response = partner.api.post("/api/v1/evaluate/", {"answers": answers}, format="json")
    assert [(e["question"], e["code"]) for e in response.json()["errors"]] == [
        ("country_of_origin", "invalid_country"),
        ("age", "invalid_type"),
        ("ethnic_group_name", "free_text_not_accepted"),
        ("nonsense", "unknown_question"),
    ]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "answers", "required"),
        ({"answers": None}, "answers", "null"),
        ({"answers": {}, "apply_country_profile": "maybe"}, "apply_country_profile", "invalid"),
        ({"answers": {}, "answer": {}}, "answer", "unknown_field"),
        (["answers"], None, "invalid"),
    ],
)
def test_evaluate_request_shape_errors(partner, body, field, code):
    response = partner.api.post("/api/v1/evaluate/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert [(e.get("field"), e["code"], e["question"]) for e in response.json()["errors"]] == [(field, code, None)]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"answers": {}, "status": SECRET}, "status", "invalid_choice"),
        ({"answers": {}, "language": "de"}, "language", "invalid_choice"),
        ({"answers": {}, "respondent": "robot"}, "respondent", "invalid_choice"),
        ({"answers": {}, "reference": "r" * 101}, "reference", "max_length"),
        ({"answers": {}, "reference": None}, "reference", "null"),
        ({"answers": {}, "reference": 5}, "reference", "invalid_type"),  # was stored as "5" (review D21)
        ({"answers": {}, "reference": 5.0}, "reference", "invalid_type"),
        ({"answers": {}, "reference": ["r"]}, "reference", "invalid_type"),
        ({"answers": {}, "version": 7}, "version", "unknown_field"),
        ({"answers": {}, "apply_country_profile": []}, "apply_country_profile", "invalid"),
    ],
)
def test_create_request_shape_errors(partner, body, field, code):
    before = _stored()
    response = partner.api.post("/api/v1/screenings/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert [(e.get("field"), e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert SECRET not in response.content.decode()
    assert _stored() == before


def test_create_defaults(partner):
    response = partner.api.post("/api/v1/screenings/", {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["reference"], body["language"], body["respondent"], body["status"], body["answers"]) == (
        "",
        "en",
        "caseworker",
        "draft",
        {},
    )
