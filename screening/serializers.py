"""Request and response shapes of the partner API (/api/v1/). Validation of answers is the rules' job: here
`answers` is any JSON, checked by rules/validation.py (so a non-object gives the rules' not_an_object code).

Request serializers reject unknown keys (`unknown_field`): a misspelt field is an error, never silently ignored.
Assessments are returned exactly as rules.Assessment.as_dict() makes them; the serializers of their parts
below describe them in the OpenAPI schema.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Mapping

from django.conf import settings
from django.utils.functional import Promise
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rules.countries import COUNTRIES

from . import provenance
from .errors import API_ERROR_CODE_CHOICES
from .models import CountryProfile, Respondent, Scope, Screening, ScreeningStatus
from .selectors import active_ruleset

MAX_BULK_ITEMS = 1000
STRENGTHS = ("strong", "arguable", "needs_information")
QUESTION_TYPES = ("country", "boolean", "integer", "single_choice", "multi_choice", "text", "date")


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose error names the choices, never the value given."""
    values = [c[0] if isinstance(c, tuple | list) else c for c in choices]
    message = f"Must be one of: {', '.join(values)}."
    return serializers.ChoiceField(choices=choices, error_messages={"invalid_choice": message}, **kwargs)


class StringField(serializers.CharField):
    """A CharField that takes a JSON string only: DRF's CharField turns a number into text (`5` -> "5"), so a
    partner sending the wrong type would never learn it (review D21). Code `invalid_type`, naming the field."""

    default_error_messages = {"invalid_type": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_type")
        return super().to_internal_value(data)


@extend_schema_field({"type": "object", "additionalProperties": {}, "description": "{question id: answer}"})
class AnswersField(serializers.JSONField):
    """An answer set, {question_id: answer}; validated by the rules (any JSON is accepted here)."""


# ---- requests ----------------------------------------------------------------------------------------------


# Arguments DRF's fields only read when built (ChoiceField makes its own dicts of the choices, Field its own dict of
# the messages; DRF never copies validators): a field may be built again from the same objects.
_READ_ONLY_KWARGS = frozenset({"choices", "validators", "error_messages"})


def _immutable(value) -> bool:
    # a class or function (a callable default such as `dict`) is called for each use, never changed
    return value is None or isinstance(value, str | int | float | Promise | type | types.FunctionType)


def fresh_field(field: serializers.Field) -> serializers.Field:
    """A new unbound copy of a declared field, as DRF's deepcopy makes it (the class called again with the field's
    arguments) but without deep-copying arguments that are immutable or only read; a field with any other
    argument (a child field, a mutable default) is deep-copied as DRF does."""
    plain = field.__dict__.get("_rebuilt_plainly")  # decided once per declared field (they live as long as the class)
    if plain is None:
        plain = field._rebuilt_plainly = all(_immutable(a) for a in field._args) and all(
            key in _READ_ONLY_KWARGS or _immutable(value) for key, value in field._kwargs.items()
        )
    return field.__class__(*field._args, **field._kwargs) if plain else copy.deepcopy(field)


class StrictSerializer(serializers.Serializer):
    """Rejects keys that are not fields, with code unknown_field, together with the fields' own errors."""

    def get_fields(self):
        # DRF deep-copies every declared field and its arguments for each serializer: 3% of a create's CPU.
        return {name: fresh_field(field) for name, field in self._declared_fields.items()}

    def to_internal_value(self, data):
        unknown = []
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields or self.fields[key].read_only]
        errors: dict = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, Mapping) else {"non_field_errors": exc.detail}
        for key in unknown:
            errors[str(key)] = [serializers.ErrorDetail("Unknown field.", code="unknown_field")]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class EvaluateRequestSerializer(StrictSerializer):
    answers = AnswersField(help_text="The answers, {question id: answer}. No answer to a question of type text.")
    apply_country_profile = serializers.BooleanField(
        default=False, help_text="Fill unanswered country-of-origin questions from the country's profile."
    )
    ruleset_version = StringField(
        required=False,
        max_length=40,
        help_text="Evaluate under this ruleset version (one of GET /api/v1/rulesets/); default: the active one. "
        "Answers are validated against that version's questionnaire.",
    )

    def validate_ruleset_version(self, value):
        from .selectors import ruleset_versions

        if value not in {v["version"] for v in ruleset_versions()}:
            raise serializers.ValidationError("There is no ruleset with this version: see GET /api/v1/rulesets/.")
        return value


