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
