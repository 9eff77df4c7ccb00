"""Confirming a warning-level contradiction through the API (POST screenings/{id}/warnings/{check_id}/confirm/),
as a caseworker does on the web's Check your answers."""

from __future__ import annotations

import pytest

from screening.models import AuditAction, AuditEvent, Scope, Screening
from tests.api.conftest import COMPLETE_ANSWERS, detail_url

pytestmark = pytest.mark.django_db

WARNED = {**COMPLETE_ANSWERS, "host_country": "RU"}  # host country = country of origin: a warning
CHECK = "host_country_is_country_of_origin"


def confirm_url(screening_id, check_id=CHECK) -> str:
    return f"{detail_url(screening_id)}warnings/{check_id}/confirm/"


def create(partner, answers=WARNED) -> dict:
    response = partner.api.post("/api/v1/screenings/", {"answers": answers}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_warning_is_confirmed_recorded_and_audited(partner):
    created = create(partner)
    assert [(w["id"], w["confirmed"]) for w in created["warnings"]] == [(CHECK, False)]
    response = partner.api.post(confirm_url(created["id"]), HTTP_IF_MATCH=f'"{created["version"]}"')
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(w["id"], w["confirmed"]) for w in body["warnings"]] == [(CHECK, True)]
    assert body["version"] == created["version"] + 1 and response["ETag"] == f'"{body["version"]}"'
    stored = Screening.objects.get(pk=created["id"])
    assert stored.confirmed_warnings[CHECK]["answers"] == {"host_country": "RU", "country_of_origin": "RU"}
    event = AuditEvent.objects.filter(screening_id=created["id"], action=AuditAction.CHANGED).get()
    assert event.detail["check"] == CHECK and "RU" not in str(event.detail)  # the check id, never a value
    # a change to an answer it named asks again
    changed = partner.api.patch(detail_url(created["id"]), {"answers": {"country_of_origin": "BY"}}, format="json")
    assert changed.status_code == 200
    assert changed.json()["warnings"] == []  # BY != RU: no warning any more
    again = partner.api.patch(detail_url(created["id"]), {"answers": {"host_country": "BY"}}, format="json")
    assert [(w["id"], w["confirmed"]) for w in again.json()["warnings"]] == [(CHECK, False)]


def test_a_warning_the_answers_do_not_raise_is_404_and_changes_nothing(partner):
    created = create(partner, COMPLETE_ANSWERS)
    for check_id in (CHECK, "no_such_check"):
        response = partner.api.post(confirm_url(created["id"], check_id))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Screening.objects.get(pk=created["id"]).version == created["version"]


def test_a_stale_if_match_is_412_and_changes_nothing(partner):
    created = create(partner)
    response = partner.api.post(confirm_url(created["id"]), HTTP_IF_MATCH=f'"{created["version"] + 5}"')
    assert response.status_code == 412 and response.json()["code"] == "version_conflict"
    assert not Screening.objects.get(pk=created["id"]).confirmed_warnings


def test_a_read_only_token_cannot_confirm(partner, make_partner):
    created = create(partner)
    reader = make_partner("Org A", scope=Scope.READ_ONLY)
    response = reader.api.post(confirm_url(created["id"]))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not Screening.objects.get(pk=created["id"]).confirmed_warnings