class ScreeningWriteSerializer(StrictSerializer):
    reference = StringField(
        max_length=100, allow_blank=True, default="", help_text="Your own reference (no personal data, please)."
    )
    language = _choice([(c, c) for c in language_codes()], default="en", help_text="Interview language.")
    respondent = _choice(Respondent.choices, default=Respondent.CASEWORKER, help_text="Who answered.")
    status = _choice(
        ScreeningStatus.choices,
        default=ScreeningStatus.DRAFT,
        help_text="`complete` requires every required question to be answered (code `incomplete`).",
    )
    apply_country_profile = serializers.BooleanField(
        default=False, help_text="Fill unanswered country-of-origin questions from the country's profile."
    )
    answers = AnswersField(default=dict, help_text="The answers, {question id: answer}.")


class ScreeningCreateSerializer(ScreeningWriteSerializer):
    """A new screening; every field but `answers` has a default."""


class ScreeningPatchSerializer(ScreeningWriteSerializer):
    """A partial change: only the fields given change. `answers` is merged: a null value removes that answer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class BulkRequestSerializer(StrictSerializer):
    items = serializers.ListField(
        child=serializers.JSONField(),
        help_text=f"Up to {MAX_BULK_ITEMS} screenings, each as in POST /api/v1/screenings/.",
    )


class ScreeningFilterSerializer(StrictSerializer):
    """Query parameters of GET /api/v1/screenings/."""

    status = _choice(ScreeningStatus.choices, required=False)
    country_of_origin = serializers.CharField(
        required=False, max_length=2, help_text="ISO 3166-1 alpha-2 code, upper case (e.g. RU)."
    )
    outcome = serializers.CharField(required=False, help_text="An outcome id: screenings with this outcome.")
    strength = _choice([(s, s) for s in STRENGTHS], required=False, help_text="With `outcome`: of this strength.")
    created_after = serializers.DateTimeField(
        required=False, help_text="ISO 8601 date or date-time (UTC when no offset); inclusive."
    )
    created_before = serializers.DateTimeField(
        required=False, help_text="ISO 8601 date or date-time (UTC when no offset); exclusive."
    )
    updated_after = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 date-time: screenings created or changed after it (exclusive), for incremental sync.",
    )
    reference = serializers.CharField(required=False, max_length=100, help_text="Exact reference.")
    page = serializers.IntegerField(required=False, min_value=1, help_text="Page number (1-based).")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, help_text="Default 50.")

    def validate_country_of_origin(self, value: str) -> str:
        if value not in COUNTRIES:
            raise serializers.ValidationError(
                "Must be an ISO 3166-1 alpha-2 country code in upper case, such as RU.", code="invalid_country"
            )
        return value

    def validate_outcome(self, value: str) -> str:
        if value not in active_ruleset().outcomes:
            raise serializers.ValidationError(
                "There is no outcome with this id (see GET /api/v1/outcomes/).", code="invalid_choice"
            )
        return value


# ---- errors ------------------------------------------------------------------------------------------------


class ErrorItemSerializer(serializers.Serializer):
    question = serializers.CharField(allow_null=True, help_text="The answer's question id, or null.")
    field = serializers.CharField(
        required=False, help_text="The request field (dotted path, e.g. `items.3.status`) when it is about one."
    )
    code = serializers.ChoiceField(choices=API_ERROR_CODE_CHOICES)
    message = serializers.CharField(help_text="Plain English; never repeats an answer value.")
    check = serializers.CharField(
        required=False,
        help_text="`contradiction` only: the id of the questionnaire's contradiction check.",
    )
    questions = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With `check`: every question the check names (a contradiction gives one item per question).",
    )


class ErrorSerializer(serializers.Serializer):
    """Every error response of the API."""

    code = serializers.ChoiceField(choices=API_ERROR_CODE_CHOICES)
    message = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


# ---- assessments (documentation of rules.Assessment.as_dict()) ----------------------------------------------


class RulesetRefSerializer(serializers.Serializer):
    version = serializers.CharField()
    sha256 = serializers.CharField()


class CitationSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="e.g. `QD Art 9(2)(e)`, a CJEU judgment, a UNHCR guideline.")
    qr = serializers.CharField(
        required=False, allow_null=True, help_text="The Regulation (EU) 2024/1347 counterpart of a QD citation."
    )
    qr_note = serializers.CharField(required=False, help_text="Where the correlation is not one-to-one.")


class ReasonSerializer(serializers.Serializer):
    condition = serializers.DictField(help_text="The rule's condition (see rules/README.md).")
    holds = _choice([("true", "true"), ("unknown", "unknown"), ("false", "false")])
    negated = serializers.BooleanField()
    question = serializers.CharField(required=False)
    answer = serializers.JSONField(required=False, help_text="The answer that made the condition hold (or null).")
    source = serializers.ChoiceField(
        choices=[("answer", "answer"), ("country_profile", "country_profile")], required=False, allow_null=True
    )
    outcome = serializers.CharField(required=False, help_text="Earlier outcome(s) the rule relied on.")


class WhatIfStepSerializer(serializers.Serializer):
    condition = serializers.DictField(help_text="The rule's condition that does not hold today.")
    negated = serializers.BooleanField(help_text="The rule needs the condition to be false.")
    holds = _choice([("false", "false"), ("unknown", "unknown")], help_text="Its value on today's answers.")
    question = serializers.CharField(required=False, help_text="The question to answer differently.")
    value = serializers.JSONField(required=False, help_text="An answer that satisfies the rule's conditions.")
    allowed = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="Choice and yes/no questions: every option that would satisfy them, in questionnaire order.",
    )
    outcome = serializers.CharField(required=False, help_text="An earlier outcome that would have to be found.")


class EvidenceItemSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="What to gather (English; translations by `outcome` and `index`).")
    outcome = serializers.CharField(help_text="The first outcome (in pleading order) that lists it.")
    index = serializers.IntegerField(help_text="Its position in that outcome's `evidence`.")
    outcomes = serializers.ListField(child=serializers.CharField(), help_text="Every present outcome listing it.")


class OutcomeResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    category = serializers.CharField()
    strength = _choice([(s, s) for s in STRENGTHS])
    missing_questions = serializers.ListField(child=serializers.CharField())
    citations = CitationSerializer(many=True)
    rules = serializers.ListField(child=serializers.CharField())
    title = serializers.CharField()
    rationale = serializers.CharField()
    reasons = ReasonSerializer(many=True, help_text="Every condition of the firing conjuncts (kept as it was).")
    why = ReasonSerializer(
        many=True,
        help_text="Why it holds: the conditions of the firing conjuncts, without conditions on questions that were "
        "not asked and without repeats. `holds` is `true`, or `unknown` for needs_information.",
    )
    why_not_strong = ReasonSerializer(
        many=True,
        help_text="Why it is not strong: the `strong_if` conditions that are false or unknown (`holds`), with the "
        "answers that decided them. Empty for a strong outcome, one without `strong_if`, or one lowered by P1.",
    )
    would_be_strong_if = WhatIfStepSerializer(
        many=True,
        required=False,
        help_text="What-if, read from the rules: the fewest answers that would make an arguable or "
        "needs-information outcome strong (empty when none can, or when it is strong).",
    )
    evidence = serializers.ListField(
        child=serializers.CharField(), help_text="Everything the outcome lists; see `evidence_checklist`."
    )
    downgraded_by = serializers.CharField(allow_null=True, help_text="`P1` when post-processing lowered it.")


class NotMetSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The outcome considered and not met.")
    category = serializers.CharField()
    title = serializers.CharField()
    rules = serializers.ListField(child=serializers.CharField(), help_text="Its rules that did not fire.")
    failed = ReasonSerializer(
        many=True, help_text="The conditions that failed (`holds` false or unknown), with the deciding answers."
    )
    would_apply_if = WhatIfStepSerializer(
        many=True, required=False, help_text="What-if: the fewest answers that would make the outcome apply."
    )


class CoiSourceSerializer(serializers.Serializer):
    title = serializers.CharField()
    publisher = serializers.CharField()
    date = serializers.CharField(help_text="Publication date, YYYY-MM-DD")
    url = serializers.URLField(required=False, help_text="Where the publication can be found, when known")


class ProfileValueSerializer(serializers.Serializer):
    value = serializers.JSONField()
    sources = CoiSourceSerializer(many=True, required=False, help_text="The publications the value rests on.")
    source = serializers.CharField(help_text="The sources as one citation line (title, publisher; ...).")
    date = serializers.CharField(help_text="YYYY-MM-DD: the newest source's date, which the value is as old as.")
    note = serializers.CharField(required=False)
    contested = serializers.BooleanField(required=False, help_text="Sources or courts disagree on this value.")
    profile = serializers.CharField(required=False, help_text="The country profile's code (ISO 3166-1 alpha-2).")
    reviewed = serializers.CharField(required=False, help_text="YYYY-MM-DD: when the profile was last reviewed.")
    stale = serializers.BooleanField(
        required=False,
        help_text="Today, the value is older than COI_STALE_AFTER_DAYS (default 365) by its newest source's date "
        "(else the profile's review date): check for newer country information.",
    )


class FlaggedValuesField(serializers.DictField):
    """{question id: value with provenance}, each with `stale` and `contested` worked out for today."""

    def to_representation(self, value):
        return super().to_representation(provenance.with_flags(value))


class ProvenanceSerializer(ProfileValueSerializer):
    """A COI answer taken from a country profile: the profile's value and sources, and who took it and when."""

    applied = _choice(
        [("accepted", "accepted"), ("default", "default")],
        required=False,
        help_text="accepted: the caseworker accepted the profile's suggestion, so it is one of the answers (it "
        "loses this provenance when the answer is changed); default: the profile filled an unanswered question "
        "when the screening was evaluated (apply_country_profile).",
    )
    accepted_by = serializers.CharField(
        required=False, allow_null=True, help_text="Who accepted or applied it (user:<name> or partner:<name>)."
    )
    accepted_at = serializers.DateTimeField(required=False, allow_null=True)


