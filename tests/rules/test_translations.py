"""Every question, option, section and outcome is translated into Russian and Ukrainian (real text, not English)."""

import re

import pytest

from rules.translations import available_languages, translation_for, translation_problems

LANGUAGES = ["ru", "uk"]
CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")


def test_the_interview_languages_are_available(ruleset):
    assert set(available_languages(ruleset)) >= {"en", *LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_lacks_a_translation(ruleset, language):
    assert translation_problems(ruleset, language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_are_real_text_not_english_placeholders(ruleset, language):
    translation = translation_for(ruleset, language)
    for question in ruleset.questionnaire.questions:
        texts = translation.question(question)
        for key in ("prompt", "caseworker_prompt"):
            assert CYRILLIC.search(texts[key]) and texts[key] != getattr(question, key), (question.id, key)
        for option in question.options:
            label = texts["options"][option.id]["label"]
            assert label != option.label, (question.id, option.id)
            assert CYRILLIC.search(label), (question.id, option.id, label)
    for outcome in ruleset.outcomes.values():
        title = translation.outcome(outcome)["title"]
        assert CYRILLIC.search(title) and title != outcome.title, outcome.id


def test_an_unknown_language_falls_back_to_english(ruleset):
    question = ruleset.questionnaire.by_id["age"]
    assert translation_for(ruleset, "de").question(question)["prompt"] == question.prompt
    assert translation_for(ruleset, "ru-RU").language == "ru"


@pytest.fixture
def current():
    import rules

    return rules.load_ruleset("military_service/1.1.0")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rule_rationale_is_translated(current, language):
    ruleset = current
    assert translation_problems(ruleset, language) == []  # which also checks every rule and citation list
    translation = translation_for(ruleset, language)
    for rule in ruleset.rules:
        rationale = translation.rule_rationale(rule)
        assert rationale != rule.rationale and CYRILLIC.search(rationale), rule.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_citations_are_translated_item_by_item_keeping_the_article_references(current, language):
    ruleset = current
    translation = translation_for(ruleset, language)
    article = re.compile(r"\b(?:(?:QR|QD|APR|TPD) Arts? \d+[\w()\-]*|GIP No\. \d+|paras? \d+[\d\-]*)")
    translated_somewhere = 0
    for outcome in ruleset.outcomes.values():
        texts = translation.citation_texts(outcome)
        assert set(texts) == {c.text for c in outcome.citations}, outcome.id
        for english, text in texts.items():
            for reference in article.findall(english):
                assert reference in text, (outcome.id, reference, text)
            translated_somewhere += text != english
    assert translated_somewhere > 100  # most name an instrument or explain; pure references stay as they are


def test_a_citation_list_of_another_length_falls_back_to_english(current):
    from rules.translations import Translation

    outcome = next(iter(current.outcomes.values()))
    short = Translation("ru", {"outcomes": {outcome.id: {"citations": ["только одна"] * (len(outcome.citations) + 1)}}})
    assert short.citation_texts(outcome) == {}
