"""Dates and contradiction checks in a real browser (issue 11 items 4 and 5; review D1-D3): each date rule with
only the box at fault highlighted, month and year alone for the approximate departure date ("May 2022" on Check
your answers). axe-core checks each page type."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from rules.validation import latest_today
from screening import services
from screening.auth import Actor
from screening.models import Screening

from .conftest import new_page, orm
from .pages import choose_country, continue_button, sign_in, submit

DATE_Q = "date_left_country"
RED = "rgb(212, 53, 28)"  # #d4351c, the error colour


def signed_in(browser, live_server, people):
    page = new_page(browser, live_server.url)
    page.goto("/accounts/login/")
    sign_in(page, people["username"], people["password"])
    return page


def _box(page, part):
    return page.locator(f"main #q-{DATE_Q}-{part}")


def _type_date(page, day, month, year):
    for part, value in (("day", day), ("month", month), ("year", year)):
        _box(page, part).fill(value)
    submit(page, continue_button(page))


def _red(page, part) -> bool:
    return _box(page, part).evaluate("el => getComputedStyle(el).borderTopColor") == RED


def test_each_date_rule(browser, live_server, people, recorder):
    with orm():
        screening = services.screening_create(
            actor=Actor(organisation=people["organisation"]), answers={"country_of_origin": "RU"}
        )
    page = signed_in(browser, live_server, people)
    page.goto(f"/cases/{screening.id}/section/journey_and_timing/")
    hint = page.locator(f"main #q-{DATE_Q}-hint")
    expect(hint).to_contain_text("For example, 27 3 2022. If you do not know the day, enter the month and year only")
    expect(page.locator("main legend", has_text="When did the person last leave")).not_to_contain_text("YYYY")

    # a missing month: the message names it, and only the month box is red
    _type_date(page, "20", "", "2022")
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="Date must include a month")).to_have_attribute(
        "href", f"#q-{DATE_Q}-month"
    )
    assert [_red(page, p) for p in ("day", "month", "year")] == [False, True, False]
    expect(_box(page, "day")).to_have_value("20")  # what was typed stays
    expect(_box(page, "year")).to_have_value("2022")
    recorder.shot(page, "date-missing-month")
    recorder.a11y(page, "date error")

    # a two-digit year (review D2: "22" was saved as 0022)
    _type_date(page, "20", "10", "22")
    expect(page.get_by_role("alert")).to_contain_text("Year must include 4 numbers")
    assert [_red(page, p) for p in ("day", "month", "year")] == [False, False, True]
    recorder.shot(page, "date-two-digit-year")

    # a departure in the future (review D1)
    _type_date(page, "1", "5", str(latest_today().year + 1))
    expect(page.get_by_role("alert")).to_contain_text("Date must be today or in the past")
    assert [_red(page, p) for p in ("day", "month", "year")] == [True, True, True]
    recorder.shot(page, "date-in-the-future")
    with orm():
        assert DATE_Q not in Screening.objects.get(id=screening.id).answers

    # month and year alone: accepted for this approximate question, stored YYYY-MM, shown as a month
    _type_date(page, "", "5", "2022")
    expect(page).to_have_url(re.compile(r"/check/$"))
    row = page.locator("main .summary-list__row", has_text="When did the person last leave")
    expect(row).to_contain_text("May 2022")
    recorder.shot(page, "check-your-answers-month-and-year")
    recorder.a11y(page, "check your answers")
    with orm():
        assert Screening.objects.get(id=screening.id).answers[DATE_Q] == "2022-05"


def test_an_error_and_a_warning_contradiction_through_to_check_your_answers(browser, live_server, people, recorder):
    with orm():
        screening = services.screening_create(
            actor=Actor(organisation=people["organisation"]),
            answers={
                "country_of_origin": "RU",
                "host_country": "DE",
                "age": 19,
                "military_situation": "openly_refused",
            },
        )
    page = signed_in(browser, live_server, people)

    # error level: a recruitment age above the age now is refused at the field, and what was typed stays
    page.goto(f"/cases/{screening.id}/section/military_status/")
    page.locator("main #q-recruitment_age").fill("60")
    submit(page, continue_button(page))
    message = "The age when first recruited (or first at risk of recruitment) is higher than the age now."
    expect(page.get_by_role("alert").get_by_role("link", name=re.compile(re.escape(message)))).to_have_attribute(
        "href", "#q-recruitment_age"
    )
    expect(page.locator("#question-recruitment_age .error-message")).to_contain_text(message)
    expect(page.locator("main #q-recruitment_age")).to_have_value("60")
    recorder.shot(page, "contradiction-error")
    recorder.a11y(page, "contradiction error")
    page.locator("main #q-recruitment_age").fill("18")
    submit(page, continue_button(page))
    with orm():
        assert Screening.objects.get(id=screening.id).answers["recruitment_age"] == 18

    # warning level: the host country is the country of origin; saved, but the page comes back with the warning
    page.goto(f"/cases/{screening.id}/section/profile/")
    choose_country(page, "host_country", "RU")
    submit(page, continue_button(page))
    expect(page).to_have_url(re.compile(r"/section/profile/#warnings$"))
    panel = page.get_by_role("region", name="Check these answers")
    expect(panel).to_contain_text("The country where the person is now is their country of origin.")
    recorder.shot(page, "contradiction-warning-on-the-page")
    recorder.a11y(page, "section with a warning")

    # Check your answers lists it; Confirm and complete is refused until it is confirmed
    page.goto(f"/cases/{screening.id}/check/")
    warning = page.locator("#warning-host_country_is_country_of_origin")
    expect(warning).to_contain_text("The country where the person is now is their country of origin.")
    recorder.shot(page, "check-your-answers-warning")
    recorder.a11y(page, "check your answers with a warning")
    submit(page, page.get_by_role("button", name="Confirm and complete"))
    expect(page.get_by_role("alert").first).to_contain_text("Check the answers listed under “Answers to check”")
    with orm():
        assert Screening.objects.get(id=screening.id).status == "draft"
    submit(page, warning.get_by_role("button", name=re.compile("I have checked this")))
    expect(page.locator("#warning-host_country_is_country_of_origin")).to_contain_text(
        "A caseworker has confirmed these answers."
    )
    submit(page, page.get_by_role("button", name="Confirm and complete"))
    with orm():
        assert Screening.objects.get(id=screening.id).status == "complete"
    recorder.shot(page, "completed-after-confirming")