class ContradictionWarningSerializer(serializers.Serializer):
    """A warning-level contradiction check the answers fail (questionnaire `checks`, rules/checks.py)."""

    id = serializers.CharField(help_text="The check's id in the questionnaire, e.g. host_country_is_country_of_origin.")
    questions = serializers.ListField(child=serializers.CharField(), help_text="Every question the check names.")
    message = serializers.CharField(help_text="What seems contradictory (English; never an answer value).")
    confirmed = serializers.BooleanField(
        help_text='A caseworker confirmed these answers (web: Check your answers, "I have checked this"); a '
        "change to one of them asks again. Always false from evaluate/, which stores nothing."
    )


class AssessmentSerializer(serializers.Serializer):
    """The assessment: candidate outcomes with reasons, citations and evidence to gather. Not a decision."""

    ruleset = RulesetRefSerializer()
    outcomes = OutcomeResultSerializer(many=True)
    unanswered = serializers.ListField(child=serializers.CharField())
    country_profile_used = serializers.DictField(
        child=ProfileValueSerializer(), help_text="Answers filled from the country profile."
    )
    disclaimer = serializers.CharField()
    not_met = NotMetSerializer(
        many=True,
        required=False,
        help_text="Considered and not met: outcomes whose rule is relevant to the facts (one of its conditions on an "
        "answered question holds) but failed on an answer. Absent from assessments stored before explanations "
        "were added.",
    )
    warnings = ContradictionWarningSerializer(
        many=True,
        required=False,
        help_text="evaluate/ only: warning-level contradiction checks the answers fail (never confirmed: nothing is "
        "stored). A stored screening has them at the top level of the screening.",
    )
    evidence_checklist = EvidenceItemSerializer(
        many=True,
        required=False,
        help_text="One de-duplicated list of the evidence to gather for the present outcomes, in pleading order "
        "(acts, reasons, subsidiary protection, flags); items whose condition is false on the answers are left out.",
    )


