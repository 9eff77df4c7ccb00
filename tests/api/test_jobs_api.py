"""The partner jobs API: POST /api/v1/jobs/ (JSON array or JSON Lines, Idempotency-Key), GET the job and its
results (cursor pages, input order), and GET screenings/?updated_after= for incremental sync."""

from __future__ import annotations

import json
import time

import pytest

from screening.models import Job, JobItem, Screening
from tests.jobs.helpers import INVALID_ITEM, public_items

from .contract import check_response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _run_jobs_on_commit(monkeypatch, django_capture_on_commit_callbacks):
    """The inline executor runs a job once its transaction commits (never, in a test's transaction): run the
    callbacks of each request as it ends, as a real commit would."""
    from rest_framework.test import APIClient

    real = APIClient.generic

    def generic(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return real(self, *args, **kwargs)

    monkeypatch.setattr(APIClient, "generic", generic)


def all_results(api, url: str, page_size: int = 7) -> list[dict]:
    results, next_url = [], f"{url}?page_size={page_size}"
    while next_url:
        response = api.get(next_url)
        assert response.status_code == 200, response.content
        check_response(response)
        body = response.json()
        results += body["results"]
        next_url = body["next"]
    return results


def test_a_json_array_job_is_accepted_and_its_results_come_in_input_order(make_partner):
    a = make_partner("Org A")
    items = public_items(40)
    items[3] = INVALID_ITEM
    response = a.api.post("/api/v1/jobs/", items, format="json")
    assert response.status_code == 202, response.content
    check_response(response, "post")
    job = response.json()
    assert response["Location"] == f"/api/v1/jobs/{job['id']}/" == job["links"]["self"]
    detail = a.api.get(response["Location"])
    check_response(detail)
    body = detail.json()
    assert (body["status"], body["total_items"], body["processed_items"]) == ("completed", 40, 40)
    assert (body["succeeded_items"], body["failed_items"], body["progress"]) == (39, 1, 100)
    results = all_results(a.api, job["links"]["results"])
    assert [r["index"] for r in results] == list(range(40))
    assert [r["reference"] for r in results] == [item["reference"] for item in items]
    assert results[3]["status"] == "invalid" and results[3]["errors"][0]["question"] == "age"
    assert results[3]["screening"] is None
    stored = Screening.objects.get(pk=results[0]["screening"])
    assert stored.organisation == a.organisation
    assert {o["id"] for o in results[0]["outcomes"]} == {o.outcome_id for o in stored.outcomes.all()}


def test_a_json_lines_job_reports_line_numbers(make_partner):
    a = make_partner("Org A")
    lines = [json.dumps(item) for item in public_items(3)]
    body = (lines[0] + "\n\n" + lines[1] + "\n" + json.dumps(INVALID_ITEM) + "\n").encode()
    response = a.api.generic("POST", "/api/v1/jobs/", body, content_type="application/x-ndjson")
    assert response.status_code == 202, response.content
    results = all_results(a.api, response.json()["links"]["results"])
    assert [(r["line"], r["status"]) for r in results] == [(1, "done"), (3, "done"), (4, "invalid")]


def test_a_json_lines_body_with_a_broken_line_stores_nothing(make_partner):
    a = make_partner("Org A")
    body = (json.dumps(public_items(1)[0]) + "\n{not json\n").encode()
    response = a.api.generic("POST", "/api/v1/jobs/", body, content_type="application/x-ndjson")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["errors"][0]["message"] == "Line 2 is not valid JSON."
    assert Job.objects.count() == 0


def test_the_same_idempotency_key_creates_one_job(make_partner):
    a = make_partner("Org A")
    first = a.api.post("/api/v1/jobs/", public_items(5), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = a.api.post("/api/v1/jobs/", public_items(5), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1 and Screening.objects.count() == 5
    other = a.api.post("/api/v1/jobs/", public_items(5), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.json()["id"] != first.json()["id"]
    b = make_partner("Org B")  # keys are per organisation
    assert b.api.post("/api/v1/jobs/", public_items(1), format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 202
    assert Job.objects.count() == 3


@pytest.mark.parametrize("key", ["x" * 201, "two words", "ключ"])
def test_an_invalid_idempotency_key_is_refused_naming_the_header(make_partner, key):
    # The same rule as the bulk endpoint (visible ASCII), with this endpoint's length (the Job column's).
    a = make_partner("Org A")
    response = a.api.post("/api/v1/jobs/", public_items(2), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Job.objects.count() == 0 and Screening.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [({"items": []}, "invalid_request"), ([], "invalid_request"), ("text", "invalid_request")],
)
def test_bodies_that_are_not_a_list_of_items_are_refused(make_partner, body, code):
    a = make_partner("Org A")
    response = a.api.post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    check_response(response, "post")
    assert Job.objects.count() == 0


def test_a_job_over_the_item_limit_stores_nothing(make_partner, monkeypatch):
    from screening import jobs

    monkeypatch.setattr(jobs, "MAX_JOB_ITEMS", 10)
    a = make_partner("Org A")
    response = a.api.post("/api/v1/jobs/", public_items(11), format="json")
    assert response.status_code == 400 and response.json()["code"] == "too_many_items"
    assert Job.objects.count() == JobItem.objects.count() == 0


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(make_partner, settings):
    settings.SCREENING = {**settings.SCREENING, "JOB_MAX_BODY_BYTES": 1000}
    a = make_partner("Org A")
    response = a.api.post("/api/v1/jobs/", public_items(20), format="json")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_a_read_only_token_cannot_create_a_job_but_reads_one(make_partner):
    a = make_partner("Org A")
    reader = make_partner("Org A", scope="read_only")
    assert reader.api.post("/api/v1/jobs/", public_items(1), format="json").status_code == 403
    job = a.api.post("/api/v1/jobs/", public_items(1), format="json").json()
    assert reader.api.get(job["links"]["self"]).status_code == 200


def test_results_reject_unknown_parameters_and_bad_page_sizes(make_partner):
    a = make_partner("Org A")
    job = a.api.post("/api/v1/jobs/", public_items(2), format="json").json()
    for query in ("?page=2", "?page_size=0", "?page_size=1001", "?page_size=x"):
        response = a.api.get(job["links"]["results"] + query)
        assert response.status_code == 400, query
        check_response(response)
    assert a.api.get(job["links"]["results"] + "?cursor=garbage").status_code == 404


def test_updated_after_lists_only_screenings_changed_since(make_partner):
    a = make_partner("Org A")
    old = a.api.post("/api/v1/screenings/", {"answers": {"age": 30}}, format="json").json()
    time.sleep(0.01)
    mark = Screening.objects.get(pk=old["id"]).updated_at
    time.sleep(0.01)
    new = a.api.post("/api/v1/screenings/", {"answers": {"age": 31}}, format="json").json()
    response = a.api.get("/api/v1/screenings/", {"updated_after": mark.isoformat()})
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [new["id"]]
    a.api.patch(f"/api/v1/screenings/{old['id']}/", {"answers": {"age": 32}}, format="json")
    ids = {s["id"] for s in a.api.get("/api/v1/screenings/", {"updated_after": mark.isoformat()}).json()["results"]}
    assert ids == {old["id"], new["id"]}
    bad = a.api.get("/api/v1/screenings/", {"updated_after": "yesterday"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "updated_after"


def test_a_nul_character_is_refused_with_400_and_stores_nothing(make_partner):
    a = make_partner("Org A")  # PostgreSQL cannot store it in JSON: it used to give a 500 there
    response = a.api.post("/api/v1/jobs/", [{"reference": "a\x00b", "answers": {}}], format="json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    body = (json.dumps({"answers": {"x\x00": 1}}) + "\n").encode()
    response = a.api.generic("POST", "/api/v1/jobs/", body, content_type="application/x-ndjson")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert Job.objects.count() == 0


def test_hostile_nesting_is_a_400_and_stores_nothing(make_partner):
    a = make_partner("Org A")
    body = "[" * 200_000 + "]" * 200_000
    response = a.api.post("/api/v1/jobs/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert Job.objects.count() == 0


def test_a_job_body_over_the_apis_10_mb_limit_is_accepted_up_to_the_jobs_limit(make_partner, settings):
    """A job of many screenings is far over the API's own body limit (API_MAX_BODY_BYTES): the jobs endpoint reads
    up to JOB_MAX_BODY_BYTES (here the API's limit is lowered to show it)."""
    settings.SCREENING = {**settings.SCREENING, "API_MAX_BODY_BYTES": 2_000}
    a = make_partner("Org A")
    items = public_items(20)
    assert len(json.dumps(items)) > 2_000
    assert a.api.post("/api/v1/screenings/bulk/", {"items": items}, format="json").status_code == 413
    response = a.api.post("/api/v1/jobs/", items, format="json")
    assert response.status_code == 202, response.content
    settings.SCREENING = {**settings.SCREENING, "JOB_MAX_BODY_BYTES": 2_000}
    assert a.api.post("/api/v1/jobs/", items, format="json").status_code == 413
