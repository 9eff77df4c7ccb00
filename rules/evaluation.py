"""evaluate(answers) -> Assessment: validation, country-profile defaults, the engine, and the explanation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import conditions as c
from . import explain as x
from . import whatif
from .assessment import STRENGTH_ORDER, Assessment, EvidenceItem, NotMet, OutcomeResult, Reason
from .engine import Fired, engine_for
from .loader import load_ruleset
from .model import Ruleset
from .profiles import apply_country_profile
from .validation import AnswerError, InvalidAnswers, check_answers, validate_answers


def validate(answers: Any, *, ruleset: Ruleset | None = None) -> list[AnswerError]:
    """Every problem with an answer set (empty when it is valid)."""
    ruleset = ruleset or load_ruleset()
    return validate_answers(ruleset.questionnaire, answers)[1]


def evaluate(
    answers: Any,
    *,
    ruleset: Ruleset | None = None,
    country_profile: Mapping[str, Mapping[str, Any]] | None = None,
    apply_country_profile_defaults: bool = False,
    explain: bool = True,
) -> Assessment:
    """Evaluate one answer set. Raises InvalidAnswers (nothing evaluated) when any answer is invalid.

    country_profile: the `values` of a country profile ({question: {value, source, date}}); its defaults are
    used only with apply_country_profile_defaults=True. explain=False leaves out each outcome's reasons (the
    batch output does not carry them), which halves the time spent after the engine.
    """
    ruleset = ruleset or load_ruleset()
    normalised, errors, statuses = check_answers(ruleset.questionnaire, answers)
    if errors:
        raise InvalidAnswers(errors)
    return evaluate_checked(
        normalised,
        statuses,
        ruleset=ruleset,
        country_profile=country_profile,
        apply_country_profile_defaults=apply_country_profile_defaults,
        explain=explain,
    )


def evaluate_checked(
    normalised: Mapping[str, Any],
    statuses: Mapping[str, str],
    *,
    ruleset: Ruleset,
    country_profile: Mapping[str, Mapping[str, Any]] | None = None,
    apply_country_profile_defaults: bool = False,
    explain: bool = True,
) -> Assessment:
    """evaluate() of answers already validated: `normalised` and `statuses` as returned, without errors, by
    rules.validation.check_answers(ruleset.questionnaire, answers). Skips the second validation; anything else
    gives undefined results."""
    questionnaire = ruleset.questionnaire
    used: dict[str, dict] = {}
    if apply_country_profile_defaults and country_profile:
        normalised, used = apply_country_profile(questionnaire, normalised, country_profile)
        statuses = questionnaire.statuses(normalised)
    engine = engine_for(ruleset)
    fired = engine.run(statuses, normalised, explain=explain)
    value = None
    if explain:
        # Outcome leaves read the strengths the rules saw, before post-processing P1 lowered any.
        emitted = {oid: "strong" if f.downgraded_by == "P1" else f.strength for oid, f in fired.items()}
        value = x.memoised(x.leaf_values(statuses, normalised, emitted))
    if explain:
        outcomes = tuple(
            _outcome_result(ruleset, engine.compiled, fired[oid], statuses, normalised, used, fired, value)
            for oid in sorted(fired)
        )
    else:
        outcomes = tuple(_lean_outcome_result(ruleset, fired[oid], statuses) for oid in sorted(fired))
    unanswered = tuple(q for q in engine.question_ids if statuses[q] == c.MISS and q not in normalised)
    return Assessment(
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        outcomes=outcomes,
        unanswered=unanswered,
        country_profile_used=used,
        not_met=_not_met(ruleset, fired, statuses, normalised, used, value) if explain else (),
        evidence_checklist=evidence_checklist(ruleset, outcomes, value) if explain else (),
    )


# The checklist follows the order a claim is argued: acts, reasons, subsidiary protection, then the flags.
CHECKLIST_ORDER = {"persecution_act": 0, "convention_ground": 1, "subsidiary_protection": 2}


def evidence_checklist(ruleset: Ruleset, outcomes, value) -> tuple[EvidenceItem, ...]:
    """One list of the evidence to gather for the present outcomes: an item whose `when` is false on the answers
    is left out (unknown keeps it: the answer may still make it relevant), and a text listed by several
    outcomes appears once, naming them all."""
    items: dict[str, EvidenceItem] = {}
    ordered = sorted(outcomes, key=lambda o: (CHECKLIST_ORDER.get(o.category, 3), STRENGTH_ORDER.get(o.strength, 3)))
    for result in ordered:
        outcome = ruleset.outcomes[result.id]
        for index, text in enumerate(outcome.evidence):
            when = outcome.evidence_when[index] if index < len(outcome.evidence_when) else None
            if when is not None and x.node_value(when, value) == c.FALSE:
                continue
            found = items.get(text)
            if found is None:
                items[text] = EvidenceItem(text=text, outcome=outcome.id, index=index, outcomes=(outcome.id,))
            elif outcome.id not in found.outcomes:
                items[text] = EvidenceItem(found.text, found.outcome, found.index, (*found.outcomes, outcome.id))
    return tuple(items.values())


def _outcome_result(ruleset, compiled, result: Fired, statuses, answers, used, fired, value) -> OutcomeResult:
    outcome = ruleset.outcomes[result.outcome]
    rule = ruleset.rule_by_id[result.rule]
    missing: tuple[str, ...] = ()
    if result.strength == "needs_information":
        missing = tuple(q for q in rule.when_questions if statuses[q] == c.MISS)
    reasons = _reasons(compiled, result, statuses, answers, used, fired) if compiled else ()
    why = tuple(r for r in reasons if r.question is None or statuses[r.question] != c.NA)
    why_not_strong: tuple[Reason, ...] = ()
    would_be_strong_if: tuple[whatif.Step, ...] = ()
    if compiled and result.downgraded_by is None:
        leaves = x.why_not_strong(rule, value, statuses)
        why_not_strong = tuple(_leaf_reason(leaf, statuses, answers, used, fired) for leaf in leaves)
        if result.strength != "strong":
            rules = whatif.rules_for(ruleset, outcome.id)
            would_be_strong_if = whatif.what_if(ruleset, rules, "strong", value, statuses, answers)
    return OutcomeResult(
        id=outcome.id,
        category=outcome.category,
        title=outcome.title,
        strength=result.strength,
        missing_questions=missing,
        citations=outcome.citation_dicts,
        rules=(rule.id,),
        rationale=rule.rationale,
        reasons=reasons,
        evidence=outcome.evidence,
        downgraded_by=result.downgraded_by,
        why=why,
        why_not_strong=why_not_strong,
        would_be_strong_if=would_be_strong_if,
    )


# Without reasons an OutcomeResult depends only on its rule, strength, P1 and missing questions: the (immutable)
# results are shared between evaluations. Bounded: the cache is emptied when full.
_LEAN_RESULTS: dict[tuple, OutcomeResult] = {}
_LEAN_RESULTS_MAX = 4096  # about 1,500 distinct after 10,000 generated sets


def _lean_outcome_result(ruleset: Ruleset, result: Fired, statuses) -> OutcomeResult:
    missing: tuple[str, ...] = ()
    if result.strength == "needs_information":
        missing = tuple(q for q in ruleset.rule_by_id[result.rule].when_questions if statuses[q] == c.MISS)
    key = (ruleset.name, ruleset.sha256, result.rule, result.strength, result.downgraded_by, missing)
    found = _LEAN_RESULTS.get(key)
    if found is None:
        if len(_LEAN_RESULTS) >= _LEAN_RESULTS_MAX:
            _LEAN_RESULTS.clear()
        found = _LEAN_RESULTS[key] = _outcome_result(ruleset, None, result, statuses, {}, {}, {}, None)
    return found


def _leaf_reason(leaf: x.Leaf, statuses, answers, used, fired) -> Reason:
    """A deciding leaf of a tree walk (why not strong, not met) as a Reason, with the answer that decided it."""
    holds = {c.TRUE: "true", c.FALSE: "false", c.UNKNOWN: "unknown"}[leaf.value]
    if "q" in leaf.leaf:
        qid = leaf.leaf["q"]
        ok = statuses[qid] == c.OK
        return Reason(
            condition=leaf.leaf,
            holds=holds,
            negated=leaf.negated,
            question=qid,
            answer=answers.get(qid) if ok else None,
            source=None if not ok else ("country_profile" if qid in used else "answer"),
        )
    ids = leaf.leaf.get("outcome_any") or [leaf.leaf.get("outcome")]
    emitted = [o for o in ids if o in fired]
    return Reason(condition=leaf.leaf, holds=holds, negated=leaf.negated, outcome=",".join(emitted) or None)


def _not_met(ruleset: Ruleset, fired, statuses, answers, used, value) -> tuple[NotMet, ...]:
    """Outcomes no rule emitted whose rule is relevant to these facts, with the conditions that failed."""
    failures: dict[str, tuple[list[str], list[Reason], set]] = {}
    for rule in ruleset.rules:
        if rule.outcome in fired:
            continue
        failed = x.relevant_failure(rule, value, statuses)
        if failed is None:
            continue
        rules, reasons, seen = failures.setdefault(rule.outcome, ([], [], set()))
        rules.append(rule.id)
        for leaf in failed:
            if leaf.key not in seen:
                seen.add(leaf.key)
                reasons.append(_leaf_reason(leaf, statuses, answers, used, fired))
    return tuple(
        NotMet(
            id=oid,
            category=ruleset.outcomes[oid].category,
            title=ruleset.outcomes[oid].title,
            rules=tuple(rules),
            failed=tuple(reasons),
            would_apply_if=whatif.what_if(
                ruleset, [ruleset.rule_by_id[r] for r in rules], "apply", value, statuses, answers
            ),
        )
        for oid, (rules, reasons, _) in failures.items()
    )


def _reasons(compiled, result: Fired, statuses, answers, used, fired) -> tuple[Reason, ...]:
    """The conditions of the firing conjuncts: the answers (and earlier outcomes) that made the rule fire."""
    reasons: list[Reason] = []
    seen: set[str] = set()
    for conjunct in result.conjuncts:
        for lid in conjunct:
            if lid in seen:
                continue
            seen.add(lid)
            if lid in compiled.question_literals:
                lit = compiled.question_literals[lid]
                status = statuses[lit.question]
                reasons.append(
                    Reason(
                        condition=lit.leaf,
                        holds="unknown" if status == c.MISS else "true",
                        negated=lit.mode.startswith("N"),
                        question=lit.question,
                        answer=answers.get(lit.question) if status == c.OK else None,
                        source=None if status != c.OK else ("country_profile" if lit.question in used else "answer"),
                    )
                )
            elif lid in compiled.outcome_literals:
                lit = compiled.outcome_literals[lid]
                ids = lit.leaf.get("outcome_any") or [lit.leaf["outcome"]]
                negated = lit.mode.startswith("N")
                emitted = [o for o in ids if o in fired]
                holds = "true"
                if not negated and emitted and all(fired[o].strength == "needs_information" for o in emitted):
                    holds = "unknown"
                reasons.append(
                    Reason(
                        condition=lit.leaf,
                        holds=holds,
                        negated=negated,
                        outcome=",".join(emitted) if emitted and not negated else None,
                    )
                )
    return tuple(reasons)
