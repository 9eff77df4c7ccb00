"""Subsidiary protection "in the alternative" (review D11): where a Convention reason is among the outcomes, a
subsidiary-protection card says it is pleaded in the alternative, instead of reading as if it contradicted the
Convention grounds shown on the same page."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

CONVENTION = "convention_ground"
SUBSIDIARY = "subsidiary_protection"


def alternative_note() -> str:
    return _(
        "In the alternative: if no Convention reason is accepted, this serious harm is a ground for subsidiary "
        "protection."
    )


def mark_alternatives(outcomes: Iterable[dict]) -> None:
    """Set `alternative_note` on every subsidiary-protection outcome view when a Convention reason is present."""
    outcomes = list(outcomes)
    present = any(o.get("category") == CONVENTION for o in outcomes)
    for outcome in outcomes:
        outcome["alternative_note"] = alternative_note() if present and outcome.get("category") == SUBSIDIARY else ""
