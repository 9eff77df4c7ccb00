"""An organisation admin resets a member's password, for their own organisation only: the old password stops at
once, the member's sessions end, and a one-time link lets the member set a new one (review D1)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from screening import services
from screening.account_events import AccountAction, account_event
from screening.models import Role
from tests.security.accounts import PASSWORD, sign_in

NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture
def organisation(db):
    return services.organisation_create(name="Helping Hands")


def member(organisation, username, role=Role.CASEWORKER):
    user = services.user_create(organisation=organisation, username=username, password=PASSWORD, role=role)
    services.user_staff_sync(user=user)
    return user


@pytest.fixture
def events():
    received = []

    def receive(sender, **kwargs):
        received.append((kwargs["action"], kwargs["user"].get_username(), kwargs["actor"].get_username()))

    account_event.connect(receive)
    yield received
    account_event.disconnect(receive)


@pytest.fixture
def boss(organisation):
    return member(organisation, "boss", Role.ORG_ADMIN)


@pytest.fixture
def admin_client(boss):
    client = Client()
    client.force_login(boss)  # verified by a second factor (tests/conftest.py)
    return client


def link_of(response) -> str:
    return re.search(
        r'<code class="reset-link" lang="en">http://testserver(/accounts/reset/[^<]+)</code>', response.content.decode()
    ).group(1)


def test_the_admin_resets_a_member_who_then_sets_a_new_password_once(organisation, admin_client, events):
    casey = member(organisation, "casey")
    casey_browser = Client()
    assert sign_in(casey_browser, "casey").status_code == 302
    page = admin_client.get("/accounts/members/").content.decode()
    assert "casey" in page and "boss" not in page.split("<tbody>")[1]  # not oneself

    response = admin_client.post(f"/accounts/members/{casey.pk}/reset/")
    assert response.status_code == 200
    link = link_of(response)
    casey.refresh_from_db()
    assert not casey.has_usable_password()
    assert casey_browser.get("/cases/").status_code == 302  # signed out everywhere
    assert sign_in(Client(), "casey").status_code == 200  # the old password is refused

    anonymous = Client()
    form_page = anonymous.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    short = anonymous.post(set_url, {"new_password1": "too-short", "new_password2": "too-short"})
    assert "at least 12 characters" in short.content.decode()
    done = anonymous.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert sign_in(Client(), "casey", NEW_PASSWORD).status_code == 302
    again = Client().get(link, follow=True).content.decode()
    assert "This link does not work" in again
    assert events == [
        (AccountAction.PASSWORD_RESET_ISSUED, "casey", "boss"),
        (AccountAction.PASSWORD_RESET_USED, "casey", "casey"),
    ]


def test_another_organisations_member_a_superuser_or_oneself_cannot_be_reset(
    organisation, admin_client, boss, django_user_model
):
    outsider = member(services.organisation_create(name="Other NGO"), "olga")
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    from screening.models import Membership

    Membership.objects.create(user=root, organisation=organisation, role=Role.CASEWORKER)
    assert "olga" not in admin_client.get("/accounts/members/").content.decode()
    for user in (outsider, root, boss):
        assert admin_client.post(f"/accounts/members/{user.pk}/reset/").status_code == 404
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
    assert admin_client.post("/accounts/members/999999/reset/").status_code == 404


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR])
def test_only_an_organisation_admin_may_reset(organisation, role):
    casey = member(organisation, "casey")
    user = member(organisation, "someone", role)
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/members/").status_code == 404
    assert client.post(f"/accounts/members/{casey.pk}/reset/").status_code == 404
    casey.refresh_from_db()
    assert casey.check_password(PASSWORD)


def test_a_reset_lifts_the_members_lockout(organisation, admin_client, settings):
    casey = member(organisation, "casey")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{n}"), "casey", "wrong-password-123")
    assert sign_in(Client(REMOTE_ADDR="192.0.2.1"), "casey").status_code == 429
    link = link_of(admin_client.post(f"/accounts/members/{casey.pk}/reset/"))
    anonymous = Client()
    set_url = anonymous.get(link, follow=True).redirect_chain[-1][0]
    anonymous.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert sign_in(Client(REMOTE_ADDR="192.0.2.1"), "casey", NEW_PASSWORD).status_code == 302
