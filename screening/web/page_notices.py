"""Notices on a question page about what just happened: the follow-up questions an answer opened, and which
answers someone else changed while this page was open (a version conflict).

A page's form carries the answers it showed (`seen`, JSON of {question id: saved answer}); on a version
conflict those are compared with the answers saved now, so the notice can say "was X, now Y" before anything
of the caseworker's is saved. The values are the page's own answers, already in the form: nothing new leaves
the server, and a tampered `seen` only changes what the notice says.
"""

from __future__ import annotations

import json

from . import forms

SEEN_FIELD = "seen"
FOLLOW_UPS_KEY = "follow-ups:%s"  # session key: question ids a save just opened on a section page


def seen_json(questions, answers: dict) -> str:
    """The saved answers of the page's questions, for the form's `seen` field."""
    return json.dumps({q.id: answers[q.id] for q in questions if q.id in answers}, sort_keys=True)


def _seen(data) -> dict | None:
    try:
        seen = json.loads(data.get(SEEN_FIELD, ""))
    except (TypeError, ValueError):
        return None
    return seen if isinstance(seen, dict) else None


def changed_by_others(questions, data, answers: dict, *, translation, mode: str) -> list[dict]:
    """[{prompt, old, new}] for each question of the page whose saved answer changed since the page was shown
    (old and new as lines of words; empty when there was no answer). [] when the form did not say what it
    showed."""
    seen = _seen(data)
    if seen is None:
        return []
    changes = []
    for question in questions:
        before, now = seen.get(question.id), answers.get(question.id)
        if before == now:
            continue
        texts = translation.question(question)
        changes.append(
            {
                "id": question.id,
                "prompt": texts["caseworker_prompt"] if mode == "caseworker" else texts["prompt"],
                "old": forms.answer_lines(question, before, translation=translation, mode=mode),
                "new": forms.answer_lines(question, now, translation=translation, mode=mode),
            }
        )
    return changes


def remember_follow_ups(request, screening, questions) -> None:
    request.session[FOLLOW_UPS_KEY % screening.id] = [q.id for q in questions]


def follow_ups_opened(request, screening, fields) -> list[dict]:
    """[{prompt, href}] of the follow-ups the last save opened that this page shows (once: the key is popped)."""
    opened = request.session.pop(FOLLOW_UPS_KEY % screening.id, None) or []
    return [{"prompt": f.prompt, "href": f"#{f.container_id}"} for f in fields if f.name in opened]
