"""Country names in the interview's language, sorted for that language.

Names come from CLDR through Babel (`Locale(lang).territories`); English keeps the project's own short names
(rules.countries, the IANA iso3166.tab list the answers are validated against). Sorting uses the Unicode
Collation Algorithm (pyuca, the default DUCET table): "Україна" sorts among the У names, "Ägypten"-style
accents sort with their base letters, and no ICU library is needed.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from pyuca import Collator

from rules.countries import COUNTRIES

SOURCE_LANGUAGE = "en"


@lru_cache(maxsize=1)
def _collator() -> Collator:
    return Collator()  # reads the DUCET table once per process (about 0.5 s)


def _base(language: str | None) -> str:
    return (language or SOURCE_LANGUAGE).split("-")[0].lower()


@lru_cache(maxsize=8)
def country_names(language: str | None) -> dict[str, str]:
    """{ISO code: name} for every country code answers accept, in `language` (English for an unknown one)."""
    language = _base(language)
    if language == SOURCE_LANGUAGE:
        return dict(COUNTRIES)
    try:
        territories = Locale.parse(language).territories
    except (ValueError, LookupError):
        return dict(COUNTRIES)
    return {code: territories.get(code) or name for code, name in COUNTRIES.items()}


def country_name(code: str, language: str | None) -> str:
    return country_names(language).get(code, code)


@lru_cache(maxsize=8)
def country_choices(language: str | None) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country in `language`, in that language's alphabetical order."""
    key = _collator().sort_key
    return tuple(sorted(country_names(language).items(), key=lambda item: (key(item[1].casefold()), item[0])))
