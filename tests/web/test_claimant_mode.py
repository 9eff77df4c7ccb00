# ruff: noqa: F811  (pytest fixtures imported from test_views)
"""Claimant mode: a caseworker's session handed to the claimant reaches that one interview only, shows no
outcome, times out to the hand-over page and needs the caseworker's password to leave."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from screening import services
from screening.auth import Actor
from screening.web import claimant

from .test_views import PASSWORD, actor, client_in, html, make_screening, member, organisation  # noqa: F401


def start_claimant_mode(client, screening):
    response = client.post(reverse("web:claimant-start", args=[screening.id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:claimant-handover", args=[screening.id])
    return response


@pytest.fixture
def handed(client_in, actor):
    screening = make_screening(
        actor, {"country_of_origin": "RU", "age": 30}, reference="CL-1", respondent="claimant", language="uk"
    )
    start_claimant_mode(client_in, screening)
    return screening


def test_starting_a_claimant_screening_shows_the_hand_over_page_in_its_language(client_in, actor):
    response = client_in.post(
        reverse("web:case-new"), {"reference": "CL-9", "language": "uk", "respondent": "claimant"}
    )
    screening = actor.organisation.screenings.get(reference="CL-9")
    assert response["Location"] == reverse("web:claimant-handover", args=[screening.id])
    page = html(client_in.get(response["Location"]))
    assert '<html lang="uk">' in page
    assert (
        f'href="{reverse("web:case-list")}"' not in page and "casey" not in page and reverse("web:logout") not in page
    )


def test_every_claimant_page_has_no_navigation_username_or_outcome(client_in, handed):
    urls = [
        reverse("web:claimant-handover", args=[handed.id]),
        reverse("web:case-start", args=[handed.id]),
        reverse("web:tasks", args=[handed.id]),
        reverse("web:question", args=[handed.id, "has_other_nationality"]),
        reverse("web:check", args=[handed.id]),
        reverse("web:claimant-end", args=[handed.id]),
        reverse("web:claimant-leave", args=[handed.id]),
    ]
    for url in urls:
        response = client_in.get(url)
        assert response.status_code == 200, url
        page = html(response)
        assert f'href="{reverse("web:case-list")}"' not in page, url
        assert "casey" not in page and reverse("web:logout") not in page, url
        assert reverse("results:result", args=[handed.id]) not in page, url
    check = html(client_in.get(reverse("web:check", args=[handed.id])))
    assert "tag--" not in check  # no strengths
    assert reverse("web:claimant-end", args=[handed.id]) in check
    assert reverse("web:handover", args=[handed.id]) not in check


def test_everything_else_is_refused_server_side(client_in, actor, handed):
    other = make_screening(actor, {"country_of_origin": "BY"}, reference="OTHER", respondent="claimant")
    refused = [
        reverse("web:case-list"),
        reverse("web:case-new"),
        reverse("results:result", args=[handed.id]),
        reverse("results:memo", args=[handed.id]),
        reverse("results:memo_pdf", args=[handed.id]),
        reverse("web:case-start", args=[other.id]),
        reverse("web:question", args=[other.id, "age"]),
        reverse("web:check", args=[other.id]),
        reverse("web:claimant-handover", args=[other.id]),
        "/admin/",
        "/",
    ]
    for url in refused:
        response = client_in.get(url)
        assert response.status_code == 403, url
        assert "OTHER" not in html(response) and "casey" not in html(response), url
    for url in ["/api/v1/screenings/", f"/api/v1/screenings/{handed.id}/", "/api/v1/me/"]:
        response = client_in.get(url)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied", url
    # writes too: another screening, the caseworker hand-over, sign-out
    response = client_in.post(reverse("web:question", args=[other.id, "age"]), {"version": "1", "age": "50"})
    assert response.status_code == 403
    assert client_in.post(reverse("web:handover", args=[handed.id])).status_code == 403
    assert client_in.post(reverse("web:logout")).status_code == 403
    # completing the screening and case notes are the caseworker's, never the claimant's
    assert client_in.post(reverse("web:complete", args=[handed.id]), {"version": "1"}).status_code == 403
    assert client_in.post(reverse("web:case-notes", args=[handed.id]), {"case_notes": "x"}).status_code == 403
    assert "Confirm and complete" not in html(client_in.get(reverse("web:check", args=[handed.id])))
    other.refresh_from_db()
    handed.refresh_from_db()
    assert other.answers == {"country_of_origin": "BY"} and handed.respondent == "claimant"
    assert handed.status == "draft" and handed.case_notes == ""


def test_leaving_needs_the_caseworkers_password(client_in, handed):
    leave = reverse("web:claimant-leave", args=[handed.id])
    response = client_in.post(leave, {"password": "wrong"})
    assert response.status_code == 200 and 'class="error-summary"' in html(response)
    assert client_in.get(reverse("web:case-list")).status_code == 403
    response = client_in.post(leave, {"password": ""})
    assert 'href="#id_password"' in html(response)
    response = client_in.post(leave, {"password": PASSWORD})
    assert response["Location"] == reverse("web:tasks", args=[handed.id])
    assert client_in.cookies["django_language"].value == "en"  # the caseworker's own language again
    assert client_in.get(reverse("web:case-list")).status_code == 200
    assert 'class="tag' in html(client_in.get(reverse("web:check", args=[handed.id])))


def test_too_many_wrong_passwords_sign_the_session_out(client_in, handed, settings):
    settings.SCREENING = {**settings.SCREENING, "CLAIMANT_LEAVE_ATTEMPTS": 3}
    leave = reverse("web:claimant-leave", args=[handed.id])
    for _ in range(2):
        assert client_in.post(leave, {"password": "wrong"}).status_code == 200
    response = client_in.post(leave, {"password": "wrong"})
    assert response["Location"] == reverse("web:login")
    assert client_in.get(reverse("web:case-list"))["Location"].startswith(reverse("web:login"))


def test_an_idle_claimant_session_returns_to_the_hand_over_page_keeping_saved_answers(client_in, handed):
    question = reverse("web:question", args=[handed.id, "has_other_nationality"])
    response = client_in.post(question, {"version": str(handed.version), "has_other_nationality": "false"})
    assert response.status_code == 302
    session = client_in.session
    session[claimant.SESSION_KEY]["seen"] = time.time() - claimant.idle_seconds() - 5
    session.save()
    response = client_in.get(question)
    assert response["Location"] == reverse("web:claimant-handover", args=[handed.id])
    assert client_in.get(question).status_code == 200  # the claimant (or caseworker) carries on from there
    handed.refresh_from_db()
    assert handed.answers["has_other_nationality"] is False and handed.answers["age"] == 30
    assert client_in.get(reverse("web:case-list")).status_code == 403  # still claimant mode


def test_a_caseworker_screening_can_be_handed_over_and_another_session_is_not_affected(actor, member):
    screening = make_screening(actor, {"country_of_origin": "RU"})
    first, second = Client(), Client()
    first.force_login(member)
    second.force_login(member)
    page = html(first.get(reverse("web:case-start", args=[screening.id])))
    assert reverse("web:claimant-start", args=[screening.id]) in page
    start_claimant_mode(first, screening)
    screening.refresh_from_db()
    assert screening.respondent == "claimant"
    assert first.get(reverse("web:case-list")).status_code == 403
    assert second.get(reverse("web:case-list")).status_code == 200


def test_claimant_pages_of_another_organisation_do_not_exist(client_in, db):
    theirs = make_screening(Actor(organisation=services.organisation_create(name="Elsewhere")), respondent="claimant")
    for name in ("claimant-handover", "claimant-end", "claimant-leave"):
        assert client_in.get(reverse(f"web:{name}", args=[theirs.id])).status_code == 404
    assert client_in.post(reverse("web:claimant-start", args=[theirs.id])).status_code == 404
    assert client_in.get(reverse("web:case-list")).status_code == 200  # nothing was locked
