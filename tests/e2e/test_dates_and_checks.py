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
from .pages import continue_button, sign_in, submit

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
