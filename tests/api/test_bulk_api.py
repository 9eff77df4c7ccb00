"""POST /api/v1/screenings/bulk/: each item stored or refused on its own, results in input order."""

from __future__ import annotations

import pytest

from screening.models import AuditAction, AuditEvent, Screening

from .conftest import VALID_ANSWERS

pytestmark = pytest.mark.django_db

URL = "/api/v1/screenings/bulk/"


def test_mixed_items_valid_are_stored_invalid_are_reported(partner):
    items = [
        {"reference": "ok-0", "answers": VALID_ANSWERS},
        {"reference": "bad-1", "answers": {"age": "nineteen"}},
        {"reference": "ok-2", "answers": {"country_of_origin": "ER"}, "status": "draft", "language": "ru"},
        {"reference": "bad-3", "answers": {}, "status": "finished", "colour": "red"},
        "not an object",
        {"reference": "bad-5", "answers": {"country_of_origin": "RU"}, "status": "complete"},
        {"reference": "ok-6"},
    ]
    response = partner.api.post(URL, {"items": items}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["failed"]) == (3, 4)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(len(items)))
    assert [("id" in r, "errors" in r) for r in results] == [
        (True, False),
        (False, True),
        (True, False),
        (False, True),
        (False, True),
        (False, True),
        (True, False),
    ]
    assert [(e["question"], e["code"]) for e in results[1]["errors"]] == [("age", "invalid_type")]
    assert sorted((e["field"], e["code"]) for e in results[3]["errors"]) == [
        ("colour", "unknown_field"),
        ("status", "invalid_choice"),
    ]
    assert [(e.get("field"), e["code"]) for e in results[4]["errors"]] == [(None, "invalid")]
    assert {e["code"] for e in results[5]["errors"]} == {"incomplete"}
    stored = Screening.objects.filter(organisation=partner.organisation).order_by("reference")
    assert [s.reference for s in stored] == ["ok-0", "ok-2", "ok-6"]
    assert {str(s.id) for s in stored} == {r["id"] for r in results if "id" in r}
    assert Screening.objects.get(reference="ok-2").language == "ru"
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, actor_client=partner.client).count() == 3


def test_more_than_1000_items_stores_nothing(partner):
    response = partner.api.post(URL, {"items": [{"answers": VALID_ANSWERS}] * 1001}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_many_items" and "1000" in body["message"]
    assert Screening.objects.count() == 0
    assert not AuditEvent.objects.exclude(action=AuditAction.TOKEN_CREATED).exists()  # only the fixture's token


def test_1000_items_are_all_stored(partner, django_assert_max_num_queries):
    """The limit itself. About 10 ms an item (one transaction each; the evaluation and its stored outcomes)."""
    items = [{"reference": f"case-{i}", "answers": {**VALID_ANSWERS, "age": 18 + i % 60}} for i in range(1000)]
    with django_assert_max_num_queries(1000 * 8 + 10):  # a fixed number of queries per item (7 today)
        response = partner.api.post(URL, {"items": items}, format="json")
    assert response.status_code == 200
    assert (response.json()["created"], response.json()["failed"]) == (1000, 0)
    assert Screening.objects.filter(organisation=partner.organisation).count() == 1000
    assert [r["index"] for r in response.json()["results"]] == list(range(1000))


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "items", "required"),
        ({"items": {"answers": {}}}, "items", "invalid_type"),
        ({"items": "x"}, "items", "invalid_type"),
        ({"items": [], "dry_run": True}, "dry_run", "unknown_field"),
    ],
)
def test_bulk_request_shape_errors(partner, body, field, code):
    response = partner.api.post(URL, body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_empty_bulk(partner):
    response = partner.api.post(URL, {"items": []}, format="json")
    assert response.json() == {"results": [], "created": 0, "failed": 0}
