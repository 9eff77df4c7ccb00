"""REST API views (thin: the work is in rules/ and in services/selectors)."""

from django.conf import settings
from rest_framework.response import Response
from rest_framework.views import APIView

from rules import load_ruleset


def _question_dict(question) -> dict:
    out = {
        "id": question.id,
        "section": question.section,
        "type": question.type,
        "audience": question.audience,
        "required": question.required,
        "sensitive": question.sensitive,
        "prompt": question.prompt,
        "help": question.help,
        "caseworker_prompt": question.caseworker_prompt,
        "caseworker_help": question.caseworker_help,
        "show_if": question.raw.get("show_if"),
    }
    if question.options:
        out["options"] = [
            {"id": o.id, "label": o.label, "caseworker_label": o.caseworker_label or o.label} for o in question.options
        ]
    return out


class QuestionnaireApi(APIView):
    """The questionnaire: sections, named sets and questions (ids, types, options, show_if, prompts)."""

    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        ruleset = load_ruleset(settings.SCREENING["RULESET"])
        questionnaire = ruleset.questionnaire
        return Response(
            {
                "ruleset": {"version": ruleset.version, "sha256": ruleset.sha256},
                "sections": list(questionnaire.sections),
                "sets": questionnaire.sets,
                "questions": [_question_dict(q) for q in questionnaire.questions],
            }
        )
