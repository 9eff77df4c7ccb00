"""Two-factor authentication (django-otp, review D1): required for supervisors, organisation admins and the Django
admin, optional for caseworkers unless their organisation requires it. Sign-in goes through the real pages here
(password, then the code or the set-up), never through force_login."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from screening import services
from screening.account_events import AccountAction, account_event
from screening.models import Role
from screening.web import two_factor
from tests.security.accounts import PASSWORD, sign_in

SETUP, VERIFY = "/accounts/two-factor/setup/", "/accounts/two-factor/verify/"


@pytest.fixture
def organisation(db):
    return services.organisation_create(name="Helping Hands")


def member(organisation, username, role=Role.CASEWORKER):
    user = services.user_create(organisation=organisation, username=username, password=PASSWORD, role=role)
    services.user_staff_sync(user=user)
    return user


def code_now(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def unthrottle(device) -> None:
    """End the wait a wrong code started (one second after the first failure): not the subject of that test."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def path_of(response) -> str:
    return urlsplit(response["Location"]).path


def next_of(response) -> str:
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ORG_ADMIN])
def test_a_supervisor_or_org_admin_without_a_device_must_set_one_up_before_anything_else(organisation, role):
    user = member(organisation, "sam", role)
    client = Client()
    response = sign_in(client, "sam")
    assert response.status_code == 302
    for page in ("/cases/", "/admin/", "/accounts/password/", "/accounts/"):
        response = client.get(page)
        assert response.status_code == 302 and path_of(response) == SETUP and next_of(response) == page
    api = client.get("/api/v1/screenings/")
    assert api.status_code == 403 and api.json()["code"] == "permission_denied"

    page = client.get(SETUP + "?next=/cases/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "Set up two-factor authentication" in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'<code class="secret" lang="en">([A-Z2-7 ]+)</code>', html).group(1)
    assert len(secret.replace(" ", "")) == 32  # the 20-byte key in base32, to type by hand

    wrong = client.post(SETUP, {"code": "000000" if code_now(device) != "000000" else "111111", "next": "/cases/"})
    assert wrong.status_code == 200 and "The code is not right" in wrong.content.decode()
    assert client.get("/cases/").status_code == 302

    unthrottle(device)
    done = client.post(SETUP, {"code": code_now(device), "next": "/cases/"})
    assert done.status_code == 200 and "Your backup codes" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=user).count() == 10
    assert client.get("/cases/").status_code == 200
    assert client.get("/admin/").status_code == 200  # staff, verified


def test_a_user_with_a_device_is_asked_for_the_code_and_a_code_works_once(organisation):
    user = member(organisation, "sam", Role.SUPERVISOR)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    sign_in(client, "sam")
    response = client.get("/cases/?q=x")
    assert path_of(response) == VERIFY and next_of(response) == "/cases/?q=x"
    assert client.post(VERIFY, {"code": "12345", "next": "/cases/"}).status_code == 200
    unthrottle(device)
    code = code_now(device)
    response = client.post(VERIFY, {"code": code, "next": "/cases/?q=x"})
    assert response.status_code == 302 and response["Location"] == "/cases/?q=x"
    assert client.get("/cases/").status_code == 200

    again = Client()  # the same code, replayed in another session: refused
    sign_in(again, "sam")
    assert again.post(VERIFY, {"code": code, "next": "/cases/"}).status_code == 200
    assert again.get("/cases/").status_code == 302


def test_a_backup_code_works_once(organisation):
    user = member(organisation, "sam", Role.SUPERVISOR)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    code = two_factor.backup_codes_create(user)[0]
    client = Client()
    sign_in(client, "sam")
    assert client.post(VERIFY, {"code": code.upper()[:4] + " " + code.upper()[4:]}).status_code == 302
    assert client.get("/cases/").status_code == 200
    second = Client()
    sign_in(second, "sam")
    assert second.post(VERIFY, {"code": code}).status_code == 200
    assert second.get("/cases/").status_code == 302


