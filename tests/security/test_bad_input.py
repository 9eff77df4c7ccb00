"""Bad input gets a clear 4xx and changes nothing (review D2, D6, D7, D14, D16, D19)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.test import Client
from django.utils import timezone

from screening import services
from screening.models import AuditAction, AuditEvent, IdempotencyItem, IdempotencyKey, Role, Screening
from screening.throttling import MAX_JSON_DEPTH
from tests.api.conftest import VALID_ANSWERS, detail_url

pytestmark = pytest.mark.django_db


def post_raw(partner, path: str, body: bytes, **extra):
    return partner.api.generic("POST", path, body, content_type="application/json", **extra)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "errors"}
    return body


# ---- D2: bodies between Django's 2.5 MB and the documented 10 MB, and over it ----------------------------------


def test_a_pretty_printed_bulk_request_of_1000_items_over_2_5_mb_is_accepted(partner):
    items = [{"answers": VALID_ANSWERS, "reference": f"big-{i:04d}"} for i in range(1000)]
    body = json.dumps({"items": items}, indent=8).encode()
    body = body.replace(b'"items": [', b'"items": [' + b" " * (2_700_000 - len(body)), 1)
    assert 2.6e6 < len(body) < 10 * 1024 * 1024
    response = post_raw(partner, "/api/v1/screenings/bulk/", body)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 1000
    assert Screening.objects.count() == 1000


@pytest.mark.parametrize("size", [3_000_000, 9_000_000])
def test_bodies_up_to_the_documented_limit_are_read(partner, size):
    body = json.dumps({"answers": VALID_ANSWERS, "padding": "x" * size}).encode()
    body = assert_error(post_raw(partner, "/api/v1/evaluate/", body), 400, "invalid_request")
    assert any(e["field"] == "padding" and e["code"] == "unknown_field" for e in body["errors"])


def test_a_body_over_10_mb_is_413_with_the_error_body_and_nothing_stored(partner):
    body = json.dumps({"answers": VALID_ANSWERS, "reference": "x" * (10 * 1024 * 1024)}).encode()
    assert_error(post_raw(partner, "/api/v1/screenings/", body), 413, "request_too_large")
    assert Screening.objects.count() == 0


def test_a_lying_content_length_is_413_unread(partner):
    response = post_raw(partner, "/api/v1/evaluate/", b"{}", CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert_error(response, 413, "request_too_large")


# ---- D6: nesting depth ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 950, 5000, 100_000])
@pytest.mark.parametrize("path", ["/api/v1/evaluate/", "/api/v1/screenings/", "/api/v1/screenings/bulk/"])
def test_deeply_nested_json_is_400_parse_error(partner, depth, path):
    body = b'{"answers": {"age": ' + b"[" * depth + b"]" * depth + b"}}"
    body = assert_error(post_raw(partner, path, body), 400, "parse_error")
    assert "nested" in body["message"]
    assert Screening.objects.count() == 0


def test_json_at_the_depth_limit_is_parsed(partner):
    depth = MAX_JSON_DEPTH - 2  # the body object and answers take two levels
    body = b'{"answers": {"age": ' + b"[" * depth + b"]" * depth + b"}}"
    assert_error(post_raw(partner, "/api/v1/evaluate/", body), 400, "invalid_answers")  # parsed, then refused


# ---- D7: chunked and empty bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/screenings/", "/api/v1/evaluate/", "/api/v1/screenings/bulk/"])
def test_a_chunked_body_is_411_and_nothing_stored(partner, path):
    response = partner.api.generic("POST", path, b"", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked")
    assert_error(response, 411, "length_required")
    assert Screening.objects.count() == 0


def test_a_chunked_patch_is_411(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    response = partner.api.generic(
        "PATCH", detail_url(screening.id), b"", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert_error(response, 411, "length_required")


@pytest.mark.parametrize("path", ["/api/v1/screenings/", "/api/v1/evaluate/", "/api/v1/screenings/bulk/"])
def test_an_empty_body_is_400_required_and_nothing_stored(partner, path):
    body = assert_error(post_raw(partner, path, b""), 400, "invalid_request")
    assert body["errors"][0]["code"] == "required"
    assert Screening.objects.count() == 0


def test_reassess_needs_no_body(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    assert post_raw(partner, f"{detail_url(screening.id)}reassess/", b"").status_code == 200


# ---- D19: DELETE and reassess honour If-Match ---------------------------------------------------------------


def test_delete_with_a_stale_if_match_is_412_and_keeps_the_screening(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    services.screening_update(actor=partner.actor, screening=screening, answers={"age": 20})
    response = partner.api.delete(detail_url(screening.id), HTTP_IF_MATCH='"1"')
    body = assert_error(response, 412, "version_conflict")
    assert response["ETag"] == '"2"' and "version 2" in body["message"]
    assert Screening.objects.filter(pk=screening.pk).exists()
    assert partner.api.delete(detail_url(screening.id), HTTP_IF_MATCH='"2"').status_code == 204
    assert not Screening.objects.filter(pk=screening.pk).exists()


def test_reassess_with_a_stale_if_match_is_412_and_changes_nothing(partner):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    services.screening_update(actor=partner.actor, screening=screening, answers={"age": 20})
    url = f"{detail_url(screening.id)}reassess/"
    assert_error(partner.api.post(url, HTTP_IF_MATCH='"1"'), 412, "version_conflict")
    assert Screening.objects.get(pk=screening.pk).version == 2
    assert not AuditEvent.objects.filter(action=AuditAction.REASSESSED).exists()
    assert partner.api.post(url, HTTP_IF_MATCH='"2"').status_code == 200


# ---- D14: bulk Idempotency-Key ------------------------------------------------------------------------------


def bulk(partner, items, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return partner.api.post("/api/v1/screenings/bulk/", {"items": items}, format="json", **extra)


ITEMS = [{"answers": VALID_ANSWERS, "reference": "i-0"}, {"answers": {"age": "x"}}, {"answers": VALID_ANSWERS}]


def test_a_retry_with_the_same_key_creates_nothing_twice(partner):
    first = bulk(partner, ITEMS, key="retry-1")
    assert first.status_code == 200 and first.json()["created"] == 2
    again = bulk(partner, ITEMS, key="retry-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Screening.objects.count() == 2


def test_the_same_key_with_another_body_is_422(partner):
    bulk(partner, ITEMS, key="k")
    assert_error(bulk(partner, ITEMS[:1], key="k"), 422, "idempotency_key_reused")
    assert Screening.objects.count() == 2


def test_keys_belong_to_one_organisation(partner, other_partner):
    bulk(partner, ITEMS, key="shared")
    response = bulk(other_partner, ITEMS, key="shared")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert Screening.objects.filter(organisation=other_partner.organisation).count() == 2


def test_a_request_still_running_is_409(partner):
    bulk(partner, ITEMS, key="slow")
    IdempotencyKey.objects.filter(key="slow").update(response=None)  # as if still being processed
    response = bulk(partner, ITEMS, key="slow")
    assert_error(response, 409, "request_in_progress")
    assert int(response["Retry-After"]) > 0


def test_a_cut_off_request_is_resumed_without_duplicates(partner):
    """A worker killed mid-way: item 0 stored, the rest not. The retry stores only the rest."""
    body = json.dumps({"items": ITEMS}).encode()
    record = IdempotencyKey.objects.create(
        organisation=partner.organisation, key="cut", request_sha256=hashlib.sha256(body).hexdigest()
    )
    (first,) = services.screenings_create_many(
        actor=partner.actor, items=[{"answers": VALID_ANSWERS}], idempotency=(record, [0])
    )
    IdempotencyKey.objects.filter(pk=record.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=5))
    response = post_raw(partner, "/api/v1/screenings/bulk/", body, HTTP_IDEMPOTENCY_KEY="cut")
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {"index": 0, "id": str(first.id)}
    assert "errors" in results[1] and "id" in results[2]
    assert Screening.objects.count() == 2
    assert IdempotencyItem.objects.filter(request=record).count() == 2


@pytest.mark.parametrize("key", ["", "a" * 256, "naïve", "with space"])
def test_a_malformed_key_is_400(partner, key):
    body = assert_error(bulk(partner, ITEMS, key=key), 400, "invalid_request")
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert Screening.objects.count() == 0


# ---- D16: web inputs ------------------------------------------------------------------------------------------


@pytest.fixture
def org_member():
    organisation = services.organisation_create(name="Web Org")
    user = services.user_create(
        organisation=organisation, username="sup", password="unused-pw-123456", role=Role.SUPERVISOR
    )
    services.user_staff_sync(user=user)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("query", ["%00", "a%00b"])
def test_a_nul_in_the_case_search_is_ignored(org_member, query):
    assert org_member.get(f"/cases/?q={query}").status_code == 200


@pytest.mark.parametrize("path", ["/admin/screening/screening/", "/admin/screening/auditevent/"])
@pytest.mark.parametrize("params", ["__year=99999999999", "__year=2026&{f}__month=13", "__day=x"])
def test_an_out_of_range_admin_date_is_400(org_member, path, params):
    field = "created_at" if "screening/" in path.split("admin/screening/")[1] else "at"
    query = field + params.format(f=field)
    assert org_member.get(f"{path}?{query}").status_code == 400
    assert org_member.get(f"{path}?{field}__year=2026").status_code == 200
