"""System checks: a broken ruleset or unusable encryption keys stop start-up, not the first request."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from rules import RulesetError, load_ruleset


@checks.register()
def check_ruleset(app_configs, **kwargs):
    name = settings.SCREENING["RULESET"]
    try:
        load_ruleset(name)
    except RulesetError as exc:
        return [
            checks.Error(problem, hint=f"Fix rules/rulesets/{name}/", id="screening.E001") for problem in exc.problems
        ]
    except Exception as exc:  # a missing directory or unreadable file
        return [checks.Error(f"cannot load ruleset {name!r}: {exc}", id="screening.E002")]
    return []


@checks.register()
def check_encryption_keys(app_configs, **kwargs):
    from .encryption import check_keys

    try:
        check_keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="screening.E003")]
    return []
