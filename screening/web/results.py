"""The result page, the printable memo and its PDF: a stored assessment shown to a caseworker, in their language.

The assessment (selectors.full_assessment: rules.Assessment.as_dict(), derived from the stored one) holds ids, the
English titles and the reasons; texts are looked up in the active ruleset and its translation (rules.translations)
for the active Django language, falling back to what was stored. Every view is organisation-scoped (screening_for)
and audited: the result page as "viewed", the memo and its PDF as "exported".

Display rule P2 (legal.md rule 25): exclusion review flags come first, with a note that the grounds below them
cannot be relied on until exclusion is cleared. They never remove a ground.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from rules import DISCLAIMER
from rules.model import Question, Ruleset
from rules.translations import Translation, translation_for

from .. import interview as iv
from .. import services
from ..country_names import country_name
from ..dates import long_date
from ..interview import CLAIMANT
from ..models import Respondent, Screening
from ..selectors import active_ruleset, full_assessment, screening_ruleset
from .access import screening_for
from .alternatives import mark_alternatives
from .explanations import explanation_lines, what_if_lines
from .provenance import provenance_views, screening_provenance

EXCLUSION_PREFIX = "flag_exclusion_review_"
# The groups of the result page, in display order (P2: exclusion review first).
GROUPS = ("exclusion", "convention_ground", "persecution_act", "subsidiary_protection", "flag")
STRENGTH_ORDER = iv.STRENGTH_ORDER


# ---- texts -------------------------------------------------------------------------------------------------


def strength_label(strength: str) -> str:
    return {
        "strong": _("Strong"),
        "arguable": _("Arguable"),
        "needs_information": _("Needs information"),
    }.get(strength, strength)


def group_title(group: str) -> str:
    return {
        "exclusion": _("Exclusion review"),
        "convention_ground": _("Convention reasons"),
        "persecution_act": _("Acts of persecution"),
        "subsidiary_protection": _("Subsidiary protection"),
        "flag": _("Other flags"),
    }[group]


def respondent_label(respondent: str) -> str:
    if respondent == Respondent.CLAIMANT:
        return _("The claimant")
    return _("A caseworker on the claimant's behalf")


def disclaimer() -> str:
    """rules.DISCLAIMER in the active language (its gettext msgid is the English text)."""
    return _(DISCLAIMER)


def _date_text(value: str | None) -> str:
    return long_date(str(value)) if value else ""  # a date, or a month (YYYY-MM: an approximate date)


class Texts:
    """The questionnaire and outcome texts of one ruleset in one language, memoised per request."""

    def __init__(self, ruleset: Ruleset, language: str | None):
        self.ruleset = ruleset
        self.translation: Translation = translation_for(ruleset, language)
        self._questions: dict[str, dict] = {}
        self._outcomes: dict[str, dict] = {}

    def question(self, question: Question) -> dict[str, Any]:
        if question.id not in self._questions:
            self._questions[question.id] = self.translation.question(question)
        return self._questions[question.id]

    def prompt(self, question_id: str) -> str:
        """The caseworker's (third-person) prompt of a question, translated."""
        question = self.ruleset.questionnaire.by_id.get(question_id)
        if question is None:  # a question of another ruleset version: show its id
            return question_id
        texts = self.question(question)
        return texts.get("caseworker_prompt") or texts.get("prompt") or question_id

    def section(self, section_id: str) -> str:
        default = next((s["title"] for s in self.ruleset.questionnaire.sections if s["id"] == section_id), section_id)
        return self.translation.section(section_id, default)

    def outcome(self, outcome_id: str, stored: dict | None = None) -> dict[str, Any]:
        """{title, description, evidence} translated; what was stored when the ruleset no longer has the id."""
        if outcome_id not in self._outcomes:
            outcome = self.ruleset.outcomes.get(outcome_id)
            if outcome is None:
                stored = stored or {}
                self._outcomes[outcome_id] = {
                    "title": stored.get("title") or outcome_id,
                    "description": "",
                    "evidence": list(stored.get("evidence") or []),
                }
            else:
                self._outcomes[outcome_id] = self.translation.outcome(outcome)
        return self._outcomes[outcome_id]

    def option(self, question: Question, option_id: Any) -> str:
        option = self.question(question)["options"].get(option_id)
        if option is None:
            return str(option_id)
        return option.get("caseworker_label") or option.get("label") or str(option_id)

    def value(self, question: Question | None, value: Any) -> str:
        """One answer (or a value in a condition) as the caseworker reads it."""
        if value is None:
            return ""
        if question is None:
            return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        kind = question.type
        if kind == "boolean":
            return _("Yes") if value else _("No")
        if kind in ("single_choice", "multi_choice"):
            if isinstance(value, list):
                return "; ".join(self.option(question, v) for v in value)
            return self.option(question, value)
        if kind == "country":
            if isinstance(value, list):
                return "; ".join(country_name(v, get_language()) for v in value)
            return country_name(value, get_language())
        if kind == "date":
            return _date_text(value)
        return str(value)


