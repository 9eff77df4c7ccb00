"""One error body everywhere under /api/: DRF's own errors included, every code from ApiErrorCode."""

from __future__ import annotations

import logging

import pytest

from screening import services
from screening.errors import ApiErrorCode
from screening.models import Screening

from .conftest import VALID_ANSWERS, api_client, detail_url

pytestmark = pytest.mark.django_db

CODES = {c.value for c in ApiErrorCode}


def assert_error_body(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code and code in CODES
    assert isinstance(body["message"], str) and body["message"]
    for item in body["errors"]:
        assert set(item) in ({"question", "code", "message"}, {"question", "code", "message", "field"})
        assert item["code"] in CODES
    return body


def test_every_kind_of_error_has_the_body(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    api = partner.api
    assert_error_body(api.post("/api/v1/evaluate/", {"answers": {"age": -1}}, format="json"), 400, "invalid_answers")
    assert_error_body(api.post("/api/v1/evaluate/", {"answer": {}}, format="json"), 400, "invalid_request")
    assert_error_body(api.post("/api/v1/evaluate/", "{", content_type="application/json"), 400, "parse_error")
    assert_error_body(api_client().get("/api/v1/screenings/"), 401, "not_authenticated")
    assert_error_body(api_client("rs_wrong").get("/api/v1/screenings/"), 401, "authentication_failed")
    evaluate_only = api_client(
        services.partner_client_create(organisation=partner.organisation, name="e", scope="evaluate_only")[1]
    )
    assert_error_body(evaluate_only.get("/api/v1/screenings/"), 403, "permission_denied")
    assert_error_body(api.get(detail_url("0" * 32)), 404, "not_found")
    assert_error_body(api.get(detail_url("not-a-uuid")), 404, "not_found")
    assert_error_body(api.get("/api/v1/no-such-endpoint/"), 404, "not_found")
    assert_error_body(api.post("/api/v1/no-such-endpoint"), 404, "not_found")
    assert_error_body(api.get("/api/v2/screenings/"), 404, "not_found")
    assert_error_body(api.put(detail_url(screening.id), {}, format="json"), 405, "method_not_allowed")
    assert_error_body(api.get("/api/v1/evaluate/"), 405, "method_not_allowed")
    assert_error_body(api.get("/api/v1/screenings/", HTTP_ACCEPT="text/html"), 406, "not_acceptable")
    body = assert_error_body(
        api.patch(detail_url(screening.id), {}, format="json", HTTP_IF_MATCH='"5"'), 412, "version_conflict"
    )
    assert "version 1" in body["message"]
    assert_error_body(
        api.post("/api/v1/evaluate/", "answers=1", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/evaluate/", b'{"answers": {"\\ud800": 1}}'),
        ("/api/v1/screenings/", b'{"answers": {"age": 19}, "reference": "a\\udfffb"}'),
        ("/api/v1/screenings/", b'{"answers": {"ethnic_minority": true, "ethnic_group_name": "x\\ud83d"}}'),
        ("/api/v1/screenings/bulk/", b'{"items": [{"answers": {"age": 19}}, {"answers": {"\\udc00": null}}]}'),
    ],
)
def test_a_lone_surrogate_in_the_body_is_a_parse_error(partner, url, body):
    """JSON may escape half of a UTF-16 pair ("\\ud800"): not text, so neither storable nor renderable (was a 500)."""
    response = partner.api.generic("POST", url, body, content_type="application/json")
    assert_error_body(response, 400, "parse_error")
    assert Screening.objects.count() == 0
    pair = b'{"answers": {"ethnic_minority": true, "ethnic_group_name": "\\ud83d\\ude00"}}'  # a real pair is fine
    assert partner.api.generic("POST", "/api/v1/screenings/", pair, content_type="application/json").status_code == 201


def test_strings_a_database_refuses_never_give_a_500(partner):
    """NUL characters (PostgreSQL refuses them in text and JSON) in a path, an answer or a removed answer's key."""
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    assert_error_body(partner.api.get("/api/v1/countries/R%00/"), 404, "not_found")
    answers = {**VALID_ANSWERS, "ethnic_minority": True, "ethnic_group_name": "a\x00b"}
    body = assert_error_body(
        partner.api.post("/api/v1/screenings/", {"answers": answers}, format="json"), 400, "invalid_answers"
    )
    assert [(e["question"], e["code"]) for e in body["errors"]] == [("ethnic_group_name", "invalid_type")]
    for key in ("no_such_question", "a\x00"):  # a null removes an answer: its key must still be a question
        response = partner.api.patch(detail_url(screening.id), {"answers": {key: None}}, format="json")
        body = assert_error_body(response, 400, "invalid_answers")
        assert [(e["question"], e["code"]) for e in body["errors"]] == [(key, "unknown_question")]
    assert Screening.objects.get(pk=screening.id).version == 1
    response = partner.api.patch(detail_url(screening.id), {"answers": {"age": None}}, format="json")
    assert response.status_code == 200 and "age" not in response.json()["answers"]


def test_an_unexpected_error_gives_500_with_the_body_and_is_logged(partner, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(services, "answers_evaluate", broken)
    with caplog.at_level(logging.ERROR, logger="screening.errors"):
        response = partner.api.post("/api/v1/evaluate/", {"answers": VALID_ANSWERS}, format="json")
    body = assert_error_body(response, 500, "server_error")
    assert "exploded" not in body["message"]
    assert any("Unhandled error in EvaluateApi" in r.getMessage() for r in caplog.records)


def test_messages_are_english_whatever_the_accept_language(partner):
    response = api_client().get("/api/v1/screenings/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json()["message"] == "Authentication credentials were not provided."
    assert response["Content-Language"] == "en"
    response = partner.api.post("/api/v1/evaluate/", {}, format="json", HTTP_ACCEPT_LANGUAGE="uk")
    assert response.json()["errors"][0]["message"] == "This field is required."


def test_a_body_over_the_size_limit_is_refused_unread(partner, settings):
    settings.SCREENING = {**settings.SCREENING, "API_MAX_BODY_BYTES": 1000}
    items = [{"answers": VALID_ANSWERS, "reference": f"r-{i}"} for i in range(20)]
    response = partner.api.post("/api/v1/screenings/bulk/", {"items": items}, format="json")
    body = assert_error_body(response, 413, "request_too_large")
    assert "1000 bytes" in body["message"]
    assert partner.api.post("/api/v1/evaluate/", {"answers": VALID_ANSWERS}, format="json").status_code == 200
    assert Screening.objects.count() == 0


def test_the_api_error_enum_carries_every_answer_error_code():
    """The API's one enum must keep every code rules.validation can return (and the services' own)."""
    from rules import ErrorCode
    from screening.errors import ApiErrorCode
    from screening.services import FREE_TEXT_NOT_ACCEPTED, REQUIRED_FOR_COMPLETE

    assert {str(code) for code in ErrorCode} | {FREE_TEXT_NOT_ACCEPTED, REQUIRED_FOR_COMPLETE} <= {
        str(code) for code in ApiErrorCode
    }
