"""The loaded questionnaire and ruleset, as immutable objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import conditions as c


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    caseworker_label: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    type: str
    audience: str
    prompt: str
    help: str
    caseworker_prompt: str
    caseworker_help: str
    required: bool = False
    sensitive: bool = False
    # date questions: `approximate` also accepts month and year alone (stored YYYY-MM: the answer's precision);
    # `past` asks about a past event, so a date after today is refused (future_date)
    approximate: bool = False
    past: bool = False
    options: tuple[Option, ...] = ()
    show_if: dict | None = None  # normalised
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # {country code: {help, caseworker_help}}: examples naming a country, shown only for that country of origin
    hints_by_country: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    @cached_property
    def option_set(self) -> frozenset[str]:
        return frozenset(self.option_ids)

    @cached_property
    def option_order(self) -> dict[str, int]:
        return {option_id: i for i, option_id in enumerate(self.option_ids)}


@dataclass(frozen=True)
class Questionnaire:
    slug: str
    version: str
    sections: tuple[dict, ...]
    sets: Mapping[str, list]
    questions: tuple[Question, ...]
    checks: tuple = ()  # rules.checks.Check: contradiction checks, in file order

    def __post_init__(self):
        object.__setattr__(self, "by_id", {q.id: q for q in self.questions})
        # Each question's show_if, compiled once (the statuses are computed for every answer set).
        object.__setattr__(
            self,
            "_shown",
            tuple(
                (q.id, None if q.show_if is None else c.compile_question_condition(q.show_if)) for q in self.questions
            ),
        )

    def statuses(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Each question's status (ok / miss / na) from the answers and the show_if conditions.

        Questions are listed after the questions their show_if refers to (the loader checks this), so one
        pass in order is enough.
        """
        statuses: dict[str, str] = {}
        for qid, shown in self._shown:
            if shown is not None and shown(statuses, answers) == c.FALSE:
                statuses[qid] = c.NA
                continue
            value = answers.get(qid)
            statuses[qid] = c.MISS if value is None or value == "unknown" else c.OK
        return statuses


@dataclass(frozen=True)
class Citation:
    text: str
    qr: str | None = None  # the Regulation (EU) 2024/1347 counterpart of a Directive 2011/95/EU citation
    qr_note: str | None = None

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"text": self.text}
        if self.qr or self.qr_note:
            out["qr"] = self.qr
        if self.qr_note:
            out["qr_note"] = self.qr_note
        return out


@dataclass(frozen=True)
class Outcome:
    id: str
    category: str
    title: str
    description: str
    citations: tuple[Citation, ...]
    evidence: tuple[str, ...] = ()
    # per evidence item, the normalised condition that makes it relevant (None: always relevant)
    evidence_when: tuple[dict | None, ...] = ()

    @cached_property
    def citation_dicts(self) -> tuple[dict, ...]:
        return tuple(citation.as_dict() for citation in self.citations)


@dataclass(frozen=True)
class Rule:
    id: str
    outcome: str
    legal_md_rule: int
    rationale: str
    citations: tuple[Citation, ...]
    when: dict  # normalised
    strong_if: dict | None  # normalised
    emit_on_unknown: bool = True
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def when_questions(self) -> list[str]:
        return c.referenced_questions(self.when)


@dataclass(frozen=True)
class PostProcessing:
    id: str
    legal_md_rule: int
    description: str


@dataclass(frozen=True)
class Ruleset:
    slug: str
    version: str
    sha256: str
    questionnaire: Questionnaire
    outcomes: Mapping[str, Outcome]
    rules: tuple[Rule, ...]
    post_processing: tuple[PostProcessing, ...]
    strength_levels: tuple[dict, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        return f"{self.slug}/{self.version}"

    @cached_property
    def rule_by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}


# Post-processing P1 (legal.md rule 36): when the feared actor no longer controls the place of return, these
# outcomes cannot stay "strong": the risk must be re-established against whoever is now in control.
P1_TRIGGER = {"q": "coi_feared_actor_in_control", "eq": "no"}
P1_CATEGORIES = ("persecution_act", "convention_ground")
P1_OUTCOMES = ("sp_15a_death_penalty_or_execution", "sp_15b_torture_or_inhuman_treatment")


def p1_applies_to(outcome: Outcome) -> bool:
    return outcome.category in P1_CATEGORIES or outcome.id in P1_OUTCOMES
