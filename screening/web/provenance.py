"""The provenance of COI answers from a country profile, as the pages show it (suggestion box, Check your
answers, result, memo, PDF): the profile, its sources with their dates and links, the profile's review date, and
who accepted the value and when, in the active language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..country_names import country_name
from ..dates import long_date
from ..models import Screening
from ..provenance import ACCEPTED, as_of, is_stale


def who(label: str | None) -> str:
    """An actor label as a person reads it: "user:demo-caseworker" -> "demo-caseworker"."""
    if not label:
        return ""
    kind, _sep, name = label.partition(":")
    if kind == "partner" and name:
        return _("%(name)s (partner system)") % {"name": name}
    return name or label


def provenance_view(entry: Mapping[str, Any], *, language: str | None = None, on=None) -> dict[str, Any]:
    """One value's provenance as plain data, with its warnings (contested, stale on the date `on`: today), and
    `text`: the same as sentences (PDF, answer lists)."""
    language = language or get_language()
    code = entry.get("profile") or ""
    sources = [
        {
            "title": s.get("title", ""),
            "publisher": s.get("publisher", ""),
            "date": long_date(s.get("date"), language),
            "url": s.get("url", ""),
        }
        for s in entry.get("sources") or []
    ]
    if not sources and entry.get("source"):  # stored before sources were structured
        sources = [{"title": entry["source"], "publisher": "", "date": long_date(entry.get("date"), language)}]
    view = {
        "profile": code,
        "country": country_name(code, language) if code else "",
        "reviewed": long_date(entry.get("reviewed"), language),
        "sources": sources,
        "date": long_date(entry.get("date"), language),
        "note": entry.get("note", ""),
        "accepted": entry.get("applied") == ACCEPTED,
        "by": who(entry.get("accepted_by")),
        "at": long_date(entry.get("accepted_at"), language),
    }
    view["origin"] = origin_text(view)
    view["taken"] = taken_text(view)
    view["warnings"] = warnings(entry, language=language, on=on)
    view["text"] = " ".join(
        part
        for part in (
            view["origin"],
            _("Sources:") + " " + "; ".join(source_text(s) for s in sources) + "." if sources else "",
            view["taken"],
            *view["warnings"],
        )
        if part
    )
    return view


def warnings(entry: Mapping[str, Any], *, language: str | None = None, on=None) -> list[str]:
    """A contested value, and a value older than settings.COI_STALE_AFTER_DAYS: what the caseworker must check."""
    out = []
    if entry.get("contested"):
        out.append(
            _("Contested: sources or courts disagree on this value. Check it against current country information.")
        )
    if is_stale(entry, on=on):
        out.append(
            _(
                "Check for newer country information: this value rests on information from %(date)s, more than "
                "%(days)s days old."
            )
            % {"date": long_date(as_of(entry), language) or "?", "days": settings.COI_STALE_AFTER_DAYS}
        )
    return out


def origin_text(view: Mapping[str, Any]) -> str:
    if view["profile"] and view["reviewed"]:
        return _("From the country profile %(country)s (%(code)s), reviewed %(reviewed)s.") % {
            "country": view["country"],
            "code": view["profile"],
            "reviewed": view["reviewed"],
        }
    return _("From the country profile.")


def taken_text(view: Mapping[str, Any]) -> str:
    if not view["by"]:
        return ""
    if view["accepted"]:
        return _("Accepted by %(who)s on %(date)s.") % {"who": view["by"], "date": view["at"]}
    return _("Applied as a default by %(who)s on %(date)s.") % {"who": view["by"], "date": view["at"]}


def source_text(source: Mapping[str, Any]) -> str:
    """ "Title, Publisher, 22 April 2024, https://…" """
    return ", ".join(p for p in (source["title"], source["publisher"], source["date"], source.get("url", "")) if p)


def screening_provenance(screening: Screening) -> dict[str, dict]:
    """{question: stored provenance} of the screening's COI answers from a country profile."""
    stored = screening.country_profile_used or {}
    if stored:
        return dict(stored)
    return dict((screening.assessment or {}).get("country_profile_used") or {})  # stored before provenance


def provenance_views(screening: Screening, *, language: str | None = None) -> dict[str, dict]:
    return {qid: provenance_view(entry, language=language) for qid, entry in screening_provenance(screening).items()}
