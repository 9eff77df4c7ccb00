"""Translations of the questionnaire and the outcome catalogue (rulesets/<slug>/<version>/translations/<lang>.yaml).

English in questionnaire.yaml and ruleset.yaml is the source. A translation file is keyed by ids, so renaming
English text never silently detaches a translation, and `translation_problems` lists every id a file lacks or
does not know. Text a file lacks falls back to English.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .model import Outcome, Question, Rule, Ruleset
from .yamlfiles import safe_load

SOURCE_LANGUAGE = "en"
QUESTION_TEXTS = ("prompt", "help", "caseworker_prompt", "caseworker_help")


@dataclass(frozen=True)
class Translation:
    language: str
    document: dict

    def section(self, section_id: str, default: str) -> str:
        return self.document.get("sections", {}).get(section_id) or default

    def question(self, question: Question) -> dict[str, Any]:
        """The question's texts in this language: prompt, help, caseworker_* and {option id: label/caseworker_label}."""
        entry = self.document.get("questions", {}).get(question.id, {})
        texts = {key: entry.get(key, getattr(question, key)) for key in QUESTION_TEXTS}
        translated = entry.get("options", {})
        texts["options"] = {}
        for option in question.options:
            text = translated.get(option.id)
            if text:  # a caseworker label falls back to the translated label, never to English
                label = text.get("label") or option.label
                texts["options"][option.id] = {
                    "label": label,
                    "caseworker_label": text.get("caseworker_label") or label,
                }
            else:
                texts["options"][option.id] = {
                    "label": option.label,
                    "caseworker_label": option.caseworker_label or option.label,
                }
        return texts

    def country_hint(self, question: Question, country: str | None) -> dict[str, str]:
        """The question's example for this country of origin ({help, caseworker_help}; empty when none)."""
        hint = question.hints_by_country.get(country or "")
        if not hint:
            return {"help": "", "caseworker_help": ""}
        entry = self.document.get("questions", {}).get(question.id, {}).get("hints_by_country", {}).get(country, {})
        return {key: entry.get(key) or hint[key] for key in ("help", "caseworker_help")}

    def outcome(self, outcome: Outcome) -> dict[str, Any]:
        entry = self.document.get("outcomes", {}).get(outcome.id, {})
        return {
            "title": entry.get("title", outcome.title),
            "description": entry.get("description", outcome.description),
            "evidence": list(entry.get("evidence", outcome.evidence)),
        }

    def citation_texts(self, outcome: Outcome) -> dict[str, str]:
        """{English citation text: its translation} of an outcome (its list, item by item; {} when the list is
        missing or its length differs, so a changed catalogue falls back to English rather than mismatching)."""
        translated = self.document.get("outcomes", {}).get(outcome.id, {}).get("citations") or []
        if len(translated) != len(outcome.citations):
            return {}
        return {c.text: text for c, text in zip(outcome.citations, translated, strict=True) if text}

    def check_message(self, check) -> str:
        """A contradiction check's message (rules.checks.Check) in this language."""
        return self.document.get("checks", {}).get(check.id, {}).get("message") or check.message

    def rule_rationale(self, rule: Rule) -> str:
        return self.document.get("rules", {}).get(rule.id, {}).get("rationale") or rule.rationale


def translations_dir(ruleset: Ruleset) -> Path:
    from .loader import RULESETS_DIR

    return RULESETS_DIR / ruleset.slug / ruleset.version / "translations"


def available_languages(ruleset: Ruleset) -> list[str]:
    directory = translations_dir(ruleset)
    found = sorted(p.stem for p in directory.glob("*.yaml")) if directory.exists() else []
    return [SOURCE_LANGUAGE, *found]


@lru_cache(maxsize=16)
def _load(path: Path) -> dict:
    return safe_load(path.read_text(encoding="utf-8")) or {}


