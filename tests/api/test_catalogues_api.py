"""The public catalogues: questionnaire (with language negotiation), outcomes, country profiles."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from rules.translations import translation_for
from screening import apis
from screening.models import CountryProfile

from .conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def profiles(db):
    call_command("loadprofiles", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("accept", "served"),
    [
        (None, "en"),
        ("en", "en"),
        ("ru", "ru"),
        ("uk-UA,uk;q=0.9,en;q=0.5", "uk"),
        ("de-DE", "en"),
        ("*", "en"),
        ("ru;q=0, xx", "en"),
    ],
)
def test_questionnaire_is_served_in_the_preferred_translated_language(ruleset, accept, served):
    headers = {} if accept is None else {"HTTP_ACCEPT_LANGUAGE": accept}
    response = api_client().get("/api/v1/questionnaire/", **headers)
    assert response.status_code == 200
    assert response["Content-Language"] == served
    assert "Accept-Language" in response["Vary"]
    body = response.json()
    assert set(body) == {"ruleset", "sections", "sets", "questions"}  # the existing shape, unchanged
    english = api_client().get("/api/v1/questionnaire/").json()
    localised = translation_for(ruleset, served)
    assert [q["id"] for q in body["questions"]] == [q["id"] for q in english["questions"]]
    pairs = zip(body["questions"], english["questions"], ruleset.questionnaire.questions, strict=True)
    for mine, source, question in pairs:
        texts = localised.question(question)
        assert mine["prompt"] == texts["prompt"] and mine["caseworker_help"] == texts["caseworker_help"]
        assert {k: v for k, v in mine.items() if k not in TEXTS} == {k: v for k, v in source.items() if k not in TEXTS}
        for option in mine.get("options", []):
            assert option["label"] == texts["options"][option["id"]]["label"]
    assert [s["title"] for s in body["sections"]] == [
        localised.section(s["id"], s["title"]) for s in ruleset.questionnaire.sections
    ]
    if served != "en":
        assert body["questions"][0]["prompt"] != english["questions"][0]["prompt"]


TEXTS = {"prompt", "help", "caseworker_prompt", "caseworker_help", "options"}


@pytest.mark.parametrize(
    ("accept", "served"),
    [
        (None, "en"),
        ("ru", "ru"),
        ("uk-UA,uk;q=0.9,en;q=0.5", "uk"),
        ("de, ru;q=0.8, en;q=0.9", "en"),
        ("de, ru;q=0.8", "ru"),
        ("ru;q=0, uk;q=0.1", "uk"),
        ("fr", "en"),
        ("ru;q=abc", "en"),
        ("UK", "uk"),
    ],
)
def test_language_negotiation_picks_the_most_preferred_served_language(accept, served):
    assert apis.negotiate_language(accept, ("en", "ru", "uk")) == served
    assert apis.negotiate_language(accept, ("en",)) == "en"  # English when a language is not translated


def test_served_languages_are_the_translated_ones_of_settings_languages(ruleset, settings):
    assert apis.served_languages(ruleset) == ("en", "ru", "uk")
    settings.LANGUAGES = [("en", "English"), ("uk", "Українська")]
    assert apis.served_languages(ruleset) == ("en", "uk")


def test_outcome_catalogue(ruleset):
    body = api_client().get("/api/v1/outcomes/").json()
    assert body["ruleset"] == {"version": ruleset.version, "sha256": ruleset.sha256}
    assert [level["id"] for level in body["strength_levels"]] == ["strong", "arguable", "needs_information"]
    assert [p["id"] for p in body["post_processing"]] == [p.id for p in ruleset.post_processing]
    assert [o["id"] for o in body["outcomes"]] == list(ruleset.outcomes)
    for item in body["outcomes"]:
        outcome = ruleset.outcomes[item["id"]]
        assert item["citations"] == list(outcome.citation_dicts)
        assert (item["title"], item["category"], item["description"]) == (
            outcome.title,
            outcome.category,
            outcome.description,
        )
        assert item["evidence"] == list(outcome.evidence)
        emitting = [r for r in ruleset.rules if r.outcome == outcome.id]
        assert [r["id"] for r in item["rules"]] == [r.id for r in emitting]
        for rule, data in zip(emitting, item["rules"], strict=True):
            assert (data["rationale"], data["legal_md_rule"]) == (rule.rationale, rule.legal_md_rule)
    assert sum(len(o["rules"]) for o in body["outcomes"]) == len(ruleset.rules)


def test_country_list_and_detail(profiles):
    body = api_client().get("/api/v1/countries/").json()
    codes = [c["code"] for c in body["countries"]]
    assert codes == sorted(CountryProfile.objects.values_list("code", flat=True)) and "RU" in codes
    ru = api_client().get("/api/v1/countries/RU/")
    assert ru.status_code == 200
    data = ru.json()
    stored = CountryProfile.objects.get(code="RU")
    assert (data["name"], data["reviewed"], data["summary"]) == (stored.name, str(stored.reviewed), stored.summary)
    # the stored values, each flagged stale/contested for today
    assert {q: {k: v for k, v in e.items() if k != "stale"} for q, e in data["values"].items()} == {
        q: {**e, "contested": bool(e.get("contested"))} for q, e in stored.values.items()
    }
    assert set(data["values"]["coi_fair_trial"]) >= {"value", "sources", "source", "date", "stale", "contested"}
    assert api_client().get("/api/v1/countries/ru/").json()["code"] == "RU"


@pytest.mark.parametrize("code", ["ZZ", "RUS", "R", "xx"])
def test_unknown_country_is_404(profiles, code):
    response = api_client().get(f"/api/v1/countries/{code}/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "There is no country profile with this code.",
        "errors": [],
    }


def test_no_profiles_loaded_gives_an_empty_list(db):
    assert api_client().get("/api/v1/countries/").json() == {"countries": []}
