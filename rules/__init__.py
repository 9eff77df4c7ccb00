"""Refuge Screen's legal knowledge and its engine. Pure Python: nothing here imports Django.

from rules import evaluate, validate, load_ruleset
assessment = evaluate({"country_of_origin": "RU", ...})
"""

from .assessment import DISCLAIMER, Assessment, OutcomeResult, Reason
from .evaluation import evaluate, validate
from .loader import DEFAULT_RULESET, RulesetError, load_ruleset
from .validation import AnswerError, ErrorCode, InvalidAnswers

__all__ = [
    "DEFAULT_RULESET",
    "DISCLAIMER",
    "AnswerError",
    "Assessment",
    "ErrorCode",
    "InvalidAnswers",
    "OutcomeResult",
    "Reason",
    "RulesetError",
    "evaluate",
    "load_ruleset",
    "validate",
]