def translation_for(ruleset: Ruleset, language: str | None) -> Translation:
    """The translation for a language code such as "ru" or "uk-UA"; English when there is none."""
    code = (language or SOURCE_LANGUAGE).split("-")[0].lower()
    path = translations_dir(ruleset) / f"{code}.yaml"
    if code == SOURCE_LANGUAGE or not path.exists():
        return Translation(SOURCE_LANGUAGE, {})
    return Translation(code, _load(path))


def translation_problems(ruleset: Ruleset, language: str) -> list[str]:
    """Every missing, empty or unknown entry of a translation file."""
    path = translations_dir(ruleset) / f"{language}.yaml"
    if not path.exists():
        return [f"{language}: no translation file"]
    doc = _load(path)
    problems: list[str] = []
    if doc.get("language") != language:
        problems.append(f"{language}: `language` must be {language!r}")
    sections = doc.get("sections", {})
    for section in ruleset.questionnaire.sections:
        if not sections.get(section["id"]):
            problems.append(f"{language}: section {section['id']} is not translated")
    questions = doc.get("questions", {})
    known = {q.id for q in ruleset.questionnaire.questions}
    problems += [f"{language}: unknown question {qid}" for qid in questions if qid not in known]
    for question in ruleset.questionnaire.questions:
        entry = questions.get(question.id)
        if not entry:
            problems.append(f"{language}: question {question.id} is not translated")
            continue
        for key in QUESTION_TEXTS:
            english = getattr(question, key)
            if key not in entry or (english and not entry[key]):
                problems.append(f"{language}: {question.id}.{key} is not translated")
        options = entry.get("options", {})
        for option in question.options:
            text = options.get(option.id, {})
            if not text.get("label"):
                problems.append(f"{language}: {question.id}.options.{option.id} is not translated")
            if option.caseworker_label and not text.get("caseworker_label"):
                problems.append(f"{language}: {question.id}.options.{option.id}.caseworker_label is not translated")
        problems += [
            f"{language}: {question.id}: unknown option {oid}" for oid in options if oid not in question.option_ids
        ]
        hints = entry.get("hints_by_country", {})
        for code in question.hints_by_country:
            for key in ("help", "caseworker_help"):
                if not hints.get(code, {}).get(key):
                    problems.append(f"{language}: {question.id}.hints_by_country.{code}.{key} is not translated")
        problems += [
            f"{language}: {question.id}: unknown country hint {code}"
            for code in hints
            if code not in question.hints_by_country
        ]
    checks = doc.get("checks", {})
    problems += [
        f"{language}: check {check.id} is not translated"
        for check in ruleset.questionnaire.checks
        if not (checks.get(check.id) or {}).get("message")
    ]
    known_checks = {check.id for check in ruleset.questionnaire.checks}
    problems += [f"{language}: unknown check {cid}" for cid in checks if cid not in known_checks]
    outcomes = doc.get("outcomes", {})
    for outcome in ruleset.outcomes.values():
        entry = outcomes.get(outcome.id) or {}
        if not entry.get("title") or not entry.get("description"):
            problems.append(f"{language}: outcome {outcome.id} is not translated")
        elif len(entry.get("evidence", [])) != len(outcome.evidence):
            problems.append(f"{language}: outcome {outcome.id} evidence has a different number of items")
        if "rules" in doc and len(entry.get("citations", [])) != len(outcome.citations):
            problems.append(f"{language}: outcome {outcome.id} citations have a different number of items")
    problems += [f"{language}: unknown outcome {oid}" for oid in outcomes if oid not in ruleset.outcomes]
    # Rationales and citations are checked once a file translates them (1.1.0 on; 1.0.0's stay in English).
    rules = doc.get("rules", {})
    problems += [
        f"{language}: rule {rule.id} rationale is not translated"
        for rule in ruleset.rules
        if "rules" in doc and not (rules.get(rule.id) or {}).get("rationale")
    ]
    known_rules = {rule.id for rule in ruleset.rules}
    problems += [f"{language}: unknown rule {rid}" for rid in rules if rid not in known_rules]
    return problems