def _profile_note(profile: dict | None) -> str:
    if not profile:
        return _("(from the country profile)")
    return _("(from the country profile: %(source)s, %(date)s)") % {
        "source": profile.get("source", ""),
        "date": _date_text(profile.get("date")),
    }


def _profile_notes(profile_used: dict):
    """profile_note(qid) for explanation lines: where an answer taken from a country profile came from (accepted
    in the interview or applied as a default), "" for the caseworker's or claimant's own answers."""
    return lambda qid: _profile_note(profile_used[qid]) if qid in profile_used else ""


# ---- outcomes ----------------------------------------------------------------------------------------------


def question_url(screening: Screening, question_id: str, ruleset: Ruleset) -> str:
    """Where a question is answered in the web interview: its own page in claimant mode (a caseworker-only
    question: the hand-over on Check your answers), its section's page (anchored at the field) in caseworker mode."""
    question = ruleset.questionnaire.by_id.get(question_id)
    if screening.respondent == CLAIMANT:
        if question is not None and question.audience == "caseworker":
            return f"/cases/{screening.id}/check/#handover"  # asked once the caseworker takes over
        return f"/cases/{screening.id}/question/{question_id}/"
    section = question.section if question else ""
    return f"/cases/{screening.id}/section/{section}/#q-{question_id}"


def _qr_text(qr: str | None) -> str:
    """ "QR Art 9(2)(e)" -> "Art 9(2)(e)" (the label already says which instrument)."""
    if not qr:
        return ""
    return re.sub(r"^QR\s+", "", qr)


