"""Sign-in lockout (django-axes, review D1): five failures in a row lock the username, and the client address,
for the cool-off, on the web sign-in page and the admin's; while locked even the right password is refused with a
clear page (429), and the partner API's tokens are not affected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from screening import services
from tests.security.accounts import PASSWORD, sign_in

LIMIT = settings.AXES_FAILURE_LIMIT
LOCKED = "Signing in is blocked for now"


@pytest.fixture
def organisation(db):
    return services.organisation_create(name="Helping Hands")


@pytest.fixture
def casey(organisation):
    return services.user_create(organisation=organisation, username="casey", password=PASSWORD)


@pytest.fixture
def omar(organisation):
    return services.user_create(organisation=organisation, username="omar", password=PASSWORD)


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, path: str = "/accounts/login/"):
    return [sign_in(client, username, "wrong-password-123", path=path) for _ in range(times)]


def test_the_defaults_are_five_failures_and_fifteen_minutes():
    assert LIMIT == 5 and settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_failures_below_the_limit_are_ordinary_errors_and_the_right_password_still_works(casey):
    client = client_from("203.0.113.1")
    responses = fail(client, "casey", LIMIT - 1)
    assert all(
        r.status_code == 200 and "Please enter a correct username and password" in r.content.decode() for r in responses
    )
    assert sign_in(client, "casey").status_code == 302


def test_a_username_is_locked_from_every_address_and_the_right_password_is_refused(casey):
    for n in range(LIMIT):  # one failure from each of five addresses: per-address counts stay low
        response = sign_in(client_from(f"198.51.100.{n}"), "casey", "wrong-password-123")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    fresh = client_from("192.0.2.77")
    response = sign_in(fresh, "casey")
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page and "Try again in 15 minutes." in page
    assert "_auth_user_id" not in fresh.session
    assert fresh.get("/cases/").status_code == 302  # not signed in


def test_an_address_is_locked_for_every_username(casey, omar):
    client = client_from("203.0.113.9")
    for n in range(LIMIT):  # five different (unknown) usernames from one address
        response = sign_in(client, f"guess{n}", "wrong-password-123")
    assert response.status_code == 429
    assert sign_in(client, "omar").status_code == 429  # a real account, right password, same address: refused
    assert sign_in(client_from("203.0.113.10"), "omar").status_code == 302  # another address is not locked


def test_the_admin_sign_in_is_locked_too(casey, organisation):
    supervisor = services.user_create(organisation=organisation, username="sam", password=PASSWORD, role="supervisor")
    services.user_staff_sync(user=supervisor)
    client = client_from("203.0.113.20")
    responses = fail(client, "sam", LIMIT, path="/admin/login/")
    assert [r.status_code for r in responses] == [200] * (LIMIT - 1) + [429]
    response = sign_in(client, "sam", path="/admin/login/")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_the_cool_off(casey):
    from axes.models import AccessAttempt

    client = client_from("203.0.113.30")
    fail(client, "casey", LIMIT)
    assert sign_in(client, "casey").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert sign_in(client, "casey").status_code == 302


def test_the_lockout_page_is_translated(casey):
    client = client_from("203.0.113.40")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    fail(client, "casey", LIMIT)
    page = sign_in(client, "casey").content.decode()
    assert "Вхід тимчасово заблоковано" in page and "Спробуйте знову через 15 хвилин." in page


def test_partner_tokens_work_while_the_address_is_locked(casey, partner):
    client = client_from("127.0.0.1")
    fail(client, "casey", LIMIT)
    assert sign_in(client, "casey").status_code == 429
    assert partner.api.get("/api/v1/me/", REMOTE_ADDR="127.0.0.1").status_code == 200
