"""Stored screenings through the API: create, read, list with filters and pages, change with optimistic locking,
reassess, delete."""

from __future__ import annotations

import copy
import datetime as dt
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import set_script_prefix
from django.utils import timezone

import rules
from screening import selectors, services
from screening.models import AuditAction, AuditEvent, Screening, ScreeningOutcome

from .conftest import COMPLETE_ANSWERS, VALID_ANSWERS, detail_url

pytestmark = pytest.mark.django_db


def test_the_location_follows_the_script_prefix_the_app_is_served_under(partner):
    """The create's Location is reversed once per script prefix and the new id put in (apis._detail_path)."""
    try:
        for prefix in ("/", "/ngo/", "/"):
            set_script_prefix(prefix)  # what the WSGI handler sets from SCRIPT_NAME (the test client does not)
            response = partner.api.post("/api/v1/screenings/", {"answers": VALID_ANSWERS}, format="json")
            assert response.status_code == 201, response.content
            assert response["Location"] == f"{prefix}api/v1/screenings/{response.json()['id']}/"
    finally:
        set_script_prefix("/")


def test_create_returns_the_screening_with_its_etag_and_location(partner):
    response = partner.api.post(
        "/api/v1/screenings/",
        {
            "reference": "case-1",
            "language": "uk",
            "respondent": "claimant",
            "status": "complete",
            "apply_country_profile": False,
            "answers": {**COMPLETE_ANSWERS, "feared_consequences": ["imprisonment", "criminal_prosecution"]},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    screening = Screening.objects.get(pk=body["id"])
    assert screening.organisation == partner.organisation
    assert response["ETag"] == '"1"'
    assert response["Location"] == detail_url(screening.id)
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Language"] == "en"
    assert body["version"] == 1
    assert (body["reference"], body["language"], body["respondent"], body["status"]) == (
        "case-1",
        "uk",
        "claimant",
        "complete",
    )
    # answers are normalised (multi-choice options in questionnaire order)
    assert body["answers"]["feared_consequences"] == ["criminal_prosecution", "imprisonment"]
    # the summary by default: each stored outcome's strength, missing questions and rules, without explanation
    summary = body["assessment"]
    assert summary["detail"] == "summary" and summary["disclaimer"]
    stored = screening.assessment
    assert stored["explained"] is False and "reasons" not in stored["outcomes"][0]
    assert [(o["id"], o["strength"], o["rules"]) for o in summary["outcomes"]] == [
        (o["id"], o["strength"], o["rules"]) for o in stored["outcomes"]
    ]
    assert not any("reasons" in o or "citations" in o for o in summary["outcomes"])
    assert body["ruleset"] == {"version": screening.ruleset_version, "sha256": screening.ruleset_sha256}
    assert body["created_by"] == body["updated_by"] == f"partner:{partner.client.name}"
    assert body["country_of_origin"] == "RU"
    assert body["country_profile_used"] == {}
    assert set(body) >= {"created_at", "updated_at"}
    # the detail GET derives the full assessment again from the stored answers: the same as evaluating them
    detail = partner.api.get(detail_url(screening.id)).json()["assessment"]
    expected = rules.evaluate(screening.answers).as_dict()
    assert detail == expected and detail["outcomes"][0]["reasons"] and "detail" not in detail


def test_create_with_the_full_assessment_on_request(partner):
    body = {"answers": COMPLETE_ANSWERS}
    full = partner.api.post("/api/v1/screenings/?assessment=full", body, format="json")
    assert full.status_code == 201, full.content
    assessment = full.json()["assessment"]
    assert assessment == rules.evaluate(COMPLETE_ANSWERS).as_dict()
    assert assessment["outcomes"][0]["reasons"] and assessment["evidence_checklist"]
    # the stored form stays compact either way
    assert Screening.objects.get(pk=full.json()["id"]).assessment["explained"] is False


def test_create_refuses_an_unknown_assessment_form_and_stores_nothing(partner):
    response = partner.api.post("/api/v1/screenings/?assessment=long", {"answers": VALID_ANSWERS}, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("assessment", "invalid")]
    assert "summary" in response.json()["errors"][0]["message"]
    assert not Screening.objects.exists()


def test_create_with_the_country_profile(partner):
    call_command("loadprofiles", stdout=io.StringIO())
    response = partner.api.post(
        "/api/v1/screenings/", {"answers": VALID_ANSWERS, "apply_country_profile": True}, format="json"
    )
    body = response.json()
    assert body["apply_country_profile"] is True
    assert body["country_profile_used"]["coi_fair_trial"]["value"] == "no_fair_trial"
    assert "coi_fair_trial" not in body["answers"]  # defaults are used, never stored as answers
    # each default with its provenance: the profile, its sources and dates, who applied it and when
    entry = body["country_profile_used"]["coi_fair_trial"]
    assert entry["profile"] == "RU" and entry["applied"] == "default"
    assert entry["accepted_by"] == f"partner:{partner.client.name}" and entry["accepted_at"]
    assert entry["reviewed"] == "2026-11-30"
    assert entry["sources"] and all({"title", "publisher", "date"} <= set(s) for s in entry["sources"])
    assert entry["date"] == max(s["date"] for s in entry["sources"])
    # answered through the API: the caseworker's own answer, no longer the profile's
    changed = partner.api.patch(
        detail_url(body["id"]), {"answers": {"coi_fair_trial": "unknown"}}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert changed.status_code == 200, changed.content
    assert "coi_fair_trial" not in changed.json()["country_profile_used"]
    assert (
        changed.json()["country_profile_used"]["coi_prison_conditions"]["accepted_at"]
        == (body["country_profile_used"]["coi_prison_conditions"]["accepted_at"])
    )


def test_detail_has_the_etag_and_is_audited(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    response = partner.api.get(detail_url(screening.id))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["answers"] == VALID_ANSWERS
    assert AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.VIEWED).count() == 1


# ---- PATCH and If-Match ------------------------------------------------------------------------------------


def test_patch_merges_answers_and_null_removes_one(partner):
    screening = services.screening_create(actor=partner.actor, answers={**VALID_ANSWERS, "gender": "male"})
    response = partner.api.patch(
        detail_url(screening.id),
        {"answers": {"age": 30, "gender": None, "host_country": "DE"}, "reference": "new-ref", "status": "complete"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert body["answers"] == {**VALID_ANSWERS, "age": 30, "host_country": "DE"}
    assert (body["version"], body["reference"], body["status"]) == (2, "new-ref", "complete")
    stored = Screening.objects.get(pk=screening.id)
    assert stored.answers == body["answers"] and stored.version == 2
    assert stored.updated_by_client == partner.client


@pytest.mark.parametrize("if_match", ['"1"', "1", 'W/"1"', ' "1" ', '"7", "1"', "*", None])
def test_if_match_forms_that_match(partner, if_match):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    response = partner.api.patch(detail_url(screening.id), {"answers": {"age": 40}}, format="json", **headers)
    assert response.status_code == 200, (if_match, response.content)
    assert Screening.objects.get(pk=screening.id).answers["age"] == 40


@pytest.mark.parametrize("if_match", ['"2"', '"0"', "abc", '"1.0"', 'W/"x"', '"99999999999999"'])
def test_if_match_forms_that_do_not_match(partner, if_match):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    response = partner.api.patch(
        detail_url(screening.id), {"answers": {"age": 40}}, format="json", HTTP_IF_MATCH=if_match
    )
    assert response.status_code == 412
    assert response.json()["code"] == "version_conflict"
    assert "version 1" in response.json()["message"]
    assert response["ETag"] == '"1"'
    assert Screening.objects.get(pk=screening.id).answers["age"] == 19


def test_two_patches_with_the_same_if_match_the_second_gets_412(partner, make_partner):
    colleague = make_partner("Org A", name="second system")
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    first = partner.api.patch(
        detail_url(screening.id), {"answers": {"age": 30, "gender": "female"}}, format="json", HTTP_IF_MATCH='"1"'
    )
    second = colleague.api.patch(
        detail_url(screening.id), {"answers": {"age": 50}, "reference": "lost"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert first.status_code == 200
    assert second.status_code == 412
    assert second.json() == {
        "code": "version_conflict",
        "message": 'The screening has changed since you read it: it is now at version 2 (ETag "2"). '
        "Read it again and retry.",
        "errors": [],
    }
    stored = Screening.objects.get(pk=screening.id)
    assert stored.answers == {**VALID_ANSWERS, "age": 30, "gender": "female"}
    assert (stored.version, stored.reference) == (2, "")
    assert AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.CHANGED).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_with_the_same_if_match_one_wins(make_partner):
    partner = make_partner("Org A")
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    barrier = threading.Barrier(4)
    statuses = []

    def patch(age):
        from .conftest import api_client

        api = api_client(partner.token)
        barrier.wait()
        response = api.patch(detail_url(screening.id), {"answers": {"age": age}}, format="json", HTTP_IF_MATCH='"1"')
        statuses.append((response.status_code, age))
        connection.close()

    threads = [threading.Thread(target=patch, args=(20 + i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [age for status, age in statuses if status == 200]
    assert sorted(s for s, _ in statuses) == [200, 412, 412, 412]
    stored = Screening.objects.get(pk=screening.id)
    assert stored.version == 2 and stored.answers["age"] == winners[0]


def test_patch_without_changes_to_answers_keeps_them(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    response = partner.api.patch(detail_url(screening.id), {"language": "ru"}, format="json")
    assert response.status_code == 200
    assert response.json()["answers"] == VALID_ANSWERS and response.json()["language"] == "ru"


# ---- delete and reassess -----------------------------------------------------------------------------------


def test_delete_removes_the_screening_and_its_outcomes(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    response = partner.api.delete(detail_url(screening.id))
    assert response.status_code == 204 and response.content == b""
    assert not Screening.objects.filter(pk=screening.id).exists()
    assert not ScreeningOutcome.objects.filter(screening_id=screening.id).exists()
    assert partner.api.get(detail_url(screening.id)).status_code == 404
    assert partner.api.delete(detail_url(screening.id)).status_code == 404
    assert AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.DELETED).count() == 1


def test_reassess_reports_what_changed(partner):
    screening = services.screening_create(
        actor=partner.actor, answers={**COMPLETE_ANSWERS, "feared_consequences": ["imprisonment"]}
    )
    current = {o["id"]: o["strength"] for o in screening.assessment["outcomes"]}
    removed_id, changed_id = sorted(current)[:2]
    # simulate an assessment made by an older ruleset: one outcome fewer, another of a different strength,
    # and one that the current rules no longer emit
    old = copy.deepcopy(screening.assessment)
    old["outcomes"] = [o for o in old["outcomes"] if o["id"] != removed_id]
    for outcome in old["outcomes"]:
        if outcome["id"] == changed_id:
            outcome["strength"] = "strong" if outcome["strength"] != "strong" else "arguable"
            old_strength = outcome["strength"]
    old["outcomes"].append({**old["outcomes"][0], "id": "retired_outcome", "strength": "arguable"})
    Screening.objects.filter(pk=screening.id).update(assessment=old, ruleset_version="0.9.0", ruleset_sha256="ab" * 32)

    response = partner.api.post(detail_url(screening.id) + "reassess/")
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    change = {"id": changed_id, "from": old_strength, "to": current[changed_id]}
    assert body["changes"] == {
        "previous_ruleset": {"version": "0.9.0", "sha256": "ab" * 32},
        "ruleset": {"version": screening.ruleset_version, "sha256": screening.ruleset_sha256},
        "added": [removed_id],
        "removed": ["retired_outcome"],
        "strengthened": [change] if old_strength != "strong" else [],
        "weakened": [change] if old_strength == "strong" else [],
        "strength_changed": [change],
        "set_aside": [],
    }
    assert body["screening"]["version"] == 2
    assert {o["id"]: o["strength"] for o in body["screening"]["assessment"]["outcomes"]} == current
    stored = Screening.objects.get(pk=screening.id)
    assert selectors.full_assessment(stored) == body["screening"]["assessment"] and stored.version == 2
    assert stored.assessment["explained"] is False
    assert AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.REASSESSED).count() == 1


def test_reassess_without_changes(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    body = partner.api.post(detail_url(screening.id) + "reassess/").json()
    assert (body["changes"]["added"], body["changes"]["removed"], body["changes"]["strength_changed"]) == ([], [], [])


# ---- list, filters, pages ----------------------------------------------------------------------------------


@pytest.fixture
def listed(partner):
    """Three screenings of different status, country and age; created a day apart."""
    made = [
        services.screening_create(actor=partner.actor, answers=VALID_ANSWERS, reference="r-1"),
        services.screening_create(
            actor=partner.actor,
            answers={**COMPLETE_ANSWERS, "country_of_origin": "ER"},
            reference="r-2",
            status="complete",
        ),
        services.screening_create(actor=partner.actor, answers={"country_of_origin": "SY"}, reference="r-3"),
    ]
    now = timezone.now()
    for days, screening in zip((3, 2, 1), made, strict=True):
        Screening.objects.filter(pk=screening.id).update(created_at=now - dt.timedelta(days=days))
    return made


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_list_is_newest_first_without_answers_and_with_an_outcome_summary(partner, listed):
    response = partner.api.get("/api/v1/screenings/")
    assert _ids(response) == [str(s.id) for s in reversed(listed)]
    item = response.json()["results"][-1]
    assert "answers" not in item and "assessment" not in item
    stored = {o.outcome_id: o.strength for o in listed[0].outcomes.all()}
    assert {o["id"]: o["strength"] for o in item["outcomes"]} == stored
    assert [o["id"] for o in item["outcomes"]] == sorted(stored)
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action=AuditAction.VIEWED).count() == 0  # lists are not audited per item


def test_list_filters(partner, listed):
    r1, r2, r3 = (str(s.id) for s in listed)
    get = partner.api.get
    assert _ids(get("/api/v1/screenings/", {"status": "complete"})) == [r2]
    assert _ids(get("/api/v1/screenings/", {"status": "draft"})) == [r3, r1]
    assert _ids(get("/api/v1/screenings/", {"country_of_origin": "ER"})) == [r2]
    assert _ids(get("/api/v1/screenings/", {"reference": "r-3"})) == [r3]
    assert _ids(get("/api/v1/screenings/", {"reference": "r"})) == []
    outcome = ScreeningOutcome.objects.filter(screening_id=listed[1].id).order_by("outcome_id").first()
    with_outcome = {
        str(s)
        for s in ScreeningOutcome.objects.filter(outcome_id=outcome.outcome_id).values_list("screening_id", flat=True)
    }
    assert set(_ids(get("/api/v1/screenings/", {"outcome": outcome.outcome_id}))) == with_outcome
    both = {
        str(s)
        for s in ScreeningOutcome.objects.filter(outcome_id=outcome.outcome_id, strength=outcome.strength).values_list(
            "screening_id", flat=True
        )
    }
    query = {"outcome": outcome.outcome_id, "strength": outcome.strength}
    assert set(_ids(get("/api/v1/screenings/", query))) == both and r2 in both
    today = timezone.now().date()
    assert _ids(get("/api/v1/screenings/", {"created_after": str(today - dt.timedelta(days=2))})) == [r3, r2]
    assert _ids(get("/api/v1/screenings/", {"created_before": str(today - dt.timedelta(days=1))})) == [r2, r1]
    since = (timezone.now() - dt.timedelta(days=1, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(get("/api/v1/screenings/", {"created_after": since})) == [r3]
    assert _ids(get("/api/v1/screenings/", {"status": "draft", "country_of_origin": "SY"})) == [r3]
    assert _ids(get("/api/v1/screenings/", {"status": "", "reference": ""})) == [r3, r2, r1]  # empty = no filter


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"status": "done"}, "status", "invalid_choice"),
        ({"country_of_origin": "ru"}, "country_of_origin", "invalid_country"),
        ({"country_of_origin": "XX"}, "country_of_origin", "invalid_country"),
        ({"outcome": "no_such_outcome"}, "outcome", "invalid_choice"),
        ({"strength": "weak"}, "strength", "invalid_choice"),
        ({"created_after": "yesterday"}, "created_after", "invalid"),
        ({"created_before": "2026-13-01"}, "created_before", "invalid"),
        ({"reference": "r" * 101}, "reference", "max_length"),
        ({"page": "0"}, "page", "out_of_range"),
        ({"page": "x"}, "page", "invalid"),
        ({"page_size": "201"}, "page_size", "out_of_range"),
        ({"statsu": "draft"}, "statsu", "unknown_field"),
    ],
)
def test_invalid_filters_give_400(partner, listed, query, field, code):
    response = partner.api.get("/api/v1/screenings/", query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_pages(partner, listed):
    first = partner.api.get("/api/v1/screenings/", {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"]
    second = partner.api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {i["id"] for i in first["results"] + second["results"]} == {str(s.id) for s in listed}
    response = partner.api.get("/api/v1/screenings/", {"page": 9})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_default_page_size_is_50(partner):
    for i in range(51):
        services.screening_create(actor=partner.actor, answers={}, reference=f"p-{i}")
    body = partner.api.get("/api/v1/screenings/").json()
    assert body["count"] == 51 and len(body["results"]) == 50 and body["next"]


def test_list_query_count_does_not_grow_with_the_page(partner, listed, django_assert_max_num_queries):
    # the page, and its one `listed` audit event (3 queries: lock and read the chain's head, insert, move the
    # head), whatever the page size (D15)
    with django_assert_max_num_queries(8):
        partner.api.get("/api/v1/screenings/", {"page_size": 200})
