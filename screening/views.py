from django.conf import settings
from django.shortcuts import render

from rules import DISCLAIMER, load_ruleset


def start(request):
    ruleset = load_ruleset(settings.SCREENING["RULESET"])
    return render(
        request,
        "screening/start.html",
        {
            "ruleset": ruleset,
            "disclaimer": DISCLAIMER,
            "question_count": len(ruleset.questionnaire.questions),
        },
    )
