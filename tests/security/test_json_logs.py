"""JSON logs (LOG_FORMAT=json): one object per line, the request id of its request (X-Request-ID, given back in the
response) or the job id of its job on every line, and never an answer value, whatever the request carried."""

from __future__ import annotations

import io
import json
import logging.config
import re

import pytest
from django.conf import settings
from django.test import Client

from config.settings.base import logging_config
from screening.log_context import LogContextFilter, accepted_request_id
from screening.models import Job
from tests.api.test_jobs_api import _run_jobs_on_commit  # noqa: F401  (jobs run when their request commits)

# Special-category answers: political opinion, religion, ethnicity, sexual orientation. The option ids are
# distinctive enough to be searched for in the log; the free-text ethnic group is a sentinel.
ETHNIC_GROUP = "Sentinel-Ethnic-Group-7Q"
SENSITIVE = {
    "country_of_origin": "RU",
    "military_situation": "summoned_did_not_report",
    "age": 24,
    "host_country": "DE",
    "political_activities": ["organisation_membership", "journalism_or_publishing"],
    "religion": "jehovahs_witness",
    "ethnic_minority": True,
    "ethnic_group_name": ETHNIC_GROUP,
    "lgbtiq": "prefer_not_to_say",
}
NEVER_LOGGED = [ETHNIC_GROUP, "organisation_membership", "journalism_or_publishing", "jehovahs_witness"]
NEVER_LOGGED += ["prefer_not_to_say", "summoned_did_not_report"]


@pytest.fixture
def json_logs():
    """The project's LOG_FORMAT=json configuration at DEBUG, its handler writing to a buffer; returns a function
    that parses what was written (every line must be one JSON object)."""
    buffer = io.StringIO()
    config = logging_config("json", "DEBUG")
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)

    def lines() -> tuple[str, list[dict]]:
        text = buffer.getvalue()
        return text, [json.loads(line) for line in text.splitlines() if line.strip()]

    yield lines
    logging.config.dictConfig(settings.LOGGING)


def test_the_request_id_is_the_callers_when_well_formed_and_given_back(db):
    given = "3f0c2a5e-lb-trace.0001"
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] == given
    generated = Client().get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert Client().get("/healthz")["X-Request-ID"] != generated  # a new one per request


@pytest.mark.parametrize(
    "bad", ["", "short", "x" * 101, "has space-12345", "new\nline-12345", '{"json":1}', "-starts-with-dash"]
)
def test_a_malformed_request_id_is_replaced(db, bad):
    assert accepted_request_id(bad) is None
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_every_line_is_json_with_the_request_id_of_its_request(db, json_logs):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-0000-aaaa")  # django.request warns (404)
    assert response.status_code == 404
    logging.getLogger("screening").info("between requests")
    _text, lines = json_logs()
    by_logger = {line["logger"]: line for line in lines}
    assert by_logger["django.request"]["request_id"] == "req-0000-aaaa"
    assert by_logger["django.request"]["level"] == "WARNING"
    request_line = by_logger["screening.requests"]
    assert request_line["request_id"] == "req-0000-aaaa"
    assert (request_line["method"], request_line["path"], request_line["status"]) == ("GET", "/no-such-page/", 404)
    assert by_logger["screening"]["request_id"] is None  # outside a request
    assert all({"timestamp", "level", "logger", "message", "request_id", "job_id"} <= set(line) for line in lines)


def test_requests_carrying_sensitive_answers_log_no_answer_value(make_partner, json_logs):
    partner = make_partner("Log Org")
    api = partner.api
    no_free_text = {k: v for k, v in SENSITIVE.items() if k != "ethnic_group_name"}  # stateless: no free text
    evaluated = api.post("/api/v1/evaluate/", {"answers": no_free_text}, format="json")
    assert evaluated.status_code == 200, evaluated.content
    created = api.post("/api/v1/screenings/", {"answers": SENSITIVE, "reference": "log-1"}, format="json")
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    changed = api.patch(
        f"/api/v1/screenings/{sid}/",
        {"answers": {**SENSITIVE, "ethnic_group_name": ETHNIC_GROUP + "-2"}},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    # Invalid values are echoed nowhere either (a 400 is logged by django.request).
    bad = api.post("/api/v1/screenings/", {"answers": {**SENSITIVE, "religion": ETHNIC_GROUP}}, format="json")
    assert bad.status_code == 400
    # A job (run by the inline executor when its request commits): its lines carry the job id.
    job_response = api.post(
        "/api/v1/jobs/", [{"reference": "j-1", "answers": SENSITIVE}], format="json", HTTP_X_REQUEST_ID="job-req-0001"
    )
    assert job_response.status_code == 202, job_response.content
    job_id = job_response.json()["id"]
    assert Job.objects.get(pk=job_id).succeeded_items == 1

    text, lines = json_logs()
    assert any(line["logger"] == "django.request" and line["status_code"] == 400 for line in lines)  # capture works
    for value in NEVER_LOGGED:
        assert value not in text, value
    completed = [line for line in lines if line["message"] == f"job {job_id} completed"]
    assert len(completed) == 1
    assert completed[0]["job_id"] == job_id  # written by the chunk task
    (created_line,) = [line for line in lines if line["message"].startswith(f"job {job_id} created")]
    assert created_line["request_id"] == "job-req-0001"  # written by the request
    request_lines = [line for line in lines if line["logger"] == "screening.requests"]
    assert len(request_lines) == 5 and all(line["request_id"] for line in request_lines)


def test_a_celery_chunk_task_carries_its_job_id_from_start_to_end():
    """On a worker, Celery's signals set the job id around the task (its own lines about the chunk included)."""
    from celery.signals import task_postrun, task_prerun

    from screening.log_context import job_id_var
    from screening.tasks import deliver_webhook, screen_job_chunk

    task_prerun.send(sender=screen_job_chunk, task_id="t-1", task=screen_job_chunk, args=("job-42", 0, 100))
    assert job_id_var.get() == "job-42"
    record = logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, "Task succeeded", (), None)
    LogContextFilter().filter(record)
    assert record.job_id == "job-42" and record.log_context == "job job-42"
    task_postrun.send(sender=screen_job_chunk, task_id="t-1", task=screen_job_chunk)
    assert job_id_var.get() is None
    task_prerun.send(sender=deliver_webhook, task_id="t-2", task=deliver_webhook, args=("delivery-1",))
    assert job_id_var.get() is None  # not a job's chunk
    task_postrun.send(sender=deliver_webhook, task_id="t-2", task=deliver_webhook)
