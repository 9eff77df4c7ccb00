"""Security events in the audit trail (review D4): sign-ins, failed sign-ins, sign-outs, lockouts, partner tokens,
roles, privileges and country-profile changes, with who did it and never a password, token or answer value."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from screening import audit_security, services
from screening.admin import COUNTRY_EDITORS_GROUP
from screening.models import AuditAction, AuditEvent, CountryProfile, PartnerClient, Role, Scope

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-SECRET"


@pytest.fixture
def org():
    return services.organisation_create(name="Events Org")


@pytest.fixture
def casey(org):
    return services.user_create(organisation=org, username="casey", password=PASSWORD, role=Role.CASEWORKER)


def staff(org, username, role=Role.ORG_ADMIN):
    user = services.user_create(organisation=org, username=username, password=PASSWORD, role=role)
    services.user_staff_sync(user=user)
    return user


def events(action, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def row_text(event) -> str:
    return json.dumps(AuditEvent.objects.filter(pk=event.pk).values().get(), default=str)


def verify_ok():
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().startswith("OK")


# ---- sign-in, sign-out ---------------------------------------------------------------------------------------------


def test_sign_in_and_sign_out_are_audited_in_the_users_organisation(org, casey):
    client = Client(REMOTE_ADDR="192.0.2.10")
    response = client.post(reverse("web:login"), {"username": "casey", "password": PASSWORD})
    assert response.status_code == 302
    (signed_in,) = events(AuditAction.SIGNED_IN)
    assert (signed_in.organisation, signed_in.actor_user, signed_in.actor_label) == (org, casey, "user:casey")
    assert signed_in.ip_address == "192.0.2.10" and signed_in.screening_id is None
    client.post(reverse("web:logout"))
    (signed_out,) = events(AuditAction.SIGNED_OUT)
    assert (signed_out.organisation, signed_out.actor_user) == (org, casey)
    assert PASSWORD not in row_text(signed_in) + row_text(signed_out)
    verify_ok()


def test_a_failed_sign_in_records_the_username_but_never_the_password(org, casey):
    response = Client(REMOTE_ADDR="192.0.2.11").post(
        reverse("web:login"), {"username": "casey", "password": PASSWORD + "x"}
    )
    assert response.status_code == 200
    (failed,) = events(AuditAction.SIGN_IN_FAILED)
    assert failed.organisation == org and failed.actor_user is None and failed.actor_label == "anonymous"
    assert failed.detail == {"username": "casey", "known_user": True} and failed.ip_address == "192.0.2.11"
    assert PASSWORD not in row_text(failed)
    assert not events(AuditAction.SIGNED_IN)


def test_a_failed_sign_in_of_an_unknown_username_goes_to_the_platform_chain(org):
    Client().post(reverse("web:login"), {"username": "nobody", "password": "whatever-it-was"})
    (failed,) = events(AuditAction.SIGN_IN_FAILED)
    assert failed.organisation is None and failed.detail == {"username": "nobody", "known_user": False}
    assert "whatever-it-was" not in row_text(failed)
    verify_ok()


def test_a_typed_username_is_kept_printable_and_truncated():
    """The sign-in form refuses NUL and over-long usernames before authenticating; other callers of authenticate()
    (the claimant hand-back, a future API) may not, so the handler cleans what it stores."""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    request = RequestFactory().post("/accounts/login/")  # django-axes needs the request
    # 208 characters: over our 150, under the 255 django-axes stores (its column would refuse more on PostgreSQL)
    authenticate(request, username="nobody\x07\n" + "y" * 200, password="whatever-it-was")
    (failed,) = events(AuditAction.SIGN_IN_FAILED)
    assert failed.detail["username"] == ("nobody" + "y" * 200)[:150]


def test_a_lockout_is_audited():
    """django-axes sends user_locked_out; the handler is called as axes calls it (installed or not)."""
    services.user_create(
        organisation=services.organisation_create(name="Locked Org"), username="lou", password=PASSWORD
    )
    request = Client().get("/").wsgi_request
    audit_security.locked_out("axes", request=request, username="lou", ip_address="198.51.100.3")
    (locked,) = events(AuditAction.LOCKED_OUT)
    assert locked.organisation.name == "Locked Org" and locked.detail == {"username": "lou"}


# ---- tokens ------------------------------------------------------------------------------------------------------


def test_createpartner_and_revokepartner_are_audited_without_the_token(org):
    out = io.StringIO()
    call_command("createpartner", "Events Org", "Case system", "--scope", "read_only", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    client = PartnerClient.objects.get(name="Case system")
    (created,) = events(AuditAction.TOKEN_CREATED)
    assert created.organisation == org
    assert created.detail == {"client": str(client.pk), "name": "Case system", "scope": Scope.READ_ONLY}
    call_command("revokepartner", "Events Org", "Case system", stdout=io.StringIO())
    call_command("revokepartner", "Events Org", "Case system", stdout=io.StringIO())  # twice: one event
    (revoked,) = events(AuditAction.TOKEN_REVOKED)
    assert revoked.detail == {"client": str(client.pk), "name": "Case system"}
    assert token not in row_text(created) + row_text(revoked) and client.token_hash not in row_text(created)


def test_an_org_admin_changing_a_token_scope_in_the_admin_is_audited_as_that_user(org):
    admin_user = staff(org, "olga")
    client_obj, _token = services.partner_client_create(organisation=org, name="Case system")
    browser = Client(REMOTE_ADDR="192.0.2.20")
    browser.force_login(admin_user)
    address = reverse("admin:screening_partnerclient_change", args=[client_obj.pk])
    response = browser.post(address, {"name": "Case system", "scope": Scope.EVALUATE_ONLY})
    assert response.status_code == 302, response.content.decode()[:1500]
    (changed,) = events(AuditAction.SCOPE_CHANGED)
    assert changed.actor_user == admin_user and changed.actor_label == "user:olga"
    assert changed.ip_address == "192.0.2.20" and changed.organisation == org
    assert changed.detail["from"] == Scope.FULL and changed.detail["to"] == Scope.EVALUATE_ONLY

    browser.post(
        reverse("admin:screening_partnerclient_changelist"),
        {"action": "revoke_tokens", "_selected_action": [str(client_obj.pk)]},
    )
    (revoked,) = events(AuditAction.TOKEN_REVOKED)
    assert revoked.actor_user == admin_user


# ---- roles and privileges ----------------------------------------------------------------------------------------


def test_a_new_member_and_a_role_change_are_audited(org, casey):
    (granted,) = events(AuditAction.ROLE_CHANGED, detail__user="casey")
    assert granted.organisation == org and granted.detail == {"user": "casey", "from": None, "to": Role.CASEWORKER}
    admin_user = staff(org, "olga")
    browser = Client()
    browser.force_login(admin_user)
    response = browser.post(
        reverse("admin:screening_membership_change", args=[casey.membership.pk]), {"role": Role.SUPERVISOR}
    )
    assert response.status_code == 302
    changes = events(AuditAction.ROLE_CHANGED, detail__user="casey")
    assert [e.detail["to"] for e in changes] == [Role.CASEWORKER, Role.SUPERVISOR]
    assert changes[-1].detail["from"] == Role.CASEWORKER and changes[-1].actor_user == admin_user
    # ...and the admin access that follows the role (is_staff) is a privilege change of its own
    (staff_granted,) = events(AuditAction.PRIVILEGES_CHANGED, detail__user="casey")
    assert staff_granted.detail == {"user": "casey", "is_staff": True}


def test_superuser_and_group_changes_are_privilege_changes(org, casey):
    get_user_model().objects.create_superuser(username="root", password=PASSWORD)
    (root,) = events(AuditAction.PRIVILEGES_CHANGED, detail__user="root")
    assert root.organisation is None and root.detail == {"user": "root", "is_staff": True, "is_superuser": True}
    casey.groups.add(Group.objects.get(name=COUNTRY_EDITORS_GROUP))
    casey.groups.remove(Group.objects.get(name=COUNTRY_EDITORS_GROUP))
    changes = [e.detail for e in events(AuditAction.PRIVILEGES_CHANGED, detail__user="casey")]
    assert changes == [
        {"user": "casey", "groups_added": [COUNTRY_EDITORS_GROUP]},
        {"user": "casey", "groups_removed": [COUNTRY_EDITORS_GROUP]},
    ]


def test_saving_a_user_without_a_privilege_change_is_no_event(casey):
    before = AuditEvent.objects.count()
    casey.first_name = "Casey"
    casey.save()
    Client().force_login(casey)  # updates last_login only (and is a sign-in)
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.order_by("-id").first().action == AuditAction.SIGNED_IN


# ---- country profiles ----------------------------------------------------------------------------------------------

EUAA_2025 = {"title": "The Russian Federation – Military service", "publisher": "EUAA", "date": "2025-12-01"}
VALUES = {"coi_fair_trial": {"value": "no_fair_trial", "sources": [EUAA_2025]}}


def test_an_admin_edit_of_a_country_profile_is_audited_with_the_questions_changed(org):
    profile = CountryProfile.objects.create(code="RU", name="Russia", reviewed="2026-01-15", values=VALUES)
    editor = staff(org, "edna", Role.SUPERVISOR)
    editor.groups.add(Group.objects.get(name=COUNTRY_EDITORS_GROUP))
    browser = Client()
    browser.force_login(editor)
    values = {"coi_fair_trial": {"value": "fair_trial_available", "sources": [EUAA_2025]}}
    response = browser.post(
        reverse("admin:screening_countryprofile_change", args=["RU"]),
        {"name": profile.name, "reviewed": "2026-03-01", "summary": "", "values": json.dumps(values)},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    (changed,) = events(AuditAction.PROFILE_CHANGED, detail__code="RU", detail__fields__isnull=False)
    assert changed.actor_user == editor and changed.organisation == org
    assert changed.detail == {"code": "RU", "fields": ["reviewed", "values"], "questions": ["coi_fair_trial"]}


def test_loadprofiles_audits_what_it_overwrites_and_nothing_when_nothing_changes():
    call_command("loadprofiles", stdout=io.StringIO())
    created = events(AuditAction.PROFILE_CHANGED)
    assert created and all(e.detail.get("created") for e in created)
    assert all(e.organisation is None and e.actor_label == "system" for e in created)  # "command:..." under manage.py
    code = created[0].detail["code"]
    CountryProfile.objects.filter(code=code).update(summary="an edit that loadprofiles will overwrite")
    call_command("loadprofiles", stdout=io.StringIO())
    (overwritten,) = events(AuditAction.PROFILE_CHANGED, detail__fields__isnull=False)
    assert overwritten.detail == {"code": code, "fields": ["summary"]}
    verify_ok()


def test_account_events_are_audited_with_who_did_it(org, casey):
    """screening/account_events.py (password change and reset, second factor) sends account_event; the handler is
    called as that signal calls it, whether that module has landed or not."""
    admin_user = staff(org, "olga")
    request = Client(REMOTE_ADDR="192.0.2.40").get("/").wsgi_request
    audit_security.account_changed(None, action="password_changed", user=casey, actor=casey, request=request)
    audit_security.account_changed(None, action="password_reset_issued", user=casey, actor=admin_user, request=request)
    own, issued = events(AuditAction.PASSWORD_CHANGED) + events(AuditAction.PASSWORD_RESET_ISSUED)
    assert (own.actor_user, own.detail, own.organisation, own.ip_address) == (casey, {}, org, "192.0.2.40")
    assert (issued.actor_user, issued.detail) == (admin_user, {"user": "casey"})
    assert PASSWORD not in row_text(own) + row_text(issued)