class OutcomeBriefSerializer(serializers.Serializer):
    id = serializers.CharField()
    category = serializers.CharField()
    strength = _choice([(s, s) for s in STRENGTHS])
    missing_questions = serializers.ListField(child=serializers.CharField())
    rules = serializers.ListField(child=serializers.CharField())
    downgraded_by = serializers.CharField(
        required=False, allow_null=True, help_text="`P1` when post-processing lowered it."
    )


class AssessmentSummarySerializer(serializers.Serializer):
    """The short assessment a create returns by default: each outcome's strength, missing questions and rule
    ids, without the explanation. Titles, citations and texts are in `GET outcomes/`; the explanation is in
    `GET screenings/{id}/` (the `Location`), or in this response with `?assessment=full` (then the full
    Assessment, which carries every field of this one). Not a decision."""

    ruleset = RulesetRefSerializer()
    outcomes = OutcomeBriefSerializer(many=True)
    unanswered = serializers.ListField(child=serializers.CharField())
    disclaimer = serializers.CharField()
    detail = serializers.ChoiceField(
        choices=[("summary", "summary")], required=False, help_text="`summary` (absent from the full form)."
    )


def assessment_of(screening: Screening, form: str = "full") -> dict | None:
    """The screening's assessment as a response shows it: "full" (with the explanation, derived from the stored
    compact assessment) or "summary"."""
    from .selectors import full_assessment, summary_assessment

    return summary_assessment(screening) if form == "summary" else full_assessment(screening)