def outcome_view(
    texts: Texts, screening: Screening, stored: dict, profile_used: dict, strengths: dict[str, str] | None = None
) -> dict[str, Any]:
    oid = stored["id"]
    strengths = strengths if strengths is not None else {oid: stored.get("strength", "")}

    profile_note = _profile_notes(profile_used)

    text = texts.outcome(oid, stored)
    known = texts.ruleset.outcomes.get(oid)
    translated = texts.translation.citation_texts(known) if known else {}  # stored citations are in English
    rules_fired = []
    for rule_id in stored.get("rules") or []:
        rule = texts.ruleset.rule_by_id.get(rule_id)
        rules_fired.append(
            {
                "id": rule_id,
                "legal_md_rule": rule.legal_md_rule if rule else None,
                "rationale": texts.translation.rule_rationale(rule) if rule else stored.get("rationale", ""),
            }
        )
    missing = [
        {
            "id": qid,
            "prompt": texts.prompt(qid),
            "url": question_url(screening, qid, texts.ruleset),
        }
        for qid in stored.get("missing_questions") or []
    ]
    downgrade = ""
    if stored.get("downgraded_by") == "P1":
        downgrade = _(
            "Downgraded from strong to arguable: the feared actor no longer controls the place of return, so the risk "
            "must be re-established against whoever is now in control."
        )
    elif stored.get("downgraded_by"):
        downgrade = _("Downgraded from strong to arguable after the rules ran (see the technical details).")
    return {
        "id": oid,
        "category": stored.get("category", ""),
        "strength": stored.get("strength", ""),
        "strength_label": strength_label(stored.get("strength", "")),
        "title": text["title"],
        "description": text["description"],
        "citations": [
            {
                "text": translated.get(cit.get("text", ""), cit.get("text", "")),
                "qr": _qr_text(cit.get("qr")),
                "qr_note": cit.get("qr_note") or "",
            }
            for cit in stored.get("citations") or []
        ],
        "rules": rules_fired,
        # Stored before explanations existed: the reasons are the firing conditions (why), unfiltered.
        "why": explanation_lines(
            texts, stored.get("why", stored.get("reasons")) or [], strengths=strengths, profile_note=profile_note
        ),
        "why_not_strong": explanation_lines(
            texts, stored.get("why_not_strong") or [], strengths=strengths, profile_note=profile_note, kind="why_not"
        ),
        "would_be_strong_if": what_if_lines(texts, stored.get("would_be_strong_if") or []),
        "missing": missing,
        "evidence": text["evidence"] or list(stored.get("evidence") or []),
        "downgraded_by": stored.get("downgraded_by") or "",
        "downgrade_note": downgrade,
    }


def not_met_views(texts: Texts, assessment: dict, strengths: dict, profile_used: dict) -> list[dict[str, Any]]:
    """The outcomes considered and not met, acts and Convention reasons first, each with the deciding answers."""
    order = {g: i for i, g in enumerate(("persecution_act", "convention_ground", "subsidiary_protection"))}
    views = []
    for stored in assessment.get("not_met") or []:
        views.append(
            {
                "id": stored["id"],
                "category": stored.get("category", ""),
                "title": texts.outcome(stored["id"], stored)["title"],
                "rules": stored.get("rules") or [],
                "failed": explanation_lines(
                    texts,
                    stored.get("failed") or [],
                    strengths=strengths,
                    profile_note=_profile_notes(profile_used),
                    kind="failed",
                ),
                "would_apply_if": what_if_lines(texts, stored.get("would_apply_if") or []),
            }
        )
    return sorted(views, key=lambda v: order.get(v["category"], 9))


def evidence_checklist(texts: Texts, assessment: dict) -> list[dict[str, Any]]:
    """The assessment's one evidence checklist, translated (by the first outcome listing each item and its
    index), each item with the titles of the outcomes it serves."""
    items = []
    for stored in assessment.get("evidence_checklist") or []:
        listed = texts.outcome(stored["outcome"])["evidence"]
        index = stored.get("index", -1)
        text = listed[index] if 0 <= index < len(listed) else stored.get("text", "")
        items.append(
            {
                "text": text,
                "outcomes": [texts.outcome(oid)["title"] for oid in stored.get("outcomes") or []],
            }
        )
    return items


def _summary_entry(outcome: dict) -> dict[str, Any]:
    """One ground of the summary: its title, strength and the key missing item (the first question that still
    needs an answer, or the first answer that would make it strong)."""
    key_missing = ""
    if outcome["missing"]:
        key_missing = _("Still to answer: %(question)s") % {"question": outcome["missing"][0]["prompt"]}
    elif outcome["would_be_strong_if"]:
        key_missing = _("Would be strong if: %(condition)s") % {"condition": outcome["would_be_strong_if"][0]["text"]}
    return {
        "id": outcome["id"],
        "title": outcome["title"],
        "strength": outcome["strength"],
        "strength_label": outcome["strength_label"],
        "key_missing": key_missing,
    }


