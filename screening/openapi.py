"""OpenAPI (drf-spectacular) pieces of the partner API: the token security scheme, tags and public catalogues,
the documented error responses, and the examples."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from .errors import ApiErrorCode
from .permissions import CATALOGUE
from .serializers import MAX_BULK_ITEMS, ErrorSerializer


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "screening.auth.PartnerTokenAuthentication"
    name = "PartnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'Partner token with the prefix "Token": `Authorization: Token rs_...`. Scopes: `full`, '
                "`read_only` (GET only), `evaluate_only` (evaluate/ and the catalogues)."
            ),
        }


class ApiAutoSchema(AutoSchema):
    """Tags by API area; the catalogues may also be read without credentials."""

    def get_tags(self) -> list[str]:
        area = getattr(self.view, "api_area", None)
        return [area] if area else super().get_tags()

    def get_auth(self):
        auths = super().get_auth()
        if getattr(self.view, "api_area", None) == CATALOGUE and {} not in auths:
            auths.append({})
        return auths


# ---- error responses ---------------------------------------------------------------------------------------

_ERRORS = {
    400: "Invalid request or answers (codes `invalid_request`, `invalid_answers`, `parse_error`, ...).",
    401: "No credentials (`not_authenticated`), or an invalid, malformed or revoked token (`authentication_failed`).",
    403: "The token's scope does not allow this request (`permission_denied`).",
    404: "No such screening in your organisation (`not_found`); another organisation's screening is never shown.",
    409: "A request with this Idempotency-Key is still being processed (`request_in_progress`): retry after "
    "Retry-After seconds.",
    411: "The body was sent without Content-Length (chunked; `length_required`); nothing was read or stored.",
    412: "If-Match names a version that is no longer current (`version_conflict`); the message gives the current "
    "version and the ETag header holds it.",
    413: "The body is over the size limit (`request_too_large`); nothing was read or stored.",
    415: "The body must be JSON (`unsupported_media_type`).",
    422: "This Idempotency-Key was already used with a different body (`idempotency_key_reused`); nothing was stored.",
    429: "Too many requests (`throttled`): wait for the number of seconds in Retry-After.",
    503: "The database cannot be reached or is too slow (`service_unavailable`): retry after Retry-After seconds.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented errors of an operation: the codes given, and 503 (every operation may meet an outage)."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERRORS[code]) for code in (*codes, 503)}


RETRY_AFTER = OpenApiParameter(
    "Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429, 503], description="Seconds to wait."
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201, 412],
    description='The screening\'s version, quoted: `"3"`. Send it back in If-Match when you change the screening.',
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        'The ETag you read (`"3"`; `3` and `W/"3"` are accepted too). **Send it**: the change is refused with 412 '
        "`version_conflict` when someone changed the screening since. Without If-Match the change is applied "
        "to whatever the current version is (last writer wins)."
    ),
)
IF_MATCH_DESTRUCTIVE = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        'The ETag you read (`"3"`). Refused with 412 `version_conflict` when the screening changed since, so you '
        "never delete or re-screen a version you have not seen. Without If-Match the current version is used."
    ),
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "A unique value of yours (1-255 visible ASCII characters, e.g. a UUID). A retry with the same key and the "
        "same body creates nothing twice: it returns the first request's results (header `Idempotent-Replayed: "
        "true`), or, if the first request was cut off, stores only the items it had not stored. Keys are kept for "
        "24 hours."
    ),
)
ASSESSMENT_FORM = OpenApiParameter(
    "assessment",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["summary", "full"],
    default="summary",
    description="`summary` (default): each outcome's strength, missing questions and rule ids; `full`: the "
    "assessment with its explanation, as `GET screenings/{id}/` returns it (costs about four times the server time).",
)
SCREENING_ID = OpenApiParameter(
    "screening_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The screening's id."
)
WARNING_ID = OpenApiParameter(
    "check_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The warning's `id` in the screening's `warnings` (a warning-level contradiction check).",
)
ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "en, ru or uk. Texts are served in the most preferred of these that is translated, English otherwise; "
        "the Content-Language response header names the language actually served."
    ),
)

# ---- examples ----------------------------------------------------------------------------------------------

EXAMPLE_ANSWERS = {
    "country_of_origin": "RU",
    "host_country": "DE",
    "military_situation": "summoned_did_not_report",
    "age": 33,
    "recruiting_force": "state_armed_forces",
    "service_basis": "mobilisation_of_reservists",
}

_RULESET = {"version": "1.1.0", "sha256": "dc8a4acd9034b8c36d794917a8e31f2b3e41cb0e3872bb3ab7e552a1365fb6a3"}

_OUTCOME = {
    "id": "act_9_1_b_accumulation",
    "category": "persecution_act",
    "strength": "needs_information",
    "missing_questions": ["feared_consequences"],
    "citations": [{"text": "QD Art 9(1)(b)", "qr": "QR Art 9(1)(b)"}],
    "rules": ["R14"],
    "title": "Accumulation of measures",
    "rationale": "Several lesser measures may together be severe enough to be persecution; always arguable.",
    "reasons": [
        {
            "condition": {"q": "feared_consequences", "count_of": ["harm_to_family", "repeated_punishment"], "gte": 2},
            "holds": "unknown",
            "negated": False,
            "question": "feared_consequences",
            "answer": None,
            "source": None,
        }
    ],
    "evidence": ["Documentation of fines", "Records of repeated punishment"],
    "downgraded_by": None,
}
_OUTCOME["why"] = _OUTCOME["reasons"]
_OUTCOME["why_not_strong"] = []
_OUTCOME["would_be_strong_if"] = []

_NOT_MET = {
    "id": "act_9_2_c_disproportionate_or_discriminatory_punishment",
    "category": "persecution_act",
    "title": "Disproportionate or discriminatory prosecution or punishment",
    "rules": ["R05"],
    "failed": [
        {
            "condition": {"q": "coi_penalty_assessment", "in": ["disproportionate", "applied_more_harshly_to_group"]},
            "holds": "false",
            "negated": False,
            "question": "coi_penalty_assessment",
            "answer": "proportionate",
            "source": "country_profile",
        }
    ],
    "would_apply_if": [
        {
            "condition": {"q": "coi_penalty_assessment", "in": ["disproportionate", "applied_more_harshly_to_group"]},
            "negated": False,
            "holds": "false",
            "question": "coi_penalty_assessment",
            "value": "disproportionate",
            "allowed": ["disproportionate", "applied_more_harshly_to_group"],
        }
    ],
}

EXAMPLE_ASSESSMENT = {
    "ruleset": _RULESET,
    "outcomes": [_OUTCOME],
    "unanswered": ["has_other_nationality", "gender", "feared_consequences"],
    "country_profile_used": {},
    "not_met": [_NOT_MET],
    "evidence_checklist": [
        {
            "text": "Documentation of fines",
            "outcome": "act_9_1_b_accumulation",
            "index": 0,
            "outcomes": ["act_9_1_b_accumulation"],
        }
    ],
    "disclaimer": "This is a screening of candidate grounds for a caseworker to examine. It is not a decision ...",
}

_WARNING = {
    "id": "host_country_is_country_of_origin",
    "questions": ["host_country", "country_of_origin"],
    "message": "The country where the person is now is their country of origin. Refugee status and subsidiary "
    "protection need the person to be outside that country (Refugee Convention Art 1A(2)); check both answers, and "
    "confirm only if the person is really still there.",
    "confirmed": False,
}

EXAMPLE_SCREENING = {
    "id": "6f1c2b9e-8d4a-4c51-9a57-2f0e3c1d7b12",
    "reference": "case-2026-0042",
    "language": "ru",
    "respondent": "caseworker",
    "status": "draft",
    "apply_country_profile": False,
    "version": 1,
    "answers": EXAMPLE_ANSWERS,
    "assessment": EXAMPLE_ASSESSMENT,
    "warnings": [_WARNING],
    "ruleset": _RULESET,
    "country_of_origin": "RU",
    "country_profile_used": {},
    "created_at": "2026-11-30T10:15:00Z",
    "updated_at": "2026-11-30T10:15:00Z",
    "created_by": "partner:intake-system",
    "updated_by": "partner:intake-system",
}

EXAMPLE_CREATED = {
    **EXAMPLE_SCREENING,
    "assessment": {
        "ruleset": _RULESET,
        "outcomes": [
            {k: _OUTCOME[k] for k in ("id", "category", "strength", "missing_questions", "rules") if k in _OUTCOME}
        ],
        "unanswered": EXAMPLE_ASSESSMENT["unanswered"],
        "disclaimer": EXAMPLE_ASSESSMENT["disclaimer"],
        "detail": "summary",
    },
}

EVALUATE_EXAMPLES = [
    OpenApiExample(
        "Evaluate answers",
        value={"answers": EXAMPLE_ANSWERS, "apply_country_profile": True},
        request_only=True,
    ),
    OpenApiExample(
        "Assessment (trimmed to one outcome)", value={**EXAMPLE_ASSESSMENT, "warnings": [_WARNING]}, response_only=True
    ),
]

ERROR_EXAMPLES = [
    OpenApiExample(
        "Invalid answers",
        value={
            "code": ApiErrorCode.INVALID_ANSWERS.value,
            "message": "Some answers are invalid: see `errors`.",
            "errors": [
                {"question": "age", "code": "out_of_range", "message": "The answer must be between 0 and 130."},
                {
                    "question": "ethnic_group_name",
                    "code": "free_text_not_accepted",
                    "message": "Free text is not accepted here: leave this question out.",
                },
                {
                    "question": "age_at_time_of_acts",
                    "code": "contradiction",
                    "message": "The age when the acts took place is higher than the age now. Check both answers. "
                    "(Check age_at_acts_above_age: age_at_time_of_acts, age.)",
                    "check": "age_at_acts_above_age",
                    "questions": ["age_at_time_of_acts", "age"],
                },
            ],
        },
        response_only=True,
        status_codes=["400"],
    ),
    OpenApiExample(
        "Invalid request",
        value={
            "code": ApiErrorCode.INVALID_REQUEST.value,
            "message": "The request is invalid: see `errors`.",
            "errors": [
                {"question": None, "field": "status", "code": "invalid_choice", "message": "Must be one of: ..."}
            ],
        },
        response_only=True,
        status_codes=["400"],
    ),
]

CREATE_EXAMPLES = [
    OpenApiExample(
        "Create a draft screening",
        value={
            "reference": "case-2026-0042",
            "language": "ru",
            "respondent": "caseworker",
            "status": "draft",
            "apply_country_profile": False,
            "answers": EXAMPLE_ANSWERS,
        },
        request_only=True,
    ),
    OpenApiExample("Created screening (summary assessment)", value=EXAMPLE_CREATED, response_only=True),
]

PATCH_EXAMPLES = [
    OpenApiExample(
        "Change answers and complete",
        value={"status": "complete", "answers": {"age": 34, "service_basis": None}},
        request_only=True,
    ),
    OpenApiExample(
        "Stale If-Match",
        value={
            "code": ApiErrorCode.VERSION_CONFLICT.value,
            "message": 'The screening has changed since you read it: it is now at version 4 (ETag "4"). '
            "Read it again and retry.",
            "errors": [],
        },
        response_only=True,
        status_codes=["412"],
    ),
]

BULK_EXAMPLES = [
    OpenApiExample(
        "Two screenings, one invalid",
        value={
            "items": [
                {"reference": "case-1", "answers": EXAMPLE_ANSWERS},
                {"reference": "case-2", "answers": {"age": "nineteen"}},
            ]
        },
        request_only=True,
    ),
    OpenApiExample(
        "One stored, one refused",
        value={
            "results": [
                {"index": 0, "id": "6f1c2b9e-8d4a-4c51-9a57-2f0e3c1d7b12"},
                {
                    "index": 1,
                    "errors": [
                        {"question": "age", "code": "invalid_type", "message": "The answer must be a whole number."}
                    ],
                },
            ],
            "created": 1,
            "failed": 1,
        },
        response_only=True,
        status_codes=["200"],
    ),
    OpenApiExample(
        "Too many items",
        value={
            "code": ApiErrorCode.TOO_MANY_ITEMS.value,
            "message": f"At most {MAX_BULK_ITEMS} items per request; nothing was stored.",
            "errors": [],
        },
        response_only=True,
        status_codes=["400"],
    ),
]