@extend_schema_field(AssessmentSerializer(allow_null=True))
class AssessmentField(serializers.Field):
    """The screening's assessment: full, or the summary when the serializer's context says
    `{"assessment": "summary"}`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, screening):
        return assessment_of(screening, self.context.get("assessment", "full"))


@extend_schema_field(AssessmentSummarySerializer(allow_null=True))
class AssessmentSummaryField(AssessmentField):
    """The create response's assessment: the summary unless `?assessment=full`."""


# ---- screenings --------------------------------------------------------------------------------------------


def actor_label(*, user, client) -> str | None:
    """The same label as auth.Actor.label; null when the user or client no longer exists."""
    if client is not None:
        return f"partner:{client.name}"
    if user is not None:
        return f"user:{user.get_username()}"
    return None


class OutcomeSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    strength = _choice([(s, s) for s in STRENGTHS])


class ScreeningBaseSerializer(serializers.ModelSerializer):
    ruleset = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    updated_by = serializers.SerializerMethodField()

    class Meta:
        model = Screening
        fields: list[str] = []

    @extend_schema_field(RulesetRefSerializer)
    def get_ruleset(self, obj: Screening) -> dict:
        return {"version": obj.ruleset_version, "sha256": obj.ruleset_sha256}

    @extend_schema_field(OpenApiTypes.STR)
    def get_created_by(self, obj: Screening) -> str | None:
        return actor_label(user=obj.created_by_user, client=obj.created_by_client)

    @extend_schema_field(OpenApiTypes.STR)
    def get_updated_by(self, obj: Screening) -> str | None:
        return actor_label(user=obj.updated_by_user, client=obj.updated_by_client)


_COMMON = ["id", "reference", "language", "respondent", "status", "apply_country_profile", "version"]


class ScreeningSerializer(ScreeningBaseSerializer):
    """A stored screening with its latest assessment. Its `version` is also the ETag."""

    answers = AnswersField()
    warnings = serializers.SerializerMethodField(
        help_text="Warning-level contradiction checks the answers fail, confirmed or not. The web interview's "
        "Confirm and complete needs each one confirmed or fixed. Error-level checks never get here: they are "
        "validation errors (code `contradiction`)."
    )
    assessment = AssessmentField()
    country_profile_used = FlaggedValuesField(
        child=ProvenanceSerializer(),
        help_text="{question id: provenance} of every COI answer taken from a country profile: suggestions the "
        "caseworker accepted and defaults applied on evaluation.",
    )

    class Meta(ScreeningBaseSerializer.Meta):
        fields = [
            *_COMMON,
            "answers",
            "assessment",
            "warnings",
            "ruleset",
            "country_of_origin",
            "country_profile_used",
            "created_at",
            "updated_at",
            "created_by",
            "updated_by",
        ]
        read_only_fields = fields

    @extend_schema_field(ContradictionWarningSerializer(many=True))
    def get_warnings(self, obj: Screening) -> list[dict]:
        from .services import screening_warnings

        return [{k: w[k] for k in ("id", "questions", "message", "confirmed")} for w in screening_warnings(obj)]

    def to_representation(self, instance: Screening) -> dict:
        """The fields above, written out: a ModelSerializer builds and binds its ~17 fields for every instance
        (about a third of a millisecond per response). tests/api/test_api_representation.py checks this against
        DRF's own field by field representation, so the two cannot drift apart."""
        return {
            "id": str(instance.id),
            "reference": instance.reference,
            "language": instance.language,
            "respondent": instance.respondent,
            "status": instance.status,
            "apply_country_profile": instance.apply_country_profile,
            "version": instance.version,
            "answers": instance.answers,
            "assessment": assessment_of(instance, self.context.get("assessment", "full")),
            "warnings": self.get_warnings(instance),
            "ruleset": self.get_ruleset(instance),
            "country_of_origin": instance.country_of_origin,
            "country_profile_used": _PROFILE_USED.to_representation(instance.country_profile_used)
            if instance.country_profile_used
            else {},
            "created_at": _DATETIME.to_representation(instance.created_at),
            "updated_at": _DATETIME.to_representation(instance.updated_at),
            "created_by": self.get_created_by(instance),
            "updated_by": self.get_updated_by(instance),
        }


