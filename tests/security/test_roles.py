"""Roles enforced on the web and through the API with a browser session (review D3, D11), deletion on request and
subject access export."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from screening import services
from screening.admin import COUNTRY_EDITORS_GROUP
from screening.auth import Actor
from screening.models import AuditAction, AuditEvent, CountryProfile, Role, Screening

pytestmark = pytest.mark.django_db

ANSWERS = {
    "country_of_origin": "RU",
    "military_situation": "summoned_did_not_report",
    "age": 19,
    "religion": "jehovahs_witness",
}


def signed_in(organisation, username, role) -> tuple[Client, object]:
    user = services.user_create(organisation=organisation, username=username, password="unused-pw-123456", role=role)
    services.user_staff_sync(user=user)
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client, user


@pytest.fixture
def org():
    return services.organisation_create(name="Roles Org")


@pytest.fixture
def screening(org):
    screening = services.screening_create(actor=Actor(organisation=org), answers=ANSWERS, reference="R-1")
    services.screening_reassess(actor=Actor(organisation=org), screening=screening)  # one history row
    return Screening.objects.get(pk=screening.pk)


# ---- D11: the API through a browser session ----------------------------------------------------------------


def test_a_caseworkers_browser_session_cannot_delete_through_the_api(org, screening):
    client, _user = signed_in(org, "case", Role.CASEWORKER)
    response = client.delete(f"/api/v1/screenings/{screening.id}/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Screening.objects.filter(pk=screening.pk).exists()
    assert client.get(f"/api/v1/screenings/{screening.id}/").status_code == 200  # reading is still allowed


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ORG_ADMIN])
def test_supervisors_may_delete_through_the_api(org, screening, role):
    client, _user = signed_in(org, "sup", role)
    assert client.delete(f"/api/v1/screenings/{screening.id}/").status_code == 204
    assert not Screening.objects.filter(pk=screening.pk).exists()


# ---- deletion on request (web) ----------------------------------------------------------------------------


def delete_url(screening) -> str:
    return reverse("casedata:delete", args=[screening.id])


def test_a_caseworker_cannot_delete_on_the_web_or_see_the_links(org, screening):
    client, _user = signed_in(org, "case", Role.CASEWORKER)
    assert client.get(delete_url(screening)).status_code == 403
    response = client.post(delete_url(screening), {"reason": "claimant_request", "version": screening.version})
    assert response.status_code == 403
    assert Screening.objects.filter(pk=screening.pk).exists()
    assert delete_url(screening) not in client.get(reverse("web:tasks", args=[screening.id])).content.decode()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ORG_ADMIN])
def test_a_supervisor_deletes_on_request_with_a_reason_audited(org, screening, role):
    client, user = signed_in(org, "sup", role)
    assert delete_url(screening) in client.get(reverse("web:tasks", args=[screening.id])).content.decode()
    page = client.get(delete_url(screening))
    assert page.status_code == 200
    response = client.post(delete_url(screening), {"version": screening.version})  # no reason
    assert response.status_code == 200 and "Select why" in response.content.decode()
    assert Screening.objects.filter(pk=screening.pk).exists()
    response = client.post(delete_url(screening), {"reason": "claimant_request", "version": screening.version})
    assert response.status_code == 302
    assert not Screening.objects.filter(pk=screening.pk).exists()
    event = AuditEvent.objects.get(screening_id=screening.id, action=AuditAction.DELETED)
    assert event.actor_user == user and event.detail["reason"] == "claimant_request"
    assert "jehovahs_witness" not in json.dumps(event.detail)


def test_a_stale_delete_form_deletes_nothing(org, screening):
    client, _user = signed_in(org, "sup", Role.SUPERVISOR)
    response = client.post(delete_url(screening), {"reason": "claimant_request", "version": screening.version - 1})
    assert response.status_code == 200 and "changed this screening" in response.content.decode()
    assert Screening.objects.filter(pk=screening.pk).exists()


def test_another_organisations_screening_cannot_be_deleted_or_exported(org, screening):
    other = services.organisation_create(name="Other Org")
    client, _user = signed_in(other, "sup-b", Role.SUPERVISOR)
    for name in ("casedata:delete", "casedata:export-json", "casedata:export-pdf"):
        assert client.get(reverse(name, args=[screening.id])).status_code == 404
    assert client.post(delete_url(screening), {"reason": "claimant_request", "version": 1}).status_code == 404
    assert Screening.objects.filter(pk=screening.pk).exists()


# ---- subject access export ----------------------------------------------------------------------------------


def test_subject_access_export_json_holds_everything_and_is_audited(org, screening):
    client, user = signed_in(org, "sup", Role.SUPERVISOR)
    response = client.get(reverse("casedata:export-json", args=[screening.id]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["answers"]["religion"] == "jehovahs_witness"
    assert data["screening"]["reference"] == "R-1"
    assert data["assessment"]["outcomes"] is not None
    assert len(data["assessment_history"]) == 1 and data["assessment_history"][0]["answers"]["age"] == 19
    assert {e["action"] for e in data["audit_events"]} >= {"created", "reassessed", "exported"}
    event = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.EXPORTED).get()
    assert event.actor_user == user and event.detail == {"format": "json"}


def test_subject_access_export_pdf_is_audited(org, screening):
    client, _user = signed_in(org, "sup", Role.ORG_ADMIN)
    response = client.get(reverse("casedata:export-pdf", args=[screening.id]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.get(screening_id=screening.id, action=AuditAction.EXPORTED).detail == {"format": "pdf"}


def test_a_caseworker_cannot_export(org, screening):
    client, _user = signed_in(org, "case", Role.CASEWORKER)
    for name in ("casedata:export-json", "casedata:export-pdf"):
        assert client.get(reverse(name, args=[screening.id])).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


# ---- D3: shared country profiles -------------------------------------------------------------------------------


EUAA = {"title": "The Russian Federation – Military service", "publisher": "EUAA"}


@pytest.fixture
def profile():
    return CountryProfile.objects.create(
        code="RU",
        name="Russia",
        reviewed="2026-01-15",
        values={"coi_fair_trial": {"value": "no_fair_trial", "sources": [{**EUAA, "date": "2025-12-01"}]}},
    )


def profile_post(client, profile):
    values = {"coi_fair_trial": {"value": "fair_trial_available", "sources": [{**EUAA, "date": "2026-02-01"}]}}
    return client.post(
        reverse("admin:screening_countryprofile_change", args=["RU"]),
        {"name": profile.name, "reviewed": "2026-03-01", "summary": "", "values": json.dumps(values)},
    )


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ORG_ADMIN])
def test_a_tenants_supervisor_cannot_change_shared_country_profiles(org, profile, role):
    client, _user = signed_in(org, "sup", role)
    assert client.get(reverse("admin:screening_countryprofile_change", args=["RU"])).status_code == 200  # read
    assert profile_post(client, profile).status_code == 403
    profile.refresh_from_db()
    assert profile.values["coi_fair_trial"]["value"] == "no_fair_trial"


def test_a_staff_user_without_an_organisation_cannot_change_them(profile):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="nomember", password="unused-pw-123456", is_staff=True)
    client = Client()
    client.force_login(user)
    assert profile_post(client, profile).status_code == 403


def test_history_shows_no_other_organisations_usernames(org, profile):
    editor_client, editor = signed_in(org, "editor-a", Role.SUPERVISOR)
    editor.groups.add(Group.objects.get(name=COUNTRY_EDITORS_GROUP))
    assert profile_post(editor_client, profile).status_code == 302
    assert LogEntry.objects.filter(object_id="RU", user=editor).exists()
    other = services.organisation_create(name="Other Org")
    client_b, _user = signed_in(other, "sup-b", Role.SUPERVISOR)
    history = client_b.get(reverse("admin:screening_countryprofile_history", args=["RU"]))
    assert history.status_code == 200 and "editor-a" not in history.content.decode()
    own = editor_client.get(reverse("admin:screening_countryprofile_history", args=["RU"]))
    assert "editor-a" in own.content.decode()