def summary_context(grouped: dict[str, list], screening: Screening) -> dict[str, Any]:
    """The result page's summary, in the order a claim is argued: the act of persecution and its Convention
    reason (nexus), subsidiary protection in the alternative, and the exclusion review beside them."""
    acts = [_summary_entry(o) for o in _by_strength(grouped["persecution_act"])]
    reasons = [_summary_entry(o) for o in _by_strength(grouped["convention_ground"])]
    subsidiary = [_summary_entry(o) for o in _by_strength(grouped["subsidiary_protection"])]
    exclusion = [_summary_entry(o) for o in _by_strength(grouped["exclusion"])]
    steps = []
    if exclusion:
        steps.append(_("Examine the exclusion review first, with a separate interview by trained staff."))
    if acts and reasons:
        steps.append(_("Plead the act of persecution with its Convention reason; check each against the facts."))
    if subsidiary:
        steps.append(_("Plead subsidiary protection in the alternative."))
    steps.append(_("Gather the evidence in the checklist below."))
    if screening.status != "complete":
        steps.append(_("Answer the open questions, then confirm and complete the screening on Check your answers."))
    steps.append(_("A qualified adviser decides what to plead: this screening is not a decision."))
    return {
        "acts": acts,
        "reasons": reasons,
        "subsidiary": subsidiary,
        "exclusion": exclusion,
        "refugee_claim": bool(acts and reasons),
        "in_the_alternative": bool(reasons) and bool(subsidiary),
        "next_steps": steps,
    }


def _by_strength(outcomes: list[dict]) -> list[dict]:
    return sorted(outcomes, key=lambda o: STRENGTH_ORDER.get(o["strength"], 9))


def group_of(outcome: dict) -> str:
    if outcome["id"].startswith(EXCLUSION_PREFIX):
        return "exclusion"
    return outcome["category"] if outcome["category"] in GROUPS else "flag"


def result_context(screening: Screening, *, language: str | None = None) -> dict[str, Any]:
    """Everything the result page, the memo and the PDF show, as plain data (in the screening's own ruleset
    version: what the rules said when it was assessed)."""
    ruleset = screening_ruleset(screening)
    active = active_ruleset()
    texts = Texts(ruleset, language or get_language())
    assessment = full_assessment(screening) or {}
    profile_used = screening_provenance(screening)
    stored_outcomes = assessment.get("outcomes") or []
    strengths = {o["id"]: o.get("strength", "") for o in stored_outcomes}
    outcomes = [outcome_view(texts, screening, o, profile_used, strengths) for o in stored_outcomes]
    mark_alternatives(outcomes)
    grouped: dict[str, list] = {g: [] for g in GROUPS}
    for outcome in outcomes:
        grouped[group_of(outcome)].append(outcome)
    groups = []
    for group in GROUPS:
        members = _by_strength(grouped[group])
        if members:
            groups.append({"id": group, "title": group_title(group), "outcomes": members})
    has_exclusion = bool(grouped["exclusion"])
    has_grounds = any(grouped[g] for g in ("convention_ground", "persecution_act", "subsidiary_protection"))
    ruleset_info = assessment.get("ruleset") or {}
    stored_sha = screening.ruleset_sha256 or ruleset_info.get("sha256", "")
    from .versions import version_context

    return {
        **version_context(screening, texts),
        "screening": screening,
        "disclaimer": disclaimer(),
        "groups": groups,
        "outcome_count": len(outcomes),
        "not_met": not_met_views(texts, assessment, strengths, profile_used),
        "summary": summary_context(grouped, screening),
        "evidence_checklist": evidence_checklist(texts, assessment),
        "has_exclusion": has_exclusion,
        "has_grounds": has_grounds,
        "exclusion_note": _(
            "The grounds below cannot be relied on until exclusion is cleared. Exclusion review never removes a "
            "ground: examine both."
        ),
        "ruleset_version": screening.ruleset_version or ruleset_info.get("version", ""),
        "ruleset_sha256": stored_sha,
        "ruleset_sha12": stored_sha[:12],
        "ruleset_changed": bool(stored_sha) and stored_sha != ruleset.sha256,
        "active_version": active.version,
        "unanswered": [
            {"id": qid, "prompt": texts.prompt(qid), "url": question_url(screening, qid, ruleset)}
            for qid in assessment.get("unanswered") or []
        ],
        "respondent_label": respondent_label(screening.respondent),
        "language_name": dict(settings.LANGUAGES).get(screening.language, screening.language),
        "reference_label": screening.reference or str(screening.id),
        "coi_from_profile": coi_from_profile(screening, texts),
    }