# Unbound fields for ScreeningSerializer.to_representation: the same conversions as the declared fields.
_DATETIME = serializers.DateTimeField()
_PROFILE_USED = FlaggedValuesField(child=ProvenanceSerializer())


class ScreeningCreatedSerializer(ScreeningSerializer):
    """The screening just created: as `GET screenings/{id}/` returns it, but its assessment is the summary unless
    the request asked for `?assessment=full`."""

    assessment = AssessmentSummaryField()

    class Meta(ScreeningSerializer.Meta):
        pass


class ScreeningListItemSerializer(ScreeningBaseSerializer):
    """A screening in a list: no answers, the outcomes summarised (id and strength)."""

    outcomes = serializers.SerializerMethodField()

    class Meta(ScreeningBaseSerializer.Meta):
        fields = [
            *_COMMON,
            "country_of_origin",
            "ruleset",
            "outcomes",
            "created_at",
            "updated_at",
            "created_by",
            "updated_by",
        ]
        read_only_fields = fields

    @extend_schema_field(OutcomeSummarySerializer(many=True))
    def get_outcomes(self, obj: Screening) -> list[dict]:
        rows = sorted(obj.outcomes.all(), key=lambda row: row.outcome_id)
        return [{"id": row.outcome_id, "strength": row.strength} for row in rows]


class ScreeningPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ScreeningListItemSerializer(many=True)


class StrengthChangeSerializer(serializers.Serializer):
    id = serializers.CharField()
    locals()["from"] = _choice([(s, s) for s in STRENGTHS])
    to = _choice([(s, s) for s in STRENGTHS])


class ReassessChangesSerializer(serializers.Serializer):
    previous_ruleset = RulesetRefSerializer()
    ruleset = RulesetRefSerializer()
    added = serializers.ListField(child=serializers.CharField(), help_text="Outcome ids now emitted.")
    removed = serializers.ListField(child=serializers.CharField(), help_text="Outcome ids no longer emitted.")
    strengthened = StrengthChangeSerializer(many=True, help_text="Outcomes whose strength went up.")
    weakened = StrengthChangeSerializer(many=True, help_text="Outcomes whose strength went down.")
    strength_changed = StrengthChangeSerializer(many=True, help_text="`strengthened` and `weakened` together, by id.")
    set_aside = serializers.ListField(
        child=serializers.CharField(),
        help_text="Question ids whose answers the new version's questionnaire does not show: set aside, not lost "
        "(restored if the question applies again).",
    )


class RulesetVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    sha256 = serializers.CharField(help_text="Hash of the version's questionnaire and rules files.")
    active = serializers.BooleanField(help_text="New screenings and re-screens use the active version.")
    spec_version = serializers.CharField(help_text="The version of the domain specification it implements.")
    date = serializers.CharField(help_text="Date of the version's changelog (empty for the first version).")
    summary = serializers.CharField(help_text="What changed from the previous version, in a few sentences.")
    previous = serializers.CharField(allow_null=True, help_text="The version this one replaces.")


class RulesetListSerializer(serializers.Serializer):
    rulesets = RulesetVersionSerializer(many=True)


class OutcomeStrengthSerializer(serializers.Serializer):
    id = serializers.CharField()
    strength = _choice([(s, s) for s in STRENGTHS])


