"""Audit through the API: create, view, change, reassess and delete each append one event with the acting
client; lists and evaluate/ append none; no answer value reaches the audit trail, the logs or an error message."""

from __future__ import annotations

import json
import logging

import pytest

from screening.models import AuditAction, AuditEvent

from .conftest import VALID_ANSWERS, detail_url

pytestmark = pytest.mark.django_db

SENTINEL = "SENTINEL-ANSWER-4f9c"
SENTINEL_2 = "SENTINEL-CHANGED-7d1e"


def _all_audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values()), default=str)


def test_each_call_appends_one_event_with_the_client_and_never_an_answer(partner, caplog):
    caplog.set_level(logging.DEBUG)
    answers = {**VALID_ANSWERS, "ethnic_minority": True, "ethnic_group_name": SENTINEL}
    api = partner.api

    def events():
        events = AuditEvent.objects.exclude(action=AuditAction.TOKEN_CREATED)  # the fixture's token
        return list(events.order_by("id").values_list("action", flat=True))

    created = api.post("/api/v1/screenings/", {"answers": answers, "reference": "ref-1"}, format="json")
    assert created.status_code == 201
    sid = created.json()["id"]
    assert events() == [AuditAction.CREATED]

    api.get("/api/v1/screenings/")
    api.get("/api/v1/screenings/", {"reference": "ref-1"})
    api.post("/api/v1/evaluate/", {"answers": VALID_ANSWERS}, format="json")
    # a list is one `listed` event with the ids returned (D15); evaluate/ stores and audits nothing
    assert events() == [AuditAction.CREATED, AuditAction.LISTED, AuditAction.LISTED]
    assert AuditEvent.objects.filter(action=AuditAction.LISTED).last().detail["screenings"] == [sid]

    assert api.get(detail_url(sid)).status_code == 200
    patch = {"answers": {"ethnic_group_name": SENTINEL_2, "age": 44}, "reference": "ref-2"}
    assert api.patch(detail_url(sid), patch, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    assert api.patch(detail_url(sid), {"answers": {"age": 45}}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    assert api.patch(detail_url(sid), {"answers": {"age": SENTINEL}}, format="json").status_code == 400
    assert api.post(detail_url(sid) + "reassess/").status_code == 200
    assert api.delete(detail_url(sid)).status_code == 204
    assert events() == [
        AuditAction.CREATED,
        AuditAction.LISTED,
        AuditAction.LISTED,
        AuditAction.VIEWED,
        AuditAction.CHANGED,
        AuditAction.REASSESSED,
        AuditAction.DELETED,
    ]
    for event in AuditEvent.objects.exclude(action=AuditAction.TOKEN_CREATED):
        assert str(event.screening_id) == sid or event.detail["screenings"] == [sid]
        assert event.organisation == partner.organisation
        assert event.actor_client == partner.client and event.actor_user is None
        assert event.actor_label == f"partner:{partner.client.name}"
        assert event.ip_address == "127.0.0.1"
    changed = AuditEvent.objects.get(action=AuditAction.CHANGED)
    assert changed.detail == {"version": 2, "questions": ["age", "ethnic_group_name"], "fields": ["reference"]}

    text = _all_audit_text()
    assert SENTINEL not in text and SENTINEL_2 not in text
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records  # the capture works (django.request warns about the 4xx)
    assert SENTINEL not in logged and SENTINEL_2 not in logged


def test_error_responses_never_echo_an_answer_value(partner, caplog):
    caplog.set_level(logging.DEBUG)
    bad = [
        {"answers": {"age": SENTINEL}},
        {"answers": {"gender": SENTINEL}},
        {"answers": {"feared_consequences": [SENTINEL, SENTINEL]}},
        {"answers": {"country_of_origin": SENTINEL}},
        {"answers": {"date_left_country": SENTINEL}},
        {"answers": {"ethnic_minority": True, "ethnic_group_name": SENTINEL * 30}},
        {"answers": {"has_other_nationality": False, "other_nationality_country": "KZ", "ethnic_group_name": SENTINEL}},
        {"answers": {}, "status": SENTINEL, "language": SENTINEL, "respondent": SENTINEL},
        {"answers": {}, "apply_country_profile": SENTINEL},
    ]
    for body in bad:
        for url in ("/api/v1/evaluate/", "/api/v1/screenings/"):
            response = partner.api.post(url, body, format="json")
            assert response.status_code == 400, (url, body)
            assert SENTINEL not in response.content.decode(), (url, body, response.content)
    bulk = partner.api.post("/api/v1/screenings/bulk/", {"items": bad}, format="json")
    assert bulk.json()["failed"] == len(bad) and SENTINEL not in bulk.content.decode()
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert SENTINEL not in logged
    assert AuditEvent.objects.exclude(action=AuditAction.TOKEN_CREATED).count() == 0