def coi_from_profile(screening: Screening, texts: Texts) -> list[dict[str, Any]]:
    """The COI answers taken from a country profile, in questionnaire order, each with its provenance."""
    views = provenance_views(screening)
    stored = screening_provenance(screening)
    rows = []
    for question in texts.ruleset.questionnaire.questions:
        if question.id in views:
            value = screening.answers.get(question.id, stored[question.id].get("value"))
            rows.append(
                {
                    "id": question.id,
                    "prompt": texts.prompt(question.id),
                    "answer": texts.value(question, value),
                    "provenance": views[question.id],
                }
            )
    return rows


def answers_by_section(screening: Screening, *, language: str | None = None) -> list[dict[str, Any]]:
    """The stored answers in questionnaire order, grouped by section, with the country-profile defaults the
    assessment used marked as such."""
    ruleset = screening_ruleset(screening)
    texts = Texts(ruleset, language or get_language())
    profile_used = screening_provenance(screening)
    views = provenance_views(screening)
    sections = []
    for section in ruleset.questionnaire.sections:
        rows = []
        for question in ruleset.questionnaire.questions:
            if question.section != section["id"]:
                continue
            if question.id in screening.answers:
                rows.append(
                    {
                        "id": question.id,
                        "prompt": texts.prompt(question.id),
                        "answer": texts.value(question, screening.answers[question.id]),
                        "profile": views[question.id]["text"] if question.id in views else "",
                        "provenance": views.get(question.id),
                    }
                )
            elif question.id in profile_used:
                rows.append(
                    {
                        "id": question.id,
                        "prompt": texts.prompt(question.id),
                        "answer": texts.value(question, profile_used[question.id].get("value")),
                        "profile": views[question.id]["text"],
                        "provenance": views[question.id],
                    }
                )
        sections.append({"id": section["id"], "title": texts.section(section["id"]), "answers": rows})
    return sections


def memo_context(screening: Screening, *, language: str | None = None) -> dict[str, Any]:
    context = result_context(screening, language=language)
    context.update(
        sections=answers_by_section(screening, language=language),
        printed_on=long_date(timezone.localdate(), language),
        updated_on=long_date(screening.updated_at, language),
        status_label=_("Complete") if screening.status == "complete" else _("Draft"),
        language_code=language or get_language() or "en",
    )
    return context


def pdf_filename(screening: Screening) -> str:
    """memo-<reference>.pdf (ASCII letters, digits, dot, dash and underscore), or memo-<id>.pdf."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", screening.reference or "").strip("-.")[:80]
    return f"memo-{stem or screening.id}.pdf"


# ---- views -------------------------------------------------------------------------------------------------


@never_cache
@require_safe
@login_required
def result(request, screening_id):
    actor, screening = screening_for(request, screening_id)
    services.screening_viewed(actor=actor, screening=screening)
    return render(request, "web/result.html", result_context(screening))


@never_cache
@require_safe
@login_required
def memo(request, screening_id):
    actor, screening = screening_for(request, screening_id)
    services.screening_viewed(actor=actor, screening=screening, exported=True)
    return render(request, "web/memo.html", memo_context(screening))


@never_cache
@require_safe
@login_required
def memo_pdf(request, screening_id):
    from ..pdf import memo_pdf as render_pdf

    actor, screening = screening_for(request, screening_id)
    content = render_pdf(memo_context(screening))
    services.screening_viewed(actor=actor, screening=screening, exported=True)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(screening)}"'
    return response