class AssessmentHistoryItemSerializer(serializers.Serializer):
    current = serializers.BooleanField(help_text="The screening's current assessment (first in the list).")
    ruleset = RulesetRefSerializer()
    assessed_at = serializers.DateTimeField()
    assessed_by = serializers.CharField(help_text="`user:<name>` or `partner:<client>` as it was at the time.")
    outcomes = OutcomeStrengthSerializer(many=True)
    superseded_at = serializers.DateTimeField(allow_null=True)
    superseded_by = serializers.CharField(allow_null=True)
    changes = ReassessChangesSerializer(allow_null=True, help_text="What the re-screen that replaced it changed.")


class AssessmentHistorySerializer(serializers.Serializer):
    assessments = AssessmentHistoryItemSerializer(many=True)


class ReassessResponseSerializer(serializers.Serializer):
    screening = ScreeningSerializer()
    changes = ReassessChangesSerializer()


class BulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="0-based position in `items`.")
    id = serializers.UUIDField(required=False, help_text="The new screening's id (the item was stored).")
    errors = ErrorItemSerializer(many=True, required=False, help_text="Why the item was not stored.")


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)
    created = serializers.IntegerField()
    failed = serializers.IntegerField()


# ---- account -----------------------------------------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    """The caller: a partner client (by its token) or a signed-in member of an organisation."""

    organisation = serializers.CharField(help_text="Your organisation's name.")
    client = serializers.CharField(allow_null=True, help_text="The partner client's name; null for a signed-in user.")
    user = serializers.CharField(allow_null=True, help_text="The signed-in user's username; null for a partner client.")
    scope = _choice(Scope.choices, help_text="What the credentials may do (a signed-in member: `full`).")


# ---- catalogues --------------------------------------------------------------------------------------------


class OptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    caseworker_label = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    id = serializers.CharField()
    section = serializers.CharField()
    type = _choice([(t, t) for t in QUESTION_TYPES])
    audience = _choice([(a, a) for a in ("claimant", "caseworker", "either")])
    required = serializers.BooleanField()
    sensitive = serializers.BooleanField()
    prompt = serializers.CharField()
    help = serializers.CharField(allow_blank=True)
    caseworker_prompt = serializers.CharField()
    caseworker_help = serializers.CharField(allow_blank=True)
    show_if = serializers.DictField(allow_null=True, help_text="When the question applies (rules/README.md).")
    options = OptionSerializer(many=True, required=False)
    approximate = serializers.BooleanField(
        required=False,
        help_text="Date questions only: month and year alone are accepted, written YYYY-MM (the answer's precision).",
    )
    past = serializers.BooleanField(
        required=False, help_text="Date questions only: a past event, so a date after today is refused (future_date)."
    )


class SectionSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()


class QuestionnaireSerializer(serializers.Serializer):
    ruleset = RulesetRefSerializer()
    sections = SectionSerializer(many=True)
    sets = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    questions = QuestionSerializer(many=True)


class RuleSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    rationale = serializers.CharField()
    legal_md_rule = serializers.IntegerField()
    citations = CitationSerializer(many=True)


class OutcomeCatalogueItemSerializer(serializers.Serializer):
    id = serializers.CharField()
    category = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    citations = CitationSerializer(many=True)
    evidence = serializers.ListField(child=serializers.CharField())
    rules = RuleSummarySerializer(many=True, help_text="The rules that emit this outcome.")


class StrengthLevelSerializer(serializers.Serializer):
    id = _choice([(s, s) for s in STRENGTHS])
    definition = serializers.CharField()


class PostProcessingSerializer(serializers.Serializer):
    id = serializers.CharField()
    legal_md_rule = serializers.IntegerField()
    description = serializers.CharField()


class OutcomeCatalogueSerializer(serializers.Serializer):
    ruleset = RulesetRefSerializer()
    strength_levels = StrengthLevelSerializer(many=True)
    post_processing = PostProcessingSerializer(many=True)
    outcomes = OutcomeCatalogueItemSerializer(many=True)


class CountryProfileSerializer(serializers.ModelSerializer):
    values = FlaggedValuesField(
        child=ProfileValueSerializer(),
        help_text="{question id: default answer with its sources, dates and stale/contested flags}",
    )

    class Meta:
        model = CountryProfile
        fields = ["code", "name", "reviewed", "summary", "values", "updated_at"]
        read_only_fields = fields


class CountryListSerializer(serializers.Serializer):
    countries = CountryProfileSerializer(many=True)