def test_wrong_codes_slow_down_guessing(organisation):
    user = member(organisation, "sam", Role.SUPERVISOR)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    sign_in(client, "sam")
    right = code_now(device)
    wrong = f"{(int(right) + 500000) % 1000000:06d}"
    for _ in range(3):
        client.post(VERIFY, {"code": wrong})
    refused = client.post(VERIFY, {"code": right})  # the right code, during the wait after three failures
    assert refused.status_code == 200 and "too many codes were wrong" in refused.content.decode()
    assert client.get("/cases/").status_code == 302


def test_a_caseworker_needs_no_second_factor_but_may_set_one_up(organisation):
    user = member(organisation, "casey")
    client = Client()
    sign_in(client, "casey")
    assert client.get("/cases/").status_code == 200
    assert "Off: signing in needs only your password." in client.get("/accounts/").content.decode()
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    client.post(SETUP, {"code": code_now(device)})
    assert "On: signing in needs a code" in client.get("/accounts/").content.decode()

    later = Client()  # once set up, it is asked for at every sign-in
    sign_in(later, "casey")
    assert path_of(later.get("/cases/")) == VERIFY


def test_an_organisation_can_require_it_of_every_member(organisation):
    member(organisation, "casey")
    organisation.require_two_factor = True
    organisation.save()
    client = Client()
    sign_in(client, "casey")
    assert path_of(client.get("/cases/")) == SETUP
    other = services.organisation_create(name="Other NGO")
    member(other, "olga")
    elsewhere = Client()
    sign_in(elsewhere, "olga")
    assert elsewhere.get("/cases/").status_code == 200


def test_the_admin_needs_a_verified_session(organisation, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    response = sign_in(client, "root", path="/admin/login/?next=/admin/")
    assert response.status_code == 302
    response = client.get("/admin/")
    assert path_of(response) == SETUP and next_of(response) == "/admin/"
    # and the admin site itself refuses an unverified user (should the middleware be missing)
    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.get(username="root")
    request.user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_signing_out_and_switching_language_work_before_the_code(organisation):
    member(organisation, "sam", Role.SUPERVISOR)
    client = Client()
    sign_in(client, "sam")
    assert client.post("/i18n/setlang/", {"language": "ru", "next": SETUP}).status_code == 302
    assert "Настройте двухфакторную аутентификацию" in client.get(SETUP).content.decode()
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_partner_tokens_are_not_asked_for_a_second_factor(partner):
    assert partner.api.get("/api/v1/me/").status_code == 200


def test_setting_up_sends_an_account_event_without_the_code(organisation):
    user = member(organisation, "sam", Role.SUPERVISOR)
    received = []

    def receive(sender, **kwargs):
        received.append(kwargs)

    account_event.connect(receive)
    try:
        client = Client()
        sign_in(client, "sam")
        client.get(SETUP)
        code = code_now(TOTPDevice.objects.get(user=user))
        client.post(SETUP, {"code": code})
    finally:
        account_event.disconnect(receive)
    assert [(e["action"], e["user"]) for e in received] == [(AccountAction.TWO_FACTOR_ENROLLED, user)]
    assert code not in repr(received)


def test_an_org_admin_requires_it_for_their_own_organisation_only_and_cannot_rename_it(organisation):
    boss = member(organisation, "boss", Role.ORG_ADMIN)
    other = services.organisation_create(name="Other NGO")
    client = Client()
    client.force_login(boss)  # verified (tests/conftest.py)
    page = f"/admin/screening/organisation/{organisation.pk}/change/"
    response = client.post(page, {"require_two_factor": "on", "name": "Renamed"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.require_two_factor and organisation.name == "Helping Hands"
    response = client.post(f"/admin/screening/organisation/{other.pk}/change/", {"require_two_factor": "on"})
    assert response.status_code in (302, 403, 404)
    other.refresh_from_db()
    assert not other.require_two_factor
    supervisor = member(organisation, "sam", Role.SUPERVISOR)
    client.force_login(supervisor)
    client.post(page, {"require_two_factor": ""})
    organisation.refresh_from_db()
    assert organisation.require_two_factor  # a supervisor may not change it
