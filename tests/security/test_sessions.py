"""Sessions end after 30 idle minutes and 12 hours after sign-in (configurable); the sign-in page says why and
returns to the page; answers saved before stay saved (review D9). Time is moved by rewriting the session's
timestamps, never by sleeping."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from screening import services
from screening.auth import Actor
from screening.web import sessions
from tests.security.accounts import signed_in as sign_in_as

PASSWORD = "a-long-test-password"


@pytest.fixture
def member(db):
    organisation = services.organisation_create(name="Helping Hands")
    return services.user_create(organisation=organisation, username="casey", password=PASSWORD)


@pytest.fixture
def signed_in(member):
    client = Client()
    sign_in_as(client, "casey")
    return client


def age_session(client: Client, *, signed_in_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[sessions.SIGNED_IN_AT] = now - signed_in_ago
    session[sessions.SEEN_AT] = now - seen_ago
    session.save()


def test_sign_in_stamps_the_session_and_the_cookie_lives_no_longer_than_the_absolute_limit(signed_in):
    session = signed_in.session
    assert abs(session[sessions.SIGNED_IN_AT] - time.time()) < 60
    assert settings.SESSION_COOKIE_AGE == 12 * 3600 == sessions.absolute_seconds()
    assert sessions.idle_seconds() == 30 * 60
    response = signed_in.get("/cases/")
    assert response.status_code == 200


def test_an_idle_session_is_signed_out_and_sent_to_sign_in_with_a_message(signed_in):
    age_session(signed_in, signed_in_ago=3600, seen_ago=30 * 60 + 5)
    response = signed_in.get("/cases/?q=abc")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/accounts/login/"
    assert parse_qs(target.query) == {"next": ["/cases/?q=abc"], "expired": ["idle"]}
    page = signed_in.get(response["Location"])
    assert "You have been signed out" in page.content.decode()
    assert "nothing was done on this device" in page.content.decode()
    assert "_auth_user_id" not in signed_in.session  # signed out, not just redirected
    assert signed_in.get("/cases/").status_code == 302


def test_activity_keeps_an_idle_session_alive(signed_in):
    age_session(signed_in, signed_in_ago=3600, seen_ago=29 * 60)
    assert signed_in.get("/cases/").status_code == 200
    assert time.time() - signed_in.session[sessions.SEEN_AT] < 60  # the request counted as activity
    assert signed_in.get("/cases/").status_code == 200


def test_the_absolute_limit_ends_an_active_session(signed_in):
    age_session(signed_in, signed_in_ago=12 * 3600 + 5, seen_ago=10)
    response = signed_in.get("/cases/")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["expired"] == ["absolute"]
    assert "longest time a sign-in lasts" in signed_in.get(response["Location"]).content.decode()


def test_the_limits_come_from_settings(signed_in, settings):
    settings.SCREENING = {**settings.SCREENING, "SESSION_IDLE_SECONDS": 60, "SESSION_ABSOLUTE_SECONDS": 7200}
    age_session(signed_in, signed_in_ago=120, seen_ago=61)
    assert parse_qs(urlsplit(signed_in.get("/cases/")["Location"]).query)["expired"] == ["idle"]


def test_a_post_after_expiry_saves_nothing_and_the_saved_answers_are_kept(signed_in, member):
    actor = Actor(organisation=member.membership.organisation, user=member)
    screening = services.screening_create(actor=actor, answers={"country_of_origin": "RU"})
    age_session(signed_in, signed_in_ago=3600, seen_ago=31 * 60)
    page = f"/cases/{screening.id}/section/profile/"
    response = signed_in.post(page, {"version": screening.version, "shown": ["age"], "age": "19"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [page]  # back to the same page after
    screening.refresh_from_db()
    assert screening.answers == {"country_of_origin": "RU"} and screening.version == 1


def test_the_api_with_an_expired_session_is_refused_not_redirected(signed_in):
    age_session(signed_in, signed_in_ago=3600, seen_ago=31 * 60)
    response = signed_in.get("/api/v1/screenings/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_an_expired_session_reason_is_ignored_unless_known(client, db):
    page = client.get("/accounts/login/?expired=<b>x</b>").content.decode()
    assert "You have been signed out" not in page


def test_the_keepalive_counts_as_activity_for_a_signed_in_session(signed_in):
    age_session(signed_in, signed_in_ago=3600, seen_ago=25 * 60)
    response = signed_in.get("/accounts/session/")
    assert response.status_code == 204 and "no-store" in response["Cache-Control"]
    assert time.time() - signed_in.session[sessions.SEEN_AT] < 60
    age_session(signed_in, signed_in_ago=3600, seen_ago=31 * 60)  # too late: the keepalive cannot revive it
    assert signed_in.get("/accounts/session/").status_code == 302
    assert "_auth_user_id" not in signed_in.session


def test_signed_in_pages_carry_the_idle_limit_and_the_warning_others_do_not(signed_in, client):
    page = signed_in.get("/cases/").content.decode()
    assert 'data-session-idle="1800" data-session-keepalive="/accounts/session/"' in page
    assert 'id="session-warning" role="alert" hidden' in page
    anonymous = client.get("/accounts/login/").content.decode()
    assert "data-session-idle" not in anonymous and "session-warning" not in anonymous
    assert client.get("/accounts/session/").status_code == 302
