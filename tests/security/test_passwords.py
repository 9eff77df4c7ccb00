"""Passwords of at least 12 characters everywhere (createuser, password change), and the self-service password
change (review D1)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from screening import services
from screening.account_events import AccountAction, account_event
from tests.security.accounts import signed_in as sign_in_as

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "another-long-passphrase"


@pytest.fixture
def organisation(db):
    return services.organisation_create(name="Helping Hands")


@pytest.fixture
def member(organisation):
    return services.user_create(organisation=organisation, username="casey", password=PASSWORD)


def test_eleven_characters_are_refused_and_twelve_accepted():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("qz7!kLp2Xw9")
    validate_password("qz7!kLp2Xw9#")


def test_createuser_refuses_the_reviews_eight_character_password(organisation, monkeypatch):
    monkeypatch.setenv("SCREENING_USER_PASSWORD", "qz7!kLp2")
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("createuser", "Helping Hands", "x", "--noinput")
    monkeypatch.setenv("SCREENING_USER_PASSWORD", "qz7!kLp2Xw9#")
    call_command("createuser", "Helping Hands", "x", "--noinput")
    assert get_user_model().objects.get(username="x").check_password("qz7!kLp2Xw9#")


@pytest.fixture
def events():
    received = []

    def receive(sender, **kwargs):
        received.append(kwargs)

    account_event.connect(receive)
    yield received
    account_event.disconnect(receive)


def test_a_member_changes_their_own_password(member, events):
    client = Client()
    sign_in_as(client, "casey")
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "Change your password" in page.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD) and not member.check_password(PASSWORD)
    assert client.get("/cases/").status_code == 200  # still signed in on this device
    assert [(e["action"], e["user"], e["actor"]) for e in events] == [(AccountAction.PASSWORD_CHANGED, member, member)]
    assert all(NEW_PASSWORD not in repr(e) for e in events)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("wrong-old-password", NEW_PASSWORD, "Your old password was entered incorrectly"),
        (PASSWORD, "short-pass1", "at least 12 characters"),
    ],
)
def test_a_wrong_old_password_or_a_short_new_one_is_refused_with_an_error_summary(member, old, new, message):
    client = Client()
    client.force_login(member)
    response = client.post("/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
