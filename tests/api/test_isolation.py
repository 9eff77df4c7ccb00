"""Organisation isolation: through every endpoint and method, organisation A never reads or changes B's
screenings. Another organisation's screening is "not found" exactly like an id that does not exist.

The inventory tests below fail when an endpoint is added without being added to this sweep."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from screening import services
from screening.models import AuditEvent, JobItem, Role, Screening

from .conftest import VALID_ANSWERS, detail_url
from .contract import check_response, openapi

pytestmark = pytest.mark.django_db

# Every operation of the schema, and how the sweep covers it: "screening" operations are attacked with B's id
# and filters; "create" operations must store into the caller's organisation only; "no_data" operations read
# nothing of any organisation (catalogues, stateless evaluation); "account" operations describe the caller's
# own organisation and credentials only.
OPERATIONS = {
    ("/api/v1/questionnaire/", "get"): "no_data",
    ("/api/v1/outcomes/", "get"): "no_data",
    ("/api/v1/countries/", "get"): "no_data",
    ("/api/v1/rulesets/", "get"): "no_data",
    ("/api/v1/countries/{code}/", "get"): "no_data",
    ("/api/v1/evaluate/", "post"): "no_data",
    ("/api/v1/me/", "get"): "account",
    ("/api/v1/screenings/", "get"): "screening",
    ("/api/v1/screenings/", "post"): "create",
    ("/api/v1/screenings/bulk/", "post"): "create",
    ("/api/v1/screenings/{screening_id}/", "get"): "screening",
    ("/api/v1/screenings/{screening_id}/", "patch"): "screening",
    ("/api/v1/screenings/{screening_id}/", "delete"): "screening",
    ("/api/v1/screenings/{screening_id}/reassess/", "post"): "screening",
    ("/api/v1/screenings/{screening_id}/assessments/", "get"): "screening",
    ("/api/v1/screenings/{screening_id}/warnings/{check_id}/confirm/", "post"): "screening",
    ("/api/v1/jobs/", "post"): "job",
    ("/api/v1/jobs/{job_id}/", "get"): "job",
    ("/api/v1/jobs/{job_id}/results/", "get"): "job",
    ("/api/v1/webhooks/", "get"): "webhook",
    ("/api/v1/webhooks/", "post"): "webhook",
    ("/api/v1/webhooks/{webhook_id}/", "get"): "webhook",
    ("/api/v1/webhooks/{webhook_id}/", "delete"): "webhook",
    ("/api/v1/webhooks/{webhook_id}/deliveries/", "get"): "webhook",
}

# Every URL route under api/ (schema and docs included).
API_ROUTES = {
    "api/v1/questionnaire/",
    "api/v1/outcomes/",
    "api/v1/countries/",
    "api/v1/rulesets/",
    "api/v1/countries/<str:code>/",
    "api/v1/evaluate/",
    "api/v1/me/",
    "api/v1/screenings/",
    "api/v1/screenings/bulk/",
    "api/v1/screenings/<str:screening_id>/",
    "api/v1/screenings/<str:screening_id>/reassess/",
    "api/v1/screenings/<str:screening_id>/assessments/",
    "api/v1/screenings/<str:screening_id>/warnings/<str:check_id>/confirm/",
    "api/v1/jobs/",
    "api/v1/jobs/<str:job_id>/",
    "api/v1/jobs/<str:job_id>/results/",
    "api/v1/webhooks/",
    "api/v1/webhooks/<str:webhook_id>/",
    "api/v1/webhooks/<str:webhook_id>/deliveries/",
    "api/schema/",
    "api/docs/",
    "^api/",  # the catch-all: 404 with the error body
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def test_the_schema_has_exactly_the_operations_this_sweep_knows():
    operations = {(path, method) for path, ops in openapi()["paths"].items() for method in ops}
    assert operations == set(OPERATIONS), "a new endpoint needs an isolation test here"


def test_the_url_conf_has_exactly_the_api_routes_this_sweep_knows():
    routes = {route for route in _routes(get_resolver().url_patterns) if "api/" in route}
    assert routes == API_ROUTES, "a new endpoint needs an isolation test here"


# ---- the sweep ---------------------------------------------------------------------------------------------


@pytest.fixture
def orgs(make_partner):
    a = make_partner("Org A")
    b = make_partner("Org B")
    b_screening = services.screening_create(
        actor=b.actor,
        answers={**VALID_ANSWERS, "country_of_origin": "BY", "host_country": "BY"},  # raises a warning
        reference="b-ref",
        status="draft",
    )
    a_screening = services.screening_create(actor=a.actor, answers=VALID_ANSWERS, reference="a-ref")
    return a, b, a_screening, b_screening


def _session_client(organisation) -> APIClient:
    user = services.user_create(
        organisation=organisation, username="a-user", password="pw-unused-1", role=Role.ORG_ADMIN
    )
    client = APIClient()
    client.force_login(user)
    return client


def _snapshot(screening_id):
    row = Screening.objects.filter(pk=screening_id).values().first()
    return row and {k: row[k] for k in ("version", "answers", "assessment", "updated_at", "status", "reference")}


@pytest.mark.parametrize("auth", ["token", "session"])
def test_a_never_reads_or_changes_b(orgs, auth):
    a, b, a_screening, b_screening = orgs
    api = a.api if auth == "token" else _session_client(a.organisation)
    before = _snapshot(b_screening.id)
    b_events = AuditEvent.objects.filter(screening_id=b_screening.id).count()
    covered = set()

    def not_found(method, url, op, **kwargs):
        response = getattr(api, method)(url, format="json", **kwargs)
        twin = getattr(api, method)(url.replace(str(b_screening.id), str(uuid.uuid4())), format="json", **kwargs)
        assert response.status_code == 404, (method, url, response.content)
        assert (
            response.json()
            == twin.json()
            == {
                "code": "not_found",
                "message": "There is no screening with this id.",
                "errors": [],
            }
        )
        assert str(b_screening.id) not in response.content.decode()
        assert "ETag" not in response
        check_response(response, method)
        covered.add(op)

    detail = detail_url(b_screening.id)
    not_found("get", detail, ("/api/v1/screenings/{screening_id}/", "get"))
    for kwargs in ({}, {"HTTP_IF_MATCH": f'"{b_screening.version}"'}):
        not_found(
            "patch",
            detail,
            ("/api/v1/screenings/{screening_id}/", "patch"),
            data={"answers": {"age": 55}, "status": "draft", "reference": "hijacked"},
            **kwargs,
        )
    not_found("delete", detail, ("/api/v1/screenings/{screening_id}/", "delete"))
    not_found("post", detail + "reassess/", ("/api/v1/screenings/{screening_id}/reassess/", "post"))
    not_found("get", detail + "assessments/", ("/api/v1/screenings/{screening_id}/assessments/", "get"))
    not_found(
        "post",
        detail + "warnings/host_country_is_country_of_origin/confirm/",
        ("/api/v1/screenings/{screening_id}/warnings/{check_id}/confirm/", "post"),
    )
    assert api.head(detail).status_code == 404
    bid = str(b_screening.id)
    for spelling in (bid.upper(), bid.replace("-", ""), f"urn:uuid:{bid}", "{" + bid + "}"):
        response = api.get(detail_url(spelling))  # other spellings of B's id are not a way in either
        assert response.status_code == 404 and b"b-ref" not in response.content, spelling

    # the list, with every filter set to match B's screening: only A's screenings ever appear
    b_outcome = b_screening.outcomes.order_by("outcome_id").first()
    filters = {
        "status": "draft",
        "country_of_origin": "BY",
        "outcome": b_outcome.outcome_id,
        "strength": b_outcome.strength,
        "created_after": (b_screening.created_at - dt.timedelta(minutes=1)).isoformat(),
        "created_before": (b_screening.created_at + dt.timedelta(minutes=1)).isoformat(),
        "reference": "b-ref",
    }
    queries = [{}] + [{name: value} for name, value in filters.items()] + [filters, {"page_size": 200}]
    for query in queries:
        response = api.get("/api/v1/screenings/", query)
        assert response.status_code == 200, (query, response.content)
        ids = {item["id"] for item in response.json()["results"]}
        assert ids <= {str(a_screening.id)}, query
        assert str(b_screening.id) not in response.content.decode() and "b-ref" not in response.content.decode()
        assert b.api.get("/api/v1/screenings/", query).json()["count"] == 1, query  # the filter does match B's
    assert api.get("/api/v1/screenings/").json()["count"] == 1
    covered.add(("/api/v1/screenings/", "get"))

    # creating (one and in bulk) stores into A's organisation only, and cannot name B's screening
    response = api.post("/api/v1/screenings/", {"id": str(b_screening.id), "answers": VALID_ANSWERS}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "unknown_field"
    created = api.post("/api/v1/screenings/", {"answers": VALID_ANSWERS, "reference": "b-ref"}, format="json")
    assert created.status_code == 201
    assert Screening.objects.get(pk=created.json()["id"]).organisation == a.organisation
    covered.add(("/api/v1/screenings/", "post"))
    bulk = api.post(
        "/api/v1/screenings/bulk/",
        {"items": [{"answers": VALID_ANSWERS}, {"id": str(b_screening.id), "answers": {"age": 70}}]},
        format="json",
    )
    assert bulk.status_code == 200
    results = bulk.json()["results"]
    assert "id" in results[0] and results[1]["errors"][0]["code"] == "unknown_field"
    assert Screening.objects.get(pk=results[0]["id"]).organisation == a.organisation
    covered.add(("/api/v1/screenings/bulk/", "post"))

    # B's screening: unchanged, still there, and A's attempts left nothing in its audit trail
    assert _snapshot(b_screening.id) == before
    assert AuditEvent.objects.filter(screening_id=b_screening.id).count() == b_events
    assert Screening.objects.filter(organisation=b.organisation).count() == 1
    assert b.api.get(detail).status_code == 200

    screening_ops = {op for op, kind in OPERATIONS.items() if kind in ("screening", "create")}
    assert covered == screening_ops, "every screening operation must be attacked above"


def test_no_data_operations_reveal_nothing_of_any_organisation(orgs):
    """The catalogues and evaluate/ answer the same to everyone, whatever is stored."""
    a, b, _, _ = orgs
    for url in ("/api/v1/questionnaire/", "/api/v1/outcomes/", "/api/v1/countries/", "/api/v1/rulesets/"):
        assert a.api.get(url).json() == b.api.get(url).json() == APIClient().get(url).json()
    response = a.api.post("/api/v1/evaluate/", {"answers": VALID_ANSWERS}, format="json")
    assert response.json() == b.api.post("/api/v1/evaluate/", {"answers": VALID_ANSWERS}, format="json").json()
    assert "b-ref" not in response.content.decode()


@pytest.mark.parametrize("auth", ["token", "session"])
def test_account_operations_describe_the_caller_only(orgs, auth):
    a, b, _, _ = orgs
    api = a.api if auth == "token" else _session_client(a.organisation)
    covered = set()
    for (path, method), kind in OPERATIONS.items():
        if kind != "account":
            continue
        response = getattr(api, method)(path)
        assert response.status_code == 200, (path, response.content)
        check_response(response)
        body = response.json()
        assert body["organisation"] == "Org A"
        assert body["client"] == (a.client.name if auth == "token" else None)
        text = response.content.decode()
        assert "Org B" not in text and b.client.name not in text and "b-ref" not in text
        assert getattr(b.api, method)(path).json()["organisation"] == "Org B"
        covered.add((path, method))
    assert covered == {op for op, kind in OPERATIONS.items() if kind == "account"} and covered


@pytest.mark.parametrize("auth", ["token", "session"])
def test_a_never_reads_b_s_jobs_and_its_jobs_store_into_a(orgs, auth, django_capture_on_commit_callbacks):
    a, b, _, _ = orgs
    api = a.api if auth == "token" else _session_client(a.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        b_job = b.api.post("/api/v1/jobs/", [{"reference": "b-job-ref", "answers": VALID_ANSWERS}], format="json")
        a_job = api.post("/api/v1/jobs/", [{"answers": VALID_ANSWERS}], format="json", HTTP_IDEMPOTENCY_KEY="same")
        # the same key as B used: A gets its own job, never B's
        b_keyed = b.api.post("/api/v1/jobs/", [{"answers": VALID_ANSWERS}], format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert a_job.status_code == b_job.status_code == b_keyed.status_code == 202
    assert a_job.json()["id"] != b_keyed.json()["id"] and "Idempotent-Replayed" not in b_keyed
    a_item = JobItem.objects.get(job_id=a_job.json()["id"])
    assert a_item.screening.organisation == a.organisation
    covered = {("/api/v1/jobs/", "post")}
    b_id = b_job.json()["id"]
    for suffix, op in (("", "/api/v1/jobs/{job_id}/"), ("results/", "/api/v1/jobs/{job_id}/results/")):
        response = api.get(f"/api/v1/jobs/{b_id}/{suffix}")
        twin = api.get(f"/api/v1/jobs/{uuid.uuid4()}/{suffix}")
        assert response.status_code == twin.status_code == 404
        assert (
            response.json()
            == twin.json()
            == {"code": "not_found", "message": "There is no job with this id.", "errors": []}
        )
        assert b.api.get(f"/api/v1/jobs/{b_id}/{suffix}").status_code == 200
        check_response(response)
        covered.add((op, "get"))
    assert covered == {op for op, kind in OPERATIONS.items() if kind == "job"}


def test_a_never_sees_or_removes_b_s_webhooks(orgs):
    from screening.models import Webhook

    a, b, _, _ = orgs
    created = b.api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/b-hook"}, format="json")
    assert created.status_code == 201
    b_id = created.json()["id"]
    covered = set()
    listed = a.api.get("/api/v1/webhooks/")
    assert listed.status_code == 200 and listed.json() == [] and "b-hook" not in listed.content.decode()
    covered.add(("/api/v1/webhooks/", "get"))
    mine = a.api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/a-hook"}, format="json")
    assert Webhook.objects.get(pk=mine.json()["id"]).organisation == a.organisation
    covered.add(("/api/v1/webhooks/", "post"))
    for suffix, op, method in (
        ("", "/api/v1/webhooks/{webhook_id}/", "get"),
        ("deliveries/", "/api/v1/webhooks/{webhook_id}/deliveries/", "get"),
        ("", "/api/v1/webhooks/{webhook_id}/", "delete"),
    ):
        response = getattr(a.api, method)(f"/api/v1/webhooks/{b_id}/{suffix}")
        twin = getattr(a.api, method)(f"/api/v1/webhooks/{uuid.uuid4()}/{suffix}")
        assert response.status_code == twin.status_code == 404 and response.json() == twin.json()
        covered.add((op, method))
    assert Webhook.objects.filter(pk=b_id).exists()
    assert covered == {op for op, kind in OPERATIONS.items() if kind == "webhook"}


def test_a_s_supervisor_dashboard_and_exports_show_nothing_of_b(orgs):
    """The supervisor dashboard (web, screening/web/dashboard.py): A's figures and exports count A's screenings
    only, never B's (B's screening is from Belarus, A's from Russia)."""
    from django.test import Client

    a, b, a_screening, b_screening = orgs
    user = services.user_create(
        organisation=a.organisation, username="a-sup", password="pw-unused-1", role=Role.SUPERVISOR
    )
    client = Client()
    client.force_login(user)
    today = dt.date.today().isoformat()
    query = {"start": today, "end": today}
    page = client.get("/dashboard/", query)
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 screening created from" in text and "Russia" in text and "Belarus" not in text
    for url, method in (("/dashboard/export.csv", "get"), ("/dashboard/export-with-answers/", "post")):
        data = {**query, "format": "csv"}
        response = client.get(url, data) if method == "get" else client.post(url, data)
        body = response.content.decode("utf-8-sig")
        assert response.status_code == 200, url
        assert "a-ref" in body and "b-ref" not in body and str(b_screening.id) not in body and "BY" not in body
    assert not AuditEvent.objects.filter(organisation=b.organisation, actor_user=user).exists()
