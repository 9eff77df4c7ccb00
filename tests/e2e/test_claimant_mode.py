"""Claimant mode in a real browser: a Ukrainian claimant is handed the device, answers, tries to reach the case
list, the result and another screening (all refused), finishes, and the caseworker takes the device back with
their password. axe-core checks every claimant page type."""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from screening import services
from screening.auth import Actor
from screening.models import Screening

from .conftest import new_page, orm
from .pages import choose_country, continue_button, sign_in, submit


def ui(text: str, language: str = "uk") -> str:
    with translation.override(language):
        return gettext(text)


def expect_no_caseworker_chrome(page, username: str) -> None:
    """No link to the case list, no username, no sign-out, no result."""
    expect(page.locator('a[href="/cases/"]')).to_have_count(0)
    expect(page.locator("a[href$='/result/']")).to_have_count(0)
    expect(page.locator("header")).not_to_contain_text(username)
    expect(page.locator("form[action$='/accounts/logout/']")).to_have_count(0)


def test_ukrainian_claimant_from_hand_over_to_hand_back(browser, live_server, people, recorder):
    with orm():
        other = services.screening_create(
            actor=Actor(organisation=people["organisation"]),
            answers={"country_of_origin": "RU"},
            reference="OTHER-CLAIMANT",
            respondent="claimant",
        )
    page = new_page(browser, live_server.url)
    page.goto("/accounts/login/")
    sign_in(page, people["username"], people["password"])
    page.get_by_role("button", name="Start a new screening").click()
    page.get_by_label("Reference (optional)").fill("E2E-UA-claimant")
    page.locator("#id_language_2").check()  # Українська
    page.get_by_label("The claimant, one question per page").check()
    submit(page, continue_button(page))

    # The hand-over page, in Ukrainian, with no navigation.
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.locator("h1")).to_have_text(ui("Answering the questions yourself"))
    expect_no_caseworker_chrome(page, people["username"])
    recorder.shot(page, "hand-over")
    recorder.a11y(page, "hand-over")
    with orm():
        screening = Screening.objects.get(reference="E2E-UA-claimant")
    page.get_by_role("button", name=ui("Start or continue your answers")).click()
    expect_no_caseworker_chrome(page, people["username"])
    page.get_by_role("button", name=ui("Start now")).click()
    page.get_by_role("button", name=ui("Continue")).click()

    # Two answers.
    expect(page).to_have_url(re.compile(r"/question/country_of_origin/$"))
    expect_no_caseworker_chrome(page, people["username"])
    recorder.a11y(page, "question (claimant mode)")
    choose_country(page, "country_of_origin", "UA")
    submit(page, continue_button(page))
    expect(page).to_have_url(re.compile(r"/question/has_other_nationality/$"))
    page.locator('main input[name="has_other_nationality"][value="false"]').check()
    # The language switch saves what was chosen first (a button of the page's form), then shows the page again.
    submit(page, page.locator("header").get_by_role("button", name="Русский"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator('main input[name="has_other_nationality"][value="false"]')).to_be_checked()
    expect_no_caseworker_chrome(page, people["username"])
    submit(page, page.locator("header").get_by_role("button", name="Українська"))
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    submit(page, continue_button(page))
    question_url = page.url

    # Typed URLs outside this interview are refused: the case list, the result, another screening, the API.
    refused = [
        "/cases/",
        f"/cases/{screening.id}/result/",
        f"/cases/{screening.id}/memo/",
        f"/cases/{other.id}/",
        f"/cases/{other.id}/question/age/",
        "/admin/",
    ]
    for url in refused:
        response = page.goto(url)
        assert response.status == 403, url
        expect(page.locator("h1")).to_have_text(ui("This page is not available"))
        expect(page.locator("main")).not_to_contain_text("OTHER-CLAIMANT")
        expect_no_caseworker_chrome(page, people["username"])
    recorder.shot(page, "refused")
    recorder.a11y(page, "refused")
    response = page.goto("/api/v1/screenings/")
    assert response.status == 403 and response.json()["code"] == "permission_denied"
    page.goto("/cases/")
    page.get_by_role("link", name=ui("Go back to your questions")).click()
    expect(page).to_have_url(re.compile(rf"/cases/{screening.id}/tasks/$"))
    page.goto(question_url)
    expect(page.locator("h1")).to_be_visible()

    # Check your answers: answers only.
    page.goto(f"/cases/{screening.id}/check/")
    expect(page.locator("h1")).to_have_text(ui("Check your answers"))
    main = page.locator("main")
    expect(main).to_contain_text(ui("Have you finished?"))
    expect(main).not_to_contain_text(ui("Provisional outcomes"))
    expect(main.locator(".tag")).to_have_count(0)
    expect(main).not_to_contain_text(ui("See the screening result"))
    expect_no_caseworker_chrome(page, people["username"])
    recorder.shot(page, "check-answers-only")
    recorder.a11y(page, "check (claimant mode)")

    # The end page: thanks, hand the device back.
    page.get_by_role("button", name=ui("I have finished")).click()
    expect(page.locator("h1")).to_have_text(ui("Thank you"))
    expect(page.locator("main")).to_contain_text(ui("Please hand the device back"))
    expect_no_caseworker_chrome(page, people["username"])
    recorder.shot(page, "end")
    recorder.a11y(page, "end")

    # The caseworker's password to leave: a wrong one is refused, the right one opens the case in English.
    page.get_by_role("link", name=ui("I am the caseworker: take the device back")).click()
    page.get_by_label(ui("Caseworker's password")).fill("not-the-password")
    submit(page, page.get_by_role("button", name=ui("Leave claimant mode")))
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text(
        ui("The password is not right. Hand the device to the caseworker.")
    )
    recorder.shot(page, "leave-wrong-password")
    recorder.a11y(page, "leave (error)")
    assert page.goto("/cases/").status == 403  # still claimant mode
    page.goto(f"/cases/{screening.id}/claimant/leave/")
    page.get_by_label(ui("Caseworker's password")).fill(people["password"])
    submit(page, page.get_by_role("button", name=ui("Leave claimant mode")))
    # the screening's task list (in its interview language) with the caseworker's header again
    expect(page.locator("h1")).to_have_text(ui("Screening interview"))
    expect(page.locator("header")).to_contain_text(people["username"])
    page.get_by_role("link", name=ui("See the screening result")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the caseworker's own pages: their language
    expect(page.locator("h1")).to_have_text("Screening result: E2E-UA-claimant")
    page.goto("/cases/")
    expect(page.locator("main")).to_contain_text("OTHER-CLAIMANT")
