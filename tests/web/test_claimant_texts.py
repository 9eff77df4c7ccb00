# ruff: noqa: F811  (pytest fixtures imported from test_views)
"""Claimant-facing hints carry no legal citations; the caseworker keeps them."""

from __future__ import annotations

import pytest
from django.urls import reverse

import rules
from rules.claimant_texts import LEGAL_CITATION, cites_law
from rules.translations import translation_for
from screening import interview as iv
from screening.web.forms import question_field

from .test_views import actor, client_in, html, make_screening, member, organisation  # noqa: F401


def test_the_citation_pattern_knows_the_forms_used_in_the_files():
    for text in (
        "UNHCR treats draft evasion and desertion alike (GIP No. 10, para 3)",
        "(Керівництво УВКБ ООН, paras 167-169)",
        "QR Art 9(2)(e) (QD Art 9(2)(e))",
        "C-472/13 Shepherd",
        "Регламент (ЕС) 2024/1347",
    ):
        assert cites_law(text), text
    for text in ("Example: a Russian who also holds Kazakh citizenship.", "Наприклад, повістка", "", None):
        assert not cites_law(text), text


@pytest.mark.parametrize("version", ["military_service/1.0.0", "military_service/1.1.0"])
@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_no_claimant_hint_cites_law_in_any_version_or_language(version, language):
    ruleset = rules.load_ruleset(version)
    translation_ = translation_for(ruleset, language)
    hidden = 0
    for question in ruleset.questionnaire.questions:
        field = question_field(question, translation=translation_, language=language, mode=iv.CLAIMANT, value="")
        assert not LEGAL_CITATION.search(field.hint), (question.id, field.hint)
        caseworker = question_field(question, translation=translation_, language=language, mode=iv.CASEWORKER, value="")
        hidden += bool(caseworker.hint) and cites_law(translation_.question(question)["help"])
    assert hidden > 5  # the citations exist, and the caseworker still sees them


def test_the_claimant_page_hides_the_citation_the_caseworker_sees(client_in, actor):
    claimant = make_screening(actor, {"country_of_origin": "UA"}, respondent="claimant", language="uk")
    page = html(client_in.get(reverse("web:question", args=[claimant.id, "military_situation"])))
    assert "GIP No. 10" not in page and "УВКБ" not in page
    caseworker = make_screening(actor, {"country_of_origin": "UA"}, language="uk")
    section = rules.load_ruleset("military_service/1.1.0").questionnaire.by_id["military_situation"].section
    page = html(client_in.get(reverse("web:section", args=[caseworker.id, section])))
    assert "GIP No. 10" in page
