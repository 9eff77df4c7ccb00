"""The result of one evaluation: candidate outcomes with their reasons. A triage aid, never a decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DISCLAIMER = (
    "This is a screening of candidate grounds for a caseworker to examine. It is not a decision on refugee "
    "status or any other protection: every outcome must be checked against the facts, credibility and current "
    "country information."
)

STRENGTH_ORDER = {"strong": 0, "arguable": 1, "needs_information": 2}


@dataclass(frozen=True)
class Reason:
    """One condition of the rule that held: a question's answer, or an earlier outcome."""

    condition: dict  # the normalised leaf, e.g. {"q": "military_situation", "in": [...]}
    holds: str  # "true"; "unknown" (a missing answer keeps it open); "false" (why not strong, not met)
    negated: bool = False  # the rule needed this condition to be false
    question: str | None = None
    answer: Any = None
    source: str | None = None  # "answer" or "country_profile"
    outcome: str | None = None

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"condition": self.condition, "holds": self.holds, "negated": self.negated}
        if self.question is not None:
            out.update(question=self.question, answer=self.answer, source=self.source)
        if self.outcome is not None:
            out["outcome"] = self.outcome
        return out


@dataclass(frozen=True)
class OutcomeResult:
    id: str
    category: str
    title: str
    strength: str
    missing_questions: tuple[str, ...]
    citations: tuple[dict, ...]
    rules: tuple[str, ...]
    rationale: str
    reasons: tuple[Reason, ...] = ()
    evidence: tuple[str, ...] = ()
    downgraded_by: str | None = None  # "P1" when post-processing lowered the strength
    why: tuple[Reason, ...] = ()  # the conditions of the firing conjuncts, asked questions only, no repeats
    why_not_strong: tuple[Reason, ...] = ()  # the strong_if conditions that are false or unknown
    would_be_strong_if: tuple = ()  # rules.whatif.Step: the fewest answers that would make it strong

    def as_dict(self, *, detail: bool = True, citations: bool = True) -> dict:
        """citations=False leaves them out (the batch output gives them by reference, once per ruleset)."""
        out: dict[str, Any] = {
            "id": self.id,
            "category": self.category,
            "strength": self.strength,
            "missing_questions": list(self.missing_questions),
            "citations": list(self.citations),
            "rules": list(self.rules),
        }
        if not citations:
            del out["citations"]
        if detail:
            out.update(
                title=self.title,
                rationale=self.rationale,
                reasons=[r.as_dict() for r in self.reasons],
                why=[r.as_dict() for r in self.why],
                why_not_strong=[r.as_dict() for r in self.why_not_strong],
                would_be_strong_if=[s.as_dict() for s in self.would_be_strong_if],
                evidence=list(self.evidence),
                downgraded_by=self.downgraded_by,
            )
        return out


@dataclass(frozen=True)
class NotMet:
    """An outcome whose rule is relevant to the facts but did not fire: the conditions that failed, with the
    answers that decided them ("considered, not met")."""

    id: str
    category: str
    title: str
    rules: tuple[str, ...]
    failed: tuple[Reason, ...]
    would_apply_if: tuple = ()  # rules.whatif.Step: the fewest answers that would make it apply

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "category": self.category,
            "title": self.title,
            "rules": list(self.rules),
            "failed": [r.as_dict() for r in self.failed],
            "would_apply_if": [s.as_dict() for s in self.would_apply_if],
        }


@dataclass(frozen=True)
class EvidenceItem:
    """One item of the evidence checklist: an outcome's evidence text (the first outcome that lists it, by its
    index, so a translation can be found) and every present outcome that lists the same text."""

    text: str
    outcome: str
    index: int
    outcomes: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"text": self.text, "outcome": self.outcome, "index": self.index, "outcomes": list(self.outcomes)}


@dataclass(frozen=True)
class Assessment:
    ruleset_version: str
    ruleset_sha256: str
    outcomes: tuple[OutcomeResult, ...]
    unanswered: tuple[str, ...]
    country_profile_used: dict = field(default_factory=dict)  # {question: {value, source, date}}
    disclaimer: str = DISCLAIMER
    not_met: tuple[NotMet, ...] = ()
    evidence_checklist: tuple[EvidenceItem, ...] = ()

    def outcome(self, outcome_id: str) -> OutcomeResult | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    def as_stored_dict(self) -> dict:
        """What a stored screening keeps: the outcomes with their strengths and rule ids, and the country-profile
        values the rules used ("explained": false). The reasons, what-if, not-met and evidence lists (about 45 KB
        and three quarters of an evaluation's time) are derived again when they are shown: evaluation is
        deterministic under a ruleset version, and these are its inputs (screening.selectors.full_assessment)."""
        outcomes = []
        for o in self.outcomes:
            item = {
                "id": o.id,
                "category": o.category,
                "strength": o.strength,
                "missing_questions": list(o.missing_questions),
                "rules": list(o.rules),
            }
            if o.downgraded_by:
                item["downgraded_by"] = o.downgraded_by
            outcomes.append(item)
        return {
            "ruleset": {"version": self.ruleset_version, "sha256": self.ruleset_sha256},
            "outcomes": outcomes,
            "unanswered": list(self.unanswered),
            "country_profile_used": self.country_profile_used,
            "explained": False,
        }

    def as_dict(self, *, detail: bool = True, citations: bool = True) -> dict:
        out = {
            "ruleset": {"version": self.ruleset_version, "sha256": self.ruleset_sha256},
            "outcomes": [o.as_dict(detail=detail, citations=citations) for o in self.outcomes],
            "unanswered": list(self.unanswered),
        }
        if detail:
            out["country_profile_used"] = self.country_profile_used
            out["not_met"] = [n.as_dict() for n in self.not_met]
            out["evidence_checklist"] = [e.as_dict() for e in self.evidence_checklist]
            out["disclaimer"] = self.disclaimer
        return out
