"""Every read that reveals special-category data leaves an audit record (review D15): the web case list, the API
list, the admin screening list (one `listed` event per request with the ids shown), the tasks and check pages
(every view)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from screening import services
from screening.auth import Actor
from screening.models import AuditAction, AuditEvent, Role

pytestmark = pytest.mark.django_db

ANSWERS = {"country_of_origin": "RU", "military_situation": "summoned_did_not_report", "religion": "jehovahs_witness"}


def listed():
    return list(AuditEvent.objects.filter(action=AuditAction.LISTED).order_by("id"))


def make_screenings(organisation, count, reference="REF"):
    return [
        services.screening_create(actor=Actor(organisation=organisation), answers=ANSWERS, reference=f"{reference}-{i}")
        for i in range(count)
    ]


def signed_in(organisation, username, role=Role.CASEWORKER):
    user = services.user_create(organisation=organisation, username=username, password="unused-pw-123456", role=role)
    services.user_staff_sync(user=user)
    client = Client(REMOTE_ADDR="192.0.2.30")
    client.force_login(user)
    return client, user


def test_the_web_case_list_is_one_listed_event_per_view_with_the_ids_shown():
    org = services.organisation_create(name="List Org")
    other = services.organisation_create(name="Other List Org")
    shown = make_screenings(org, 3)
    make_screenings(other, 2)
    client, user = signed_in(org, "lister")
    assert client.get(reverse("web:case-list")).status_code == 200
    (event,) = listed()
    assert (event.organisation, event.actor_user, event.screening_id) == (org, user, None)
    assert event.ip_address == "192.0.2.30"
    assert sorted(event.detail["screenings"]) == sorted(str(s.id) for s in shown)
    assert event.detail["view"] == "case_list"
    client.get(reverse("web:case-list"), {"q": "REF-1"})
    assert listed()[-1].detail["screenings"] == [str(shown[1].id)]
    client.get(reverse("web:case-list"), {"q": "no such reference"})  # nothing shown: nothing to record
    assert len(listed()) == 2


def test_the_api_list_is_one_listed_event_with_its_filters(partner):
    shown = make_screenings(partner.organisation, 3)
    response = partner.api.get("/api/v1/screenings/", {"page_size": 2})
    assert response.status_code == 200
    (event,) = listed()
    assert event.actor_client == partner.client and event.organisation == partner.organisation
    assert event.detail["screenings"] == [item["id"] for item in response.json()["results"]]
    assert len(event.detail["screenings"]) == 2 and set(event.detail["screenings"]) <= {str(s.id) for s in shown}
    partner.api.get("/api/v1/screenings/", {"status": "draft"})
    assert listed()[-1].detail["filters"] == {"status": "draft"}


def test_the_admin_screening_list_is_audited_per_organisation_shown():
    org = services.organisation_create(name="Admin List Org")
    other = services.organisation_create(name="Admin List Org 2")
    ours, theirs = make_screenings(org, 2), make_screenings(other, 1)
    client, supervisor = signed_in(org, "sup", Role.SUPERVISOR)
    assert client.get(reverse("admin:screening_screening_changelist")).status_code == 200
    (event,) = listed()
    assert event.organisation == org and event.actor_user == supervisor and event.detail["view"] == "admin_list"
    assert sorted(event.detail["screenings"]) == sorted(str(s.id) for s in ours)

    root = get_user_model().objects.create_superuser(username="root", password="unused-pw-123456")
    client = Client()
    client.force_login(root)
    client.get(reverse("admin:screening_screening_changelist"))
    by_org = {e.organisation: e.detail["screenings"] for e in listed()[1:]}
    assert by_org == {org: by_org[org], other: [str(theirs[0].id)]}
    assert sorted(by_org[org]) == sorted(str(s.id) for s in ours)


def test_the_tasks_and_check_pages_are_audited_at_every_view():
    org = services.organisation_create(name="Pages Org")
    (screening,) = make_screenings(org, 1)
    client, user = signed_in(org, "reader")
    for _ in range(2):
        assert client.get(reverse("web:tasks", args=[screening.id])).status_code == 200
        assert client.get(reverse("web:check", args=[screening.id])).status_code == 200
    views = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.VIEWED).order_by("id")
    assert [e.detail["page"] for e in views] == ["tasks", "check", "tasks", "check"]
    assert all(e.actor_user == user for e in views)
