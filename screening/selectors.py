"""Reads. Functions named <entity>_<action>, keyword-only arguments."""

from .models import CountryProfile


def country_profile_values(*, code: str | None) -> dict:
    """The COI default values of a country ({} when there is no profile)."""
    if not code:
        return {}
    profile = CountryProfile.objects.filter(code=code).only("values").first()
    return profile.values if profile else {}


def country_profiles_all() -> dict[str, dict]:
    """{code: values} of every country profile (for batch runs: one query)."""
    return {p.code: p.values for p in CountryProfile.objects.only("code", "values")}
