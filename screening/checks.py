"""System checks: a broken ruleset stops start-up, not the first request."""

from django.conf import settings
from django.core import checks

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
