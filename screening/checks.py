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


@checks.register(checks.Tags.security)
def check_metrics_access(app_configs, **kwargs):
    if settings.METRICS_ENABLED and not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_IPS):
        return [
            checks.Warning(
                "METRICS_ENABLED is set but neither METRICS_TOKEN nor METRICS_ALLOWED_IPS: /metrics refuses everyone.",
                hint="Set METRICS_TOKEN (the scraper sends Authorization: Bearer <token>) or METRICS_ALLOWED_IPS.",
                id="screening.W010",
            )
        ]
    return []
