# ruff: noqa: F811  (pytest fixtures imported from test_views)
"""Examples that name a country are shown only when the country of origin is that country (hints_by_country)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

import rules
from rules.claimant_texts import LEGAL_CITATION
from rules.loader import build_questionnaire
from rules.translations import translation_for
from screening import interview as iv
from screening.web.forms import question_field

from .test_views import actor, client_in, html, make_screening, member, organisation  # noqa: F401

RULESET = "military_service/1.1.0"
# The countries the 1.1.0 examples name, in the three languages (stems, to match every case ending).
NAMED = re.compile(
    r"Russia|Росси|Росі|Ukrain|Украин|Україн|Belarus|Беларус|Білорус|Buryat|Бурят|Kazakh|Казах|Turkey|Турц|Туреч"
)


def hint(question_id, language, mode, country):
    ruleset = rules.load_ruleset(RULESET)
    question = ruleset.questionnaire.by_id[question_id]
    translation = translation_for(ruleset, language)
    field = question_field(question, translation=translation, language=language, mode=mode, value="", country=country)
    return field.hint


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_no_claimant_hint_names_a_country_unless_it_is_the_claimants(language):
    ruleset = rules.load_ruleset(RULESET)
    translation = translation_for(ruleset, language)
    for question in ruleset.questionnaire.questions:
        for country in (None, "DE", "SY"):
            field = question_field(
                question, translation=translation, language=language, mode=iv.CLAIMANT, value="", country=country
            )
            assert not NAMED.search(field.hint), (question.id, country, field.hint)


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_each_country_example_is_shown_for_its_country_in_both_modes_without_citations_for_a_claimant(language):
    ruleset = rules.load_ruleset(RULESET)
    translation = translation_for(ruleset, language)
    with_hints = [q for q in ruleset.questionnaire.questions if q.hints_by_country]
    assert len(with_hints) >= 5
    for question in with_hints:
        for country in question.hints_by_country:
            example = translation.country_hint(question, country)
            caseworker = question_field(
                question, translation=translation, language=language, mode=iv.CASEWORKER, value="", country=country
            )
            assert example["caseworker_help"] and example["caseworker_help"] in caseworker.hint
            claimant = question_field(
                question, translation=translation, language=language, mode=iv.CLAIMANT, value="", country=country
            )
            assert not LEGAL_CITATION.search(claimant.hint), (question.id, country)
            if not LEGAL_CITATION.search(example["help"]):
                assert example["help"] in claimant.hint


def test_the_examples_follow_the_country_of_origin():
    assert "Buryat" in hint("ethnic_minority", "en", iv.CLAIMANT, "RU")
    assert "Kurdish" in hint("ethnic_minority", "en", iv.CLAIMANT, "TR")
    assert "Buryat" not in hint("ethnic_minority", "en", iv.CLAIMANT, "TR")
    assert "буряты" in hint("ethnic_minority", "ru", iv.CASEWORKER, "RU")
    assert "кримські татари" in hint("ethnic_minority", "uk", iv.CLAIMANT, "UA")
    assert hint("ethnic_minority", "en", iv.CLAIMANT, None) == hint("ethnic_minority", "en", iv.CLAIMANT, "DE")
    assert "Belarus" in hint("coi_alternative_service", "en", iv.CASEWORKER, "BY")
    assert "Russia" not in hint("coi_alternative_service", "en", iv.CASEWORKER, "BY")


def test_the_loader_refuses_an_unknown_country_code():
    data = {
        "meta": {"slug": "t", "version": "1"},
        "sections": [{"id": "s", "title": "S"}],
        "sets": {},
        "questions": [
            {
                "id": "q",
                "section": "s",
                "type": "boolean",
                "audience": "either",
                "prompt": "Q?",
                "help": "H.",
                "hints_by_country": {"XX": {"help": "Example."}},
            }
        ],
    }
    _questionnaire, problems = build_questionnaire(data)
    assert problems == ["questionnaire: q.hints_by_country: unknown country 'XX'"]


def test_the_claimant_page_shows_the_example_of_their_country_only(client_in, actor):
    russian = make_screening(actor, {"country_of_origin": "RU"}, respondent="claimant", language="en")
    page = html(client_in.get(reverse("web:question", args=[russian.id, "ethnic_minority"])))
    assert "Buryat" in page and "Kurdish" not in page
    syrian = make_screening(actor, {"country_of_origin": "SY"}, respondent="claimant", language="en")
    page = html(client_in.get(reverse("web:question", args=[syrian.id, "ethnic_minority"])))
    assert "Buryat" not in page and "Kurdish" not in page and "minority in the country of origin" in page
