"""Dates as a caseworker reads them: the active language's long format from CLDR (Babel), not Django's US-style
DATE_FORMAT ("Dec. 6, 2026", review D18). English uses the British form, as the rest of the interface does."""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date, format_skeleton
from django.utils import timezone
from django.utils.translation import get_language

# CLDR locale per interface language: "en" alone is American English ("December 6, 2026").
LOCALES = {"en": "en_GB", "ru": "ru", "uk": "uk"}
YEAR_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def long_date(value: dt.date | dt.datetime | str | None, language: str | None = None) -> str:
    """ "6 December 2026", "6 декабря 2026 г.", "6 грудня 2026 р."; "" for no date; a string that is not an ISO
    date is returned as it is. A datetime is shown as its local date. An approximate date stored as its month
    (YYYY-MM) is shown as the month: "May 2022", "май 2022 г.", "травень 2022 р."."""
    if value in (None, ""):
        return ""
    code = (language or get_language() or "en").split("-")[0].lower()
    if isinstance(value, str) and YEAR_MONTH.match(value):
        month = dt.date(int(value[:4]), int(value[5:7]), 1)
        return format_skeleton("yMMMM", month, locale=LOCALES.get(code, "en_GB"))
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    elif isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_date(value, format="long", locale=LOCALES.get(code, "en_GB"))
