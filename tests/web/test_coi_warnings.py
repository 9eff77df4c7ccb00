"""Stale and contested country-profile values (issue 9 item 5): a value older than COI_STALE_AFTER_DAYS (by its newest
source's date, else the profile's review date) or marked contested carries a warning wherever it is used: the
suggestion, Check your answers, the result, the memo, the PDF and the API. "Today" is passed or fixed, never waited
for."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from screening import provenance, services
from screening.models import CountryProfile
from screening.pdf import memo_pdf
from screening.web import results
from tests.web.test_provenance import REFUSER, accept_conflict_section, actor, member, page, user  # noqa: F401
from tests.web.test_results import pdf_text

CONFLICT = "armed_conflict_involvement"  # RU: newest source 2 March 2022, not contested
PENALTY = "coi_penalty_assessment"  # RU: contested


# ---- the rule, with the date passed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, on, after_days, stale",
    [
        ({"date": "2022-03-02", "reviewed": "2026-11-30"}, dt.date(2023, 3, 2), 365, False),  # exactly 365 days
        ({"date": "2022-03-02", "reviewed": "2026-11-30"}, dt.date(2023, 3, 3), 365, True),  # 366 days
        ({"date": "2022-03-02"}, dt.date(2026, 12, 6), 5000, False),  # a longer setting
        ({"reviewed": "2026-11-30"}, dt.date(2026, 12, 6), 365, False),  # no source date: the review date
        ({"reviewed": "2024-11-30"}, dt.date(2026, 12, 6), 365, True),
        ({}, dt.date(2026, 12, 6), 365, True),  # undated: never presented as current
    ],
)
def test_a_value_is_stale_when_older_than_the_setting(entry, on, after_days, stale):
    assert provenance.is_stale(entry, on=on, after_days=after_days) is stale


@override_settings(COI_STALE_AFTER_DAYS=30)
def test_the_setting_is_read_and_flags_are_worked_out_for_the_day():
    entries = {"a": {"date": "2026-11-01"}, "b": {"date": "2026-11-20", "contested": True}}
    flagged = provenance.with_flags(entries, on=dt.date(2026, 12, 6))
    assert flagged["a"]["stale"] is True and flagged["a"]["contested"] is False
    assert flagged["b"]["stale"] is False and flagged["b"]["contested"] is True
    assert "stale" not in entries["a"]  # the stored entries are not changed


# ---- every page that uses the value -----------------------------------------------------------------------------


@pytest.fixture
def ru(db):
    services.country_profiles_load()
    return CountryProfile.objects.get(code="RU")


def frozen(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(provenance, "today", lambda: day)


STALE = "Check for newer country information"
CONTESTED = "Contested: sources or courts disagree"


def block_of(html: str, qid: str) -> str:
    return html.split(f'id="question-{qid}"')[1].split("</fieldset>")[0]


@pytest.mark.django_db
def test_suggestions_warn_of_stale_and_contested_values(member, actor, ru, monkeypatch):  # noqa: F811
    assert ru.values[PENALTY].get("contested") is True and not ru.values[CONFLICT].get("contested")
    screening = services.screening_create(actor=actor, answers=REFUSER)
    url = reverse("web:section", args=[screening.id, "conflict"])
    frozen(monkeypatch, dt.date(2022, 6, 1))  # three months after the conflict value's source
    assert STALE not in block_of(page(member, url), CONFLICT)
    frozen(monkeypatch, dt.date(2026, 12, 6))
    conflict = block_of(page(member, url), CONFLICT)
    assert f"{STALE}: this value rests on information from 2 March 2022, more than 365 days old." in conflict
    assert CONTESTED not in conflict
    with override_settings(COI_STALE_AFTER_DAYS=5000):
        assert STALE not in block_of(page(member, url), CONFLICT)

    services.screening_update(actor=actor, screening=screening, answers={"feared_consequences": ["imprisonment"]})
    penalty_section = reverse("web:section", args=[screening.id, "consequences"])
    with override_settings(COI_STALE_AFTER_DAYS=5000):
        penalty = block_of(page(member, penalty_section), PENALTY)
    assert CONTESTED in penalty and STALE not in penalty


@pytest.mark.django_db
def test_accepted_values_keep_their_warnings_on_every_page_and_in_the_api(member, actor, ru, monkeypatch):  # noqa: F811
    frozen(monkeypatch, dt.date(2026, 12, 6))
    screening = services.screening_create(actor=actor, answers=REFUSER, reference="warn-1")
    accept_conflict_section(member, screening, ru)
    screening.refresh_from_db()
    warning = f"{STALE}: this value rests on information from 2 March 2022"

    check = page(member, reverse("web:check", args=[screening.id]))
    assert warning in check.split('id="section-conflict"')[1].split("</dl>")[0]
    result = page(member, reverse("results:result", args=[screening.id]))
    assert warning in result.split('id="coi-from-profile"')[1].split("</section>")[0]
    memo = page(member, reverse("results:memo", args=[screening.id]))
    assert warning in memo.split('id="memo-answers"')[1]
    text = re.sub(r"\s+", " ", pdf_text(memo_pdf(results.memo_context(screening, language="en"), compress=False)))
    assert warning in text

    frozen(monkeypatch, dt.date(2022, 6, 1))
    assert STALE not in page(member, reverse("web:check", args=[screening.id]))
