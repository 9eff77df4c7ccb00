"""Writes. Functions named <entity>_<action>, keyword-only arguments."""

from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from rules import load_ruleset
from rules.profiles import check_profiles

from .models import CountryProfile


class ProfilesFileError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@transaction.atomic
def country_profiles_load(*, path: Path | None = None) -> int:
    """Create or update the country profiles from the YAML file; returns how many were loaded."""
    path = Path(path or settings.SCREENING["COUNTRY_PROFILES_FILE"])
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = check_profiles(load_ruleset(settings.SCREENING["RULESET"]).questionnaire, document)
    if problems:
        raise ProfilesFileError(problems)
    for profile in document["profiles"]:
        CountryProfile.objects.update_or_create(
            code=profile["code"],
            defaults={
                "name": profile["name"],
                "reviewed": profile["reviewed"],
                "summary": profile.get("summary", ""),
                "values": profile["values"],
            },
        )
    return len(document["profiles"])
