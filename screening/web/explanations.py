"""The assessment's explanations (why, why not strong, considered and not met) as plain sentences.

Each condition becomes one line built from the question's caseworker wording and the answer's label in the
active language: "Did the person receive a call-up? — Yes". No logic notation, no rule ids: those stay in the
API and in the page's "technical details". Conditions on one question, or on one earlier outcome, are merged
into one line, so nothing is said twice within an outcome. A question that was not asked is never mentioned
(the assessment leaves such conditions out; older stored assessments are filtered here too).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

__all__ = ["explanation_lines", "outcome_strength_words", "what_if_lines"]


def outcome_strength_words(strength: str | None) -> str:
    return {
        "strong": _("strong"),
        "arguable": _("arguable"),
        "needs_information": _("needs information"),
    }.get(strength or "", "")


def _outcome_ids(reason: dict) -> list[str]:
    condition = reason.get("condition") or {}
    return list(condition.get("outcome_any") or [condition.get("outcome")])


def explanation_lines(
    texts, reasons: list[dict], *, strengths: dict[str, str], profile_note, kind: str = "why"
) -> list[dict[str, Any]]:
    """[{subject, answer, note, profile, text, question, outcome}] for a list of stored reasons.

    kind: "why" (conditions that hold), "why_not" (strong_if conditions not met) or "failed" (a not-met
    outcome's failed conditions). `strengths` maps each emitted outcome to its strength; `profile_note(qid)`
    says where an answer taken from a country profile (accepted, or a default) came from, "" for any other.
    """
    lines: list[dict[str, Any]] = []
    by_question: dict[str, dict] = {}
    seen_outcomes: set[str] = set()
    for reason in reasons:
        condition = reason.get("condition") or {}
        holds = reason.get("holds")
        if "q" in condition:
            qid = condition["q"]
            if holds != "unknown" and reason.get("answer") is None:
                continue  # a question that was not asked: never a reason
            if qid in by_question:
                continue
            question = texts.ruleset.questionnaire.by_id.get(qid)
            line = {
                "kind": "question",
                "question": qid,
                "subject": texts.prompt(qid),
                "answer": "" if holds == "unknown" else texts.value(question, reason.get("answer")),
                "note": _("not answered yet") if holds == "unknown" else "",
                "profile": profile_note(qid),
            }
            by_question[qid] = line
            lines.append(line)
        elif "outcome" in condition or "outcome_any" in condition:
            line = _outcome_line(texts, reason, strengths, kind)
            if line is None or line["key"] in seen_outcomes:
                continue
            seen_outcomes.add(line["key"])
            lines.append(line)
    for line in lines:
        line["text"] = _line_text(line)
    return lines


def _outcome_line(texts, reason: dict, strengths: dict[str, str], kind: str) -> dict | None:
    """An earlier outcome the rule builds on (named, with its strength in words), or one it needs absent."""
    condition = reason.get("condition") or {}
    ids = [i for i in _outcome_ids(reason) if i]
    negated = bool(reason.get("negated"))
    want_strong = condition.get("strength") == "strong"
    if kind == "why" and not negated:
        emitted = [i for i in (reason.get("outcome") or "").split(",") if i] or [i for i in ids if i in strengths]
        if not emitted:
            return None
        parts = [
            _("%(outcome)s (%(strength)s)")
            % {"outcome": texts.outcome(i)["title"], "strength": outcome_strength_words(strengths.get(i))}
            for i in emitted
        ]
        return {
            "kind": "outcome",
            "key": "+" + ",".join(emitted),
            "subject": _("Builds on: %(outcomes)s") % {"outcomes": "; ".join(parts)},
            "answer": "",
            "note": "",
            "profile": "",
            "outcomes": emitted,
        }
    titles = "; ".join(texts.outcome(i)["title"] for i in ids)
    if negated:
        present = [i for i in ids if i in strengths]
        if kind == "why":
            subject = (
                _("No finding of: %(outcomes)s") % {"outcomes": titles}
                if len(ids) > 1
                else _("Not found: %(outcome)s") % {"outcome": titles}
            )
        else:  # the rule needs these absent, but one was found
            subject = _("Found, which rules this out: %(outcomes)s") % {
                "outcomes": "; ".join(
                    _("%(outcome)s (%(strength)s)")
                    % {"outcome": texts.outcome(i)["title"], "strength": outcome_strength_words(strengths.get(i))}
                    for i in present
                )
                or titles
            }
        key = "-" + ",".join(ids)
    else:
        found = [i for i in ids if i in strengths]
        if reason.get("holds") == "unknown":
            subject = _("Still needs information: %(outcomes)s") % {"outcomes": titles}
        elif want_strong and found:
            subject = _("Found only as arguable, not strong: %(outcomes)s") % {
                "outcomes": "; ".join(texts.outcome(i)["title"] for i in found)
            }
        elif want_strong:
            subject = _("Needs a strong finding of: %(outcomes)s") % {"outcomes": titles}
        else:
            subject = _("Not found: %(outcome)s") % {"outcome": titles}
        key = "?" + ",".join(ids) + (":strong" if want_strong else "")
    return {"kind": "outcome", "key": key, "subject": subject, "answer": "", "note": "", "profile": ""}


def _line_text(line: dict) -> str:
    """The whole line as text (the PDF and the memo use it)."""
    text = line["subject"]
    if line["answer"]:
        text += " — " + line["answer"]
    if line["note"]:
        text += " — " + line["note"]
    if line["profile"]:
        text += " " + line["profile"]
    return text


def _step_answer(texts, step: dict) -> str:
    """The answer a what-if step needs, in words: the satisfying options, a range, or the value."""
    qid = step["question"]
    question = texts.ruleset.questionnaire.by_id.get(qid)
    allowed = step.get("allowed") or []
    if question is not None and allowed:
        labels = [texts.value(question, v) for v in allowed]
        if len(labels) == 1:
            return labels[0]
        if len(labels) == 2:
            return _("%(first)s or %(second)s") % {"first": labels[0], "second": labels[1]}
        return _("one of %(options)s") % {"options": "; ".join(labels)}
    condition = step.get("condition") or {}
    negated = bool(step.get("negated"))
    if question is not None and question.type == "integer" and ("lt" in condition or "gte" in condition):
        if ("lt" in condition) != negated:
            return _("under %(number)s") % {"number": condition.get("lt", condition.get("gte"))}
        return _("%(number)s or more") % {"number": condition.get("gte", condition.get("lt"))}
    return texts.value(question, step.get("value"))


def what_if_lines(texts, steps: list[dict]) -> list[dict[str, Any]]:
    """A stored what-if (rules.whatif.Step.as_dict()) as lines: the question and the answer it would need, or
    the earlier outcome that would have to be found."""
    lines = []
    for step in steps:
        if step.get("question"):
            line = {
                "kind": "question",
                "question": step["question"],
                "subject": texts.prompt(step["question"]),
                "answer": _step_answer(texts, step),
                "note": "",
                "profile": "",
            }
        else:
            condition = step.get("condition") or {}
            ids = [i for i in (condition.get("outcome_any") or [condition.get("outcome")]) if i]
            titles = "; ".join(texts.outcome(i)["title"] for i in ids)
            if step.get("negated"):
                subject = _("%(outcomes)s is not found") % {"outcomes": titles}
            elif condition.get("strength") == "strong":
                subject = _("%(outcomes)s is found strong") % {"outcomes": titles}
            else:
                subject = _("%(outcomes)s is found") % {"outcomes": titles}
            line = {"kind": "outcome", "subject": subject, "answer": "", "note": "", "profile": ""}
        line["text"] = _line_text(line)
        lines.append(line)
    return lines
