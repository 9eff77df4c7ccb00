"""Dates the GOV.UK way (issue 11 item 4; review D1-D3): four-digit years, no future date for a past event, an
error naming the missing part with only that box highlighted, and month-and-year alone for an approximate
question, stored YYYY-MM and shown as "May 2022" in the interface language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from rules import ErrorCode, load_ruleset, validate
from rules import conditions as c
from rules.loader import check_condition
from rules.validation import is_future, latest_today
from screening import interview as iv
from screening.dates import long_date
from screening.web.forms import answer_lines

from . import test_views
from .test_interview_logic import form
from .test_views import html, make_screening

# the signed-in caseworker fixtures of test_views
organisation, member, actor, client_in = (
    test_views.organisation,
    test_views.member,
    test_views.actor,
    test_views.client_in,
)

DATE_Q = "date_left_country"
NEXT_YEAR = str(latest_today().year + 1)


def typed(day="", month="", year=""):
    return {f"{DATE_Q}-day": day, f"{DATE_Q}-month": month, f"{DATE_Q}-year": year}


@pytest.fixture(params=["1.0.0", "1.1.0"])
def question(request):
    return load_ruleset(f"military_service/{request.param}").questionnaire.by_id[DATE_Q]


def parse(question, **parts):
    answers, errors = iv.parse_form([question], form(**typed(**parts)))
    return answers.get(DATE_Q), [(e.message, e.parts, e.field) for e in errors]


def test_the_date_question_is_approximate_and_past_in_both_versions(question):
    assert question.approximate and question.past
    assert "YYYY" not in question.prompt and "YYYY" not in question.caseworker_prompt  # review D3's label


@pytest.mark.parametrize(
    ("parts", "stored"),
    [
        ({"day": "27", "month": "9", "year": "2022"}, "2022-09-27"),
        ({"day": "01", "month": "05", "year": "2022"}, "2022-05-01"),
        ({"month": "5", "year": "2022"}, "2022-05"),  # approximate: month and year alone
    ],
)
def test_a_real_date_is_stored(question, parts, stored):
    assert parse(question, **parts) == (stored, [])


@pytest.mark.parametrize(
    ("parts", "message", "boxes"),
    [
        ({"day": "20", "month": "10", "year": "22"}, "Year must include 4 numbers", ("year",)),
        ({"day": "20", "month": "10", "year": "0022"}, "Year must be 1900 or later", ("year",)),
        ({"day": "20", "year": "2022"}, "Date must include a month", ("month",)),
        ({"day": "20", "month": "10"}, "Date must include a year", ("year",)),
        ({"year": "2022"}, "Date must include a month", ("month",)),  # the day is optional here
        ({"day": "20"}, "Date must include a month and a year", ("month", "year")),
        ({"day": "31", "month": "2", "year": "2022"}, "Date must be a real date", ("day",)),
        ({"day": "3", "month": "13", "year": "2022"}, "Date must be a real date", ("month",)),
        ({"day": "x", "month": "10", "year": "2022"}, "Date must be a real date", ("day",)),
        ({"day": "1", "month": "5", "year": NEXT_YEAR}, "Date must be today or in the past", ("day", "month", "year")),
        ({"month": "5", "year": NEXT_YEAR}, "Date must be today or in the past", ("month", "year")),
    ],
)
def test_each_date_rule_names_the_problem_and_only_its_boxes(question, parts, message, boxes):
    value, errors = parse(question, **parts)
    assert value is None
    assert errors == [(message, boxes, f"q-{DATE_Q}-{boxes[0]}")]


def test_an_exact_date_question_needs_the_day(question):
    from dataclasses import replace

    exact = replace(question, approximate=False)
    assert parse(exact, month="5", year="2022") == (None, [("Date must include a day", ("day",), f"q-{DATE_Q}-day")])
    assert validate({DATE_Q: "2022-05"}) == []  # the real (approximate) question takes it


def test_today_is_accepted_and_tomorrow_anywhere_is_not():
    today = latest_today()
    assert not is_future(today.isoformat())
    assert is_future((today + dt.timedelta(days=1)).isoformat())
    assert not is_future(f"{today.year:04d}-{today.month:02d}")  # this month
    assert is_future("2027-05", today=dt.date(2026, 12, 6)) and not is_future("2026-12", today=dt.date(2026, 12, 6))


# ---- the API's validation (rules.validate: the API, batch and triage all use it) ---------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2022-02-30", ErrorCode.INVALID_DATE),
        ("2022-13", ErrorCode.INVALID_DATE),
        ("2022-5", ErrorCode.INVALID_DATE),
        ("0022-10-20", ErrorCode.OUT_OF_RANGE),
        (f"{NEXT_YEAR}-05-01", ErrorCode.FUTURE_DATE),
        (f"{NEXT_YEAR}-05", ErrorCode.FUTURE_DATE),
    ],
)
def test_the_api_refuses_bad_dates_with_a_specific_code(value, code):
    errors = validate({DATE_Q: value})
    assert [(e.question, e.code) for e in errors] == [(DATE_Q, code)]
    assert value not in errors[0].message


def test_year_and_month_only_for_an_approximate_question():
    assert validate({DATE_Q: "2022-05"}) == []
    ruleset = load_ruleset()
    from dataclasses import replace

    from rules.validation import _check_value

    exact = replace(ruleset.questionnaire.by_id[DATE_Q], approximate=False)
    _, problems = _check_value(exact, "2022-05")
    assert problems[0].code == ErrorCode.INVALID_DATE
    assert "only where the question is approximate" in problems[0].message


# ---- conditions on an approximate date compare months ---------------------------------------------------------


def test_conditions_compare_an_approximate_date_by_month():
    leaf = {"q": DATE_Q, "eq": "2022-09"}
    for value, holds in (("2022-09", True), ("2022-09-21", True), ("2022-10", False), ("2022-10-01", False)):
        assert c.test_answer(leaf, value) is holds
        assert c.compile_test(leaf)(value) is holds
        assert c.test_answer({"q": DATE_Q, "ne": "2022-09"}, value) is not holds
        assert c.compile_test({"q": DATE_Q, "ne": "2022-09"})(value) is not holds
    assert c.test_answer({"q": "x", "eq": "2022-09-21"}, "2022-09-21")  # exact dates: plain equality
    ruleset = load_ruleset()
    problems = check_condition(
        {"q": DATE_Q, "eq": "2022-09-21"},
        where="test",
        questions=ruleset.questionnaire.by_id,
        sets=ruleset.questionnaire.sets,
        known_outcomes=None,
        earlier_outcomes=None,
    )
    assert problems == ["test: date_left_country is an approximate date: compare it by month, written YYYY-MM"]


# ---- shown in the interface language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "month", "day"),
    [
        ("en", "May 2022", "1 May 2022"),
        ("ru", "май 2022\u202fг.", "1 мая 2022\u202fг."),
        ("uk", "травень 2022\u202fр.", "1 травня 2022\u202fр."),
    ],
)
def test_a_month_is_shown_as_a_month(language, month, day):
    assert long_date("2022-05", language) == month
    assert long_date("2022-05-01", language) == day
    with translation.override(language):
        ruleset = load_ruleset()
        from rules.translations import translation_for

        line = answer_lines(
            ruleset.questionnaire.by_id[DATE_Q], "2022-05", translation=translation_for(ruleset, language), mode="x"
        )
    assert line == [month]


# ---- the web form ----------------------------------------------------------------------------------------------


def _post(client_in, screening, **parts):
    url = reverse("web:section", args=[screening.id, "journey_and_timing"])
    data = {"version": screening.version, "shown": [DATE_Q], **typed(**parts)}
    return client_in.post(url, data)


def test_a_missing_month_highlights_the_month_alone_and_keeps_what_was_typed(client_in, actor):
    screening = make_screening(actor, {"country_of_origin": "RU"})
    page = html(_post(client_in, screening, day="20", year="2022"))
    assert '<a href="#q-date_left_country-month">Date must include a month</a>' in page
    inputs = re.findall(r'<input class="([^"]*)" id="q-date_left_country-(\w+)"[^>]*value="([^"]*)"', page)
    assert [(part, "input--error" in cls, value) for cls, part, value in inputs] == [
        ("day", False, "20"),
        ("month", True, ""),
        ("year", False, "2022"),
    ]
    screening.refresh_from_db()
    assert DATE_Q not in screening.answers


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"day": "20", "month": "10", "year": "22"}, "Year must include 4 numbers"),
        ({"day": "1", "month": "5", "year": NEXT_YEAR}, "Date must be today or in the past"),
    ],
)
def test_two_digit_years_and_future_dates_are_refused(client_in, actor, parts, message):
    screening = make_screening(actor, {"country_of_origin": "RU"})
    page = html(_post(client_in, screening, **parts))
    assert message in page
    screening.refresh_from_db()
    assert DATE_Q not in screening.answers and screening.version == 1


def test_month_and_year_are_saved_and_shown_as_a_month(client_in, actor):
    screening = make_screening(actor, {"country_of_origin": "RU"})
    response = _post(client_in, screening, month="5", year="2022")
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.answers[DATE_Q] == "2022-05"
    check = html(client_in.get(reverse("web:check", args=[screening.id])))
    assert "May 2022" in check
    page = html(client_in.get(reverse("web:section", args=[screening.id, "journey_and_timing"])))
    assert re.search(r'id="q-date_left_country-day"[^>]*value=""', page)
    assert re.search(r'id="q-date_left_country-month"[^>]*value="5"', page)
    assert "If you do not know the day, enter the month and year only" in page
