"""The Django admin: organisation-scoped for supervisors and org admins, read-only screenings and audit trail."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse

from screening import services
from screening.auth import Actor
from screening.models import AuditAction, AuditEvent, CountryProfile, Membership, PartnerClient, Role, Screening

pytestmark = pytest.mark.django_db

SENTINEL = "SENTINEL-VALUE"


def answers(country: str) -> dict:
    return {"country_of_origin": country, "age": 30, "ethnic_minority": True, "ethnic_group_name": SENTINEL}


def make_user(organisation, username: str, role: str):
    user = services.user_create(organisation=organisation, username=username, password="unused-pw-123", role=role)
    services.user_staff_sync(user=user)
    return user


@pytest.fixture
def world():
    a = services.organisation_create(name="Alpha Legal")
    b = services.organisation_create(name="Beta Advice")
    screening_a = services.screening_create(actor=Actor(organisation=a), answers=answers("RU"), reference="ALPHA-REF-1")
    screening_b = services.screening_create(actor=Actor(organisation=b), answers=answers("ER"), reference="BETA-REF-1")
    client_a, _ = services.partner_client_create(organisation=a, name="Alpha case system")
    client_b, _ = services.partner_client_create(organisation=b, name="Beta case system")
    return {
        "a": a,
        "b": b,
        "screening_a": screening_a,
        "screening_b": screening_b,
        "event_a": AuditEvent.objects.get(screening_id=screening_a.id),
        "event_b": AuditEvent.objects.get(screening_id=screening_b.id),
        "client_a": client_a,
        "client_b": client_b,
        "supervisor": make_user(a, "sam-supervisor", Role.SUPERVISOR),
        "org_admin": make_user(a, "olga-admin", Role.ORG_ADMIN),
        "caseworker": make_user(a, "cas-worker", Role.CASEWORKER),
        "member_b": make_user(b, "bob-supervisor", Role.SUPERVISOR),
    }


def url(name: str, *args) -> str:
    return reverse(f"admin:screening_{name}", args=args)


def page(client, address: str, **params) -> tuple[int, str]:
    response = client.get(address, params)
    return response.status_code, response.content.decode()


# ---- supervisors see their organisation only ----------------------------------------------------------------------


def test_users_get_admin_access_by_role(world):
    assert world["supervisor"].is_staff and world["org_admin"].is_staff
    assert not world["caseworker"].is_staff


def test_supervisor_sees_own_screenings_only(client, world):
    client.force_login(world["supervisor"])
    status, html = page(client, url("screening_changelist"))
    assert status == 200
    assert "ALPHA-REF-1" in html and str(world["screening_a"].id) in html
    assert "BETA-REF-1" not in html and str(world["screening_b"].id) not in html
    assert "Beta Advice" not in html  # not even in the organisation filter
    assert SENTINEL not in html  # no answers in the list

    status, html = page(client, url("screening_changelist"), q="BETA-REF-1")
    assert status == 200 and "0 results" in html and str(world["screening_b"].id) not in html

    response = client.get(url("screening_change", world["screening_b"].id))
    assert response.status_code in (302, 404)
    assert not AuditEvent.objects.filter(action=AuditAction.VIEWED).exists()


def test_supervisor_opens_own_screening_read_only_and_it_is_audited(client, world):
    client.force_login(world["supervisor"])
    screening = world["screening_a"]
    status, html = page(client, url("screening_change", screening.id))
    assert status == 200
    assert SENTINEL in html  # the detail shows the answers, read-only
    assert 'name="_save"' not in html and "<textarea" not in html
    viewed = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.VIEWED).get()
    assert viewed.actor_label == "user:sam-supervisor"
    assert viewed.actor_user == world["supervisor"] and viewed.organisation == world["a"]
    assert SENTINEL not in json.dumps(viewed.detail)


def test_supervisor_sees_own_audit_events_only(client, world):
    client.force_login(world["supervisor"])
    status, html = page(client, url("auditevent_changelist"))
    assert status == 200
    assert str(world["screening_a"].id) in html
    assert str(world["screening_b"].id) not in html
    assert "Beta Advice" not in html

    status, html = page(client, url("auditevent_changelist"), q=str(world["screening_a"].id))
    assert status == 200 and str(world["screening_a"].id) in html
    status, html = page(client, url("auditevent_changelist"), action="created")
    assert status == 200

    assert client.get(url("auditevent_change", world["event_a"].pk)).status_code == 200
    assert client.get(url("auditevent_change", world["event_b"].pk)).status_code in (302, 404)


@pytest.mark.parametrize("role", ["supervisor", "org_admin"])
def test_nobody_adds_changes_or_deletes_screenings_or_audit_events(client, world, role):
    client.force_login(world[role])
    screening, event = world["screening_a"], world["event_a"]
    assert client.get(url("screening_add")).status_code == 403
    assert client.get(url("screening_delete", screening.id)).status_code == 403
    assert client.post(url("screening_delete", screening.id), {"post": "yes"}).status_code == 403
    assert client.post(url("screening_change", screening.id), {"reference": "changed"}).status_code == 403
    assert client.get(url("auditevent_add")).status_code == 403
    assert client.post(url("auditevent_delete", event.pk), {"post": "yes"}).status_code == 403
    assert client.post(url("auditevent_change", event.pk), {"actor_label": "x"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [str(screening.id)], "post": "yes"}
    client.post(url("screening_changelist"), bulk)
    assert Screening.objects.get(pk=screening.pk).reference == "ALPHA-REF-1"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_superuser_sees_every_organisation_but_still_cannot_change_screenings(client, world):
    admin = get_user_model().objects.create_superuser("root", password="unused-pw-123")
    client.force_login(admin)
    status, html = page(client, url("screening_changelist"))
    assert status == 200 and "ALPHA-REF-1" in html and "BETA-REF-1" in html
    status, html = page(client, url("auditevent_changelist"))
    assert str(world["screening_a"].id) in html and str(world["screening_b"].id) in html
    assert client.get(url("screening_change", world["screening_b"].id)).status_code == 200
    assert client.get(url("auditevent_change", world["event_b"].pk)).status_code == 200
    assert client.get(url("screening_add")).status_code == 403
    assert client.post(url("screening_delete", world["screening_b"].id), {"post": "yes"}).status_code == 403
    assert client.post(url("auditevent_delete", world["event_b"].pk), {"post": "yes"}).status_code == 403
    viewed = AuditEvent.objects.get(screening_id=world["screening_b"].id, action=AuditAction.VIEWED)
    assert viewed.organisation == world["b"] and viewed.actor_label == "user:root"


def test_a_caseworker_or_a_staff_user_without_a_membership_sees_nothing_scoped(client, world):
    caseworker = world["caseworker"]
    caseworker.is_staff = True  # even if someone gives a caseworker admin access
    caseworker.save()
    loner = get_user_model().objects.create_user("loner", password="unused-pw-123", is_staff=True)
    for user in (caseworker, loner):
        client.force_login(user)
        for name in ("screening", "auditevent", "partnerclient", "membership", "organisation"):
            assert client.get(url(f"{name}_changelist")).status_code == 403, (user, name)
        assert client.get(url("screening_change", world["screening_a"].id)).status_code in (302, 403)
    assert not AuditEvent.objects.filter(action=AuditAction.VIEWED).exists()


# ---- organisations, memberships, partner clients -------------------------------------------------------------------


def test_supervisor_sees_own_organisation_members_and_clients(client, world):
    client.force_login(world["supervisor"])
    status, html = page(client, url("organisation_changelist"))
    assert "Alpha Legal" in html and "Beta Advice" not in html
    assert client.get(url("organisation_change", world["b"].pk)).status_code in (302, 404)

    status, html = page(client, url("membership_changelist"))
    assert "sam-supervisor" in html and "cas-worker" in html and "bob-supervisor" not in html

    status, html = page(client, url("partnerclient_changelist"))
    assert "Alpha case system" in html and "Beta case system" not in html
    assert "revoke_tokens" not in html  # supervisors cannot revoke
    status, html = page(client, url("partnerclient_change", world["client_a"].pk))
    assert status == 200 and world["client_a"].token_hash in html
    assert client.get(url("partnerclient_change", world["client_b"].pk)).status_code in (302, 404)
    assert client.get(url("partnerclient_add")).status_code == 403


def test_org_admin_revokes_own_tokens_only(client, world):
    client.force_login(world["org_admin"])
    status, html = page(client, url("partnerclient_changelist"))
    assert "revoke_tokens" in html
    selected = [str(world["client_a"].pk), str(world["client_b"].pk)]  # B's is not in A's queryset
    response = client.post(url("partnerclient_changelist"), {"action": "revoke_tokens", "_selected_action": selected})
    assert response.status_code == 302
    assert PartnerClient.objects.get(pk=world["client_a"].pk).revoked_at is not None
    assert PartnerClient.objects.get(pk=world["client_b"].pk).revoked_at is None
    assert LogEntry.objects.filter(object_id=str(world["client_a"].pk), action_flag=CHANGE).exists()


def test_supervisor_cannot_revoke(client, world):
    client.force_login(world["supervisor"])
    selected = [str(world["client_a"].pk)]
    client.post(url("partnerclient_changelist"), {"action": "revoke_tokens", "_selected_action": selected})
    assert PartnerClient.objects.get(pk=world["client_a"].pk).revoked_at is None


def test_org_admin_changes_a_members_role_and_admin_access_follows(client, world):
    client.force_login(world["org_admin"])
    membership = world["caseworker"].membership
    response = client.post(url("membership_change", membership.pk), {"role": Role.SUPERVISOR})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.SUPERVISOR and membership.organisation == world["a"]
    assert get_user_model().objects.get(pk=world["caseworker"].pk).is_staff

    other = world["member_b"].membership
    client.post(url("membership_change", other.pk), {"role": Role.CASEWORKER})
    assert Membership.objects.get(pk=other.pk).role == Role.SUPERVISOR


# ---- country profiles ------------------------------------------------------------------------------------------------


@pytest.fixture
def profile():
    return CountryProfile.objects.create(
        code="RU",
        name="Russia",
        reviewed="2026-01-15",
        values={"coi_fair_trial": {"value": "no_fair_trial", "sources": [EUAA_2025]}},
    )


EUAA_2025 = {"title": "The Russian Federation – Military service", "publisher": "EUAA", "date": "2025-12-01"}


def form_data(profile, values) -> dict:
    return {"name": profile.name, "reviewed": "2026-03-01", "summary": "", "values": json.dumps(values)}


def make_country_editor(user):
    from django.contrib.auth.models import Group

    from screening.admin import COUNTRY_EDITORS_GROUP

    user.groups.add(Group.objects.get(name=COUNTRY_EDITORS_GROUP))


def test_country_editors_edit_country_profile_values_as_json_with_history(client, world, profile):
    make_country_editor(world["supervisor"])
    client.force_login(world["supervisor"])
    status, html = page(client, url("countryprofile_changelist"))
    assert status == 200 and "Jan. 15, 2026" in html  # the reviewed date
    status, html = page(client, url("countryprofile_change", "RU"))
    assert status == 200 and "&quot;coi_fair_trial&quot;: {" in html  # indented JSON in a textarea

    source = {
        "title": "Country Guidance: Russia",
        "publisher": "EUAA",
        "date": "2026-02-01",
        "url": "https://euaa.europa.eu/",
    }
    values = {"coi_fair_trial": {"value": "fair_trial_available", "sources": [source], "contested": True}}
    response = client.post(url("countryprofile_change", "RU"), form_data(profile, values))
    assert response.status_code == 302, response.content.decode()[:2000]
    profile.refresh_from_db()
    assert str(profile.reviewed) == "2026-03-01"
    assert profile.values == {  # stored with its derived provenance, as loadprofiles stores it
        "coi_fair_trial": {
            "value": "fair_trial_available",
            "sources": [source],
            "source": "Country Guidance: Russia, EUAA",
            "date": "2026-02-01",
            "profile": "RU",
            "reviewed": "2026-03-01",
            "contested": True,
        }
    }
    entry = LogEntry.objects.get(object_id="RU")
    assert entry.user == world["supervisor"] and entry.action_flag == CHANGE
    assert client.get(url("countryprofile_history", "RU")).status_code == 200


@pytest.mark.parametrize(
    "values",
    [
        {"no_such_question": {"value": "x", "sources": [EUAA_2025]}},
        {"coi_fair_trial": {"value": "not_an_option", "sources": [EUAA_2025]}},
        {"coi_fair_trial": {"value": "no_fair_trial"}},
        {"coi_fair_trial": {"value": "no_fair_trial", "sources": [{**EUAA_2025, "title": "Baseline (pub-23)"}]}},
        {"coi_fair_trial": {"value": "no_fair_trial", "sources": [{"title": "EUAA report", "date": "2026-01-01"}]}},
    ],
)
def test_invalid_country_profile_values_are_refused(client, world, profile, values):
    make_country_editor(world["supervisor"])
    client.force_login(world["supervisor"])
    response = client.post(url("countryprofile_change", "RU"), form_data(profile, values))
    assert response.status_code == 200  # the form again, with the problem
    assert "errorlist" in response.content.decode()
    profile.refresh_from_db()
    assert profile.values["coi_fair_trial"]["value"] == "no_fair_trial"
