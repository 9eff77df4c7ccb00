"""Where a COI answer came from: the provenance of answers taken from a country profile (review D6).

`Screening.country_profile_used` holds, per question, the profile's value with its sources, dates and profile,
and who took it and when:

    {question: {value, sources, source, date, note?, contested?, profile, reviewed,
                applied: "accepted" | "default", accepted_by, accepted_at}}

* "accepted": the caseworker pressed Continue with the profile's suggestion in the web interview, so the value
  is one of the stored answers.
* "default": the profile filled an unanswered question when the screening was evaluated (the API's and the
  batch command's apply_country_profile); the value is not among the answers.

An accepted answer keeps its provenance while the answer equals the profile's value; changed by hand (web form,
API PATCH), it is the caseworker's own answer and the provenance goes. Only COI questions (the caseworker's, never
a special-category question) are ever in a profile, so no sensitive answer is copied here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

ACCEPTED = "accepted"
DEFAULT = "default"


def accepted_entries(
    *, answers: Mapping[str, Any], accepted: Iterable[str], profile: Mapping[str, Mapping], actor_label: str
) -> dict[str, dict]:
    """Provenance for the suggestions the caseworker accepted: questions named in `accepted` whose saved answer
    equals the profile's value (a suggestion changed before Continue is the caseworker's own answer)."""
    now = timezone.now().isoformat(timespec="seconds")
    out = {}
    for qid in accepted:
        entry = profile.get(qid)
        if entry is None or qid not in answers or answers[qid] != entry["value"]:
            continue
        out[qid] = {**entry, "applied": ACCEPTED, "accepted_by": actor_label, "accepted_at": now}
    return out


def merged(
    *, previous: Mapping[str, dict] | None, answers: Mapping[str, Any], defaults: Mapping[str, dict]
) -> dict[str, dict]:
    """The provenance after an evaluation: accepted answers that still hold the profile's value, and the defaults
    the evaluation used. A default used before with the same value keeps who applied it and when; a new one gets
    accepted_by/accepted_at None, for stamped() to fill in."""
    previous = previous or {}
    out: dict[str, dict] = {}
    for qid, entry in previous.items():
        if entry.get("applied") == ACCEPTED and qid in answers and answers[qid] == entry.get("value"):
            out[qid] = dict(entry)
    for qid, default in defaults.items():
        before = previous.get(qid) or {}
        same = before.get("applied", DEFAULT) == DEFAULT and before.get("value") == default.get("value")
        out[qid] = {
            **default,
            "applied": DEFAULT,
            "accepted_by": before.get("accepted_by") if same else None,
            "accepted_at": before.get("accepted_at") if same else None,
        }
    return out


def stamped(provenance: Mapping[str, dict], *, actor_label: str | None) -> dict[str, dict]:
    """Defaults applied by this change: who applied them (the actor of the change) and when."""
    if not actor_label:
        return dict(provenance)
    now = timezone.now().isoformat(timespec="seconds")
    return {
        qid: entry if entry.get("accepted_by") else {**entry, "accepted_by": actor_label, "accepted_at": now}
        for qid, entry in provenance.items()
    }


# ---- staleness and contested values ---------------------------------------------------------------------------


def today() -> dt.date:
    """The date staleness is judged on (a function, so tests can fix it)."""
    return timezone.localdate()


def as_of(entry: Mapping[str, Any]) -> dt.date | None:
    """The date a value is as old as: its newest source's, else the profile's review date."""
    for key in ("date", "reviewed"):
        try:
            return dt.date.fromisoformat(str(entry.get(key) or "")[:10])
        except ValueError:
            continue
    return None


def is_stale(entry: Mapping[str, Any], *, on: dt.date | None = None, after_days: int | None = None) -> bool:
    """Older than settings.COI_STALE_AFTER_DAYS on the date `on` (today); a value with no date is stale."""
    after_days = settings.COI_STALE_AFTER_DAYS if after_days is None else after_days
    dated = as_of(entry)
    return dated is None or ((on or today()) - dated).days > after_days


def with_flags(entries: Mapping[str, Mapping[str, Any]] | None, *, on: dt.date | None = None) -> dict[str, dict]:
    """Entries with `stale` and `contested` set for the date `on` (today): what the API shows."""
    on = on or today()
    return {
        qid: {**entry, "stale": is_stale(entry, on=on), "contested": bool(entry.get("contested"))}
        for qid, entry in (entries or {}).items()
    }
