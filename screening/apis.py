"""The partner REST API, /api/v1/ (thin views: the work is in rules/ and in services/selectors).

Authentication, scope permission, rate limit and the error body are configured once in settings.REST_FRAMEWORK
(screening.auth, .permissions, .throttling, .errors). Every screening is looked up within the caller's
organisation: another organisation's screening is simply not found (404), never forbidden.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from rules.translations import available_languages, translation_for

from . import selectors, services
from .country_names import country_name
from .errors import ApiError, ApiErrorCode, answer_errors, error_item, validation_items
from .models import SCREENING_ENCRYPTED_FIELDS
from .openapi import (
    ACCEPT_LANGUAGE,
    ASSESSMENT_FORM,
    BULK_EXAMPLES,
    CREATE_EXAMPLES,
    ERROR_EXAMPLES,
    ETAG,
    EVALUATE_EXAMPLES,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_MATCH_DESTRUCTIVE,
    PATCH_EXAMPLES,
    RETRY_AFTER,
    SCREENING_ID,
    WARNING_ID,
    error_responses,
)
from .permissions import ACCOUNT, CATALOGUE, EVALUATE, SCREENINGS
from .serializers import (
    MAX_BULK_ITEMS,
    AssessmentHistorySerializer,
    AssessmentSerializer,
    BulkRequestSerializer,
    BulkResponseSerializer,
    CountryListSerializer,
    CountryProfileSerializer,
    EvaluateRequestSerializer,
    MeSerializer,
    OutcomeCatalogueSerializer,
    QuestionnaireSerializer,
    ReassessResponseSerializer,
    RulesetListSerializer,
    ScreeningCreatedSerializer,
    ScreeningCreateSerializer,
    ScreeningFilterSerializer,
    ScreeningListItemSerializer,
    ScreeningPageSerializer,
    ScreeningPatchSerializer,
    ScreeningSerializer,
)
from .throttling import ApiRequest, body_is_chunked, body_length, length_required

DEFAULT_LANGUAGE = "en"


class ApiView(APIView):
    """Base of every API view: English messages, Content-Language, and no caching of personal data."""

    api_area: str = ""
    content_language = DEFAULT_LANGUAGE
    body_methods = frozenset({"POST", "PUT", "PATCH"})  # methods that need a JSON body (reassess: none)

    def initialize_request(self, request, *args, **kwargs):
        api_request = ApiRequest(
            request,
            parsers=self.get_parsers(),
            authenticators=self.get_authenticators(),
            negotiator=self.get_content_negotiator(),
            parser_context=self.get_parser_context(request),
        )
        api_request.body_limit = self.body_limit()
        return api_request

    def body_limit(self) -> int | None:
        """The largest body this view reads (None: the API's API_MAX_BODY_BYTES)."""
        return None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # An absent body would otherwise parse as {}: a 201 for a screening the client never sent (review D7).
        if request.method in self.body_methods and request.method.lower() in self.http_method_names:
            if body_is_chunked(request.META):
                raise length_required()
            if not body_length(request.META):
                raise ApiError(
                    code=ApiErrorCode.INVALID_REQUEST,
                    message="The request needs a JSON body.",
                    errors=[error_item(code=ApiErrorCode.REQUIRED, message="A JSON body is required.")],
                )

    def dispatch(self, request, *args, **kwargs):
        with translation.override(DEFAULT_LANGUAGE):  # messages are English whatever the Accept-Language
            return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = self.content_language
        if self.api_area != CATALOGUE:
            response["Cache-Control"] = "no-store"  # answers and assessments are special-category data
        return response

    @property
    def actor(self):
        return self.request.actor  # set by ScopePermission for authenticated members and partner clients


def _answers_invalid(errors: list[dict]) -> ApiError:
    return ApiError(code=ApiErrorCode.INVALID_ANSWERS, message="Some answers are invalid: see `errors`.", errors=errors)


# ---- catalogues --------------------------------------------------------------------------------------------


def _question_dict(question, localised) -> dict:
    texts = localised.question(question)
    out = {
        "id": question.id,
        "section": question.section,
        "type": question.type,
        "audience": question.audience,
        "required": question.required,
        "sensitive": question.sensitive,
        "prompt": texts["prompt"],
        "help": texts["help"],
        "caseworker_prompt": texts["caseworker_prompt"],
        "caseworker_help": texts["caseworker_help"],
        "show_if": question.raw.get("show_if"),
    }
    if question.type == "date":  # YYYY-MM accepted too (approximate); no date after today (past)
        out.update(approximate=question.approximate, past=question.past)
    if question.options:
        out["options"] = [{"id": o.id, **texts["options"][o.id]} for o in question.options]
    return out


def served_languages(ruleset) -> tuple[str, ...]:
    """The languages the questionnaire is served in: those of settings.LANGUAGES that have a translation."""
    offered = {code for code, _name in settings.LANGUAGES}
    return tuple(code for code in available_languages(ruleset) if code in offered)


def negotiate_language(header: str | None, served: tuple[str, ...]) -> str:
    """The language to serve for an Accept-Language header: the most preferred one served, else English."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, *params = part.split(";")
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0  # a malformed weight: ignore the language
        if tag.strip() and quality > 0:
            ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _quality, _position, code in sorted(ranked):
        if code in served:
            return code
    return DEFAULT_LANGUAGE


def _ruleset_ref(ruleset) -> dict:
    return {"version": ruleset.version, "sha256": ruleset.sha256}


class QuestionnaireApi(ApiView):
    """The questionnaire: sections, named sets and questions (ids, types, options, show_if, prompts).

    Texts (section titles, prompts, help, option labels) are in the language of Accept-Language (en, ru, uk)
    where translated, English otherwise; the Content-Language header names the language served. Ids, types and
    show_if conditions are the same in every language.
    """

    api_area = CATALOGUE

    @extend_schema(
        operation_id="questionnaire",
        parameters=[ACCEPT_LANGUAGE, RETRY_AFTER],
        responses={200: QuestionnaireSerializer, **error_responses(401, 429)},
    )
    def get(self, request):
        ruleset = selectors.active_ruleset()
        language = negotiate_language(request.headers.get("Accept-Language"), served_languages(ruleset))
        localised = translation_for(ruleset, language)
        self.content_language = localised.language
        questionnaire = ruleset.questionnaire
        response = Response(
            {
                "ruleset": _ruleset_ref(ruleset),
                "sections": [
                    {**section, "title": localised.section(section["id"], section["title"])}
                    for section in questionnaire.sections
                ],
                "sets": questionnaire.sets,
                "questions": [_question_dict(q, localised) for q in questionnaire.questions],
            }
        )
        patch_vary_headers(response, ("Accept-Language",))
        return response


class OutcomesApi(ApiView):
    """The outcome catalogue: every candidate outcome with its citations and evidence, the rules that emit it,
    the strength levels and the post-processing steps."""

    api_area = CATALOGUE

    @extend_schema(
        operation_id="outcomes",
        parameters=[RETRY_AFTER],
        responses={200: OutcomeCatalogueSerializer, **error_responses(401, 429)},
    )
    def get(self, request):
        ruleset = selectors.active_ruleset()
        rules_by_outcome: dict[str, list] = {}
        for rule in ruleset.rules:
            rules_by_outcome.setdefault(rule.outcome, []).append(
                {
                    "id": rule.id,
                    "rationale": rule.rationale,
                    "legal_md_rule": rule.legal_md_rule,
                    "citations": [c.as_dict() for c in rule.citations],
                }
            )
        outcomes = [
            {
                "id": outcome.id,
                "category": outcome.category,
                "title": outcome.title,
                "description": outcome.description,
                "citations": list(outcome.citation_dicts),
                "evidence": list(outcome.evidence),
                "rules": rules_by_outcome.get(outcome.id, []),
            }
            for outcome in ruleset.outcomes.values()
        ]
        return Response(
            {
                "ruleset": _ruleset_ref(ruleset),
                "strength_levels": [dict(level) for level in ruleset.strength_levels],
                "post_processing": [
                    {"id": p.id, "legal_md_rule": p.legal_md_rule, "description": p.description}
                    for p in ruleset.post_processing
                ],
                "outcomes": outcomes,
            }
        )


class RulesetListApi(ApiView):
    """Every ruleset version the service can evaluate under, oldest first, with its hash, whether it is the
    active one, and a summary of what changed. Stored screenings keep the version they were assessed under until
    they are re-screened (POST screenings/{id}/reassess/)."""

    api_area = CATALOGUE

    @extend_schema(
        operation_id="rulesets_list",
        parameters=[RETRY_AFTER],
        responses={200: RulesetListSerializer, **error_responses(401, 429)},
    )
    def get(self, request):
        return Response({"rulesets": selectors.ruleset_versions()})


class CountryListApi(ApiView):
    """The country profiles: default answers to the country-of-origin questions, each with source and date."""

    api_area = CATALOGUE

    @extend_schema(
        operation_id="countries_list",
        parameters=[RETRY_AFTER],
        responses={200: CountryListSerializer, **error_responses(401, 429)},
    )
    def get(self, request):
        profiles = selectors.country_profile_list()
        language = _country_language(self, request)
        countries = [_named(item, language) for item in CountryProfileSerializer(profiles, many=True).data]
        response = Response({"countries": countries})
        patch_vary_headers(response, ("Accept-Language",))
        return response


class CountryDetailApi(ApiView):
    """One country profile by its ISO 3166-1 alpha-2 code (404 when there is none)."""

    api_area = CATALOGUE

    @extend_schema(
        operation_id="countries_retrieve",
        parameters=[RETRY_AFTER],
        responses={200: CountryProfileSerializer, **error_responses(401, 404, 429)},
    )
    def get(self, request, code: str):
        profile = selectors.country_profile_get(code=code)
        if profile is None:
            raise exceptions.NotFound("There is no country profile with this code.")
        language = _country_language(self, request)
        response = Response(_named(CountryProfileSerializer(profile).data, language))
        patch_vary_headers(response, ("Accept-Language",))
        return response


def _country_language(view, request) -> str:
    """Country names in the language of Accept-Language (CLDR names: en, ru, uk), English otherwise."""
    view.content_language = negotiate_language(
        request.headers.get("Accept-Language"), tuple(code for code, _name in settings.LANGUAGES)
    )
    return view.content_language


def _named(profile: dict, language: str) -> dict:
    """A country profile with its `name` in `language` (the CLDR name; the English name stays for "en")."""
    if language != DEFAULT_LANGUAGE:
        profile = {**profile, "name": country_name(profile["code"], language)}
    return profile


# ---- account -----------------------------------------------------------------------------------------------


class MeApi(ApiView):
    """Who you are: your organisation, your partner client (or signed-in user) and your token's scope. Any
    valid credentials may read it; it stores and audits nothing."""

    api_area = ACCOUNT

    @extend_schema(
        operation_id="me",
        parameters=[RETRY_AFTER],
        responses={200: MeSerializer, **error_responses(401, 403, 429)},
    )
    def get(self, request):
        actor = self.actor
        return Response(
            {
                "organisation": actor.organisation.name,
                "client": actor.client.name if actor.client is not None else None,
                "user": actor.user.get_username() if actor.user is not None else None,
                "scope": actor.scope,
            }
        )


# ---- evaluate ----------------------------------------------------------------------------------------------


class EvaluateApi(ApiView):
    """Evaluate an answer set and return the assessment. Stores nothing and is not audited.

    Accepts no free text: an answer to a question of type `text` (ethnic_group_name) is refused with
    `free_text_not_accepted`. Invalid answers give 400 `invalid_answers` listing every problem."""

    api_area = EVALUATE

    @extend_schema(
        operation_id="evaluate",
        request=EvaluateRequestSerializer,
        responses={200: AssessmentSerializer, **error_responses(400, 401, 403, 413, 415, 429)},
        parameters=[RETRY_AFTER],
        examples=EVALUATE_EXAMPLES + ERROR_EXAMPLES,
    )
    def post(self, request):
        serializer = EvaluateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            evaluated = services.answers_evaluate(
                answers=serializer.validated_data["answers"],
                apply_country_profile=serializer.validated_data["apply_country_profile"],
                ruleset_version=serializer.validated_data.get("ruleset_version"),
            )
        except services.ScreeningInvalid as exc:
            raise _answers_invalid(answer_errors(exc.errors)) from None
        return Response({**evaluated.assessment.as_dict(), "warnings": evaluated.warnings})


# ---- screenings --------------------------------------------------------------------------------------------


class ScreeningPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


_NIL_ID = str(uuid.UUID(int=0))


@functools.lru_cache(maxsize=8)
def _detail_path(script_prefix: str) -> str:
    """The detail path of the nil id, reversed once per script prefix (a reverse() was 3% of a create's CPU); a
    screening's own path replaces the id (a UUID: nothing in it is quoted)."""
    return reverse("screening:api-screening-detail", kwargs={"screening_id": _NIL_ID})


def _etag(screening) -> str:
    return f'"{screening.version}"'


def _expected_version(request, screening) -> int | None:
    """The version If-Match requires (None: no If-Match). Any listed version that is current matches."""
    versions = _if_match_versions(request.headers.get("If-Match"))
    if versions is None:
        return None
    return screening.version if screening.version in versions else versions[0]


def _version_conflict(exc) -> ApiError:
    return ApiError(
        code=ApiErrorCode.VERSION_CONFLICT,
        status_code=status.HTTP_412_PRECONDITION_FAILED,
        message=(
            f"The screening has changed since you read it: it is now at version {exc.current_version} "
            f'(ETag "{exc.current_version}"). Read it again and retry.'
        ),
        headers={"ETag": f'"{exc.current_version}"'},
    )


def _if_match_versions(header: str | None) -> list[int] | None:
    """The versions named by If-Match (`"3"`, `3`, `W/"3"`, lists); None when absent or `*`. A value that is not
    a version is kept as -1, which never matches."""
    if header is None or not header.strip() or header.strip() == "*":
        return None
    versions = []
    for token in header.split(","):
        token = token.strip()
        if token.startswith("W/"):
            token = token[2:].strip()
        if len(token) >= 2 and token[0] == token[-1] == '"':
            token = token[1:-1]
        versions.append(int(token) if re.fullmatch(r"[0-9]{1,9}", token) else -1)
    return versions


class ScreeningApiMixin:
    def get_screening(self, screening_id, *, with_answers: bool = True):
        """The caller's organisation's screening, or 404 (also for a malformed id or another organisation's).
        with_answers=False for a change: the service re-reads it locked, so it is decrypted once, there."""
        try:
            key = uuid.UUID(str(screening_id))
        except ValueError:
            key = None
        screening = key and selectors.screening_get(
            organisation=self.actor.organisation, screening_id=key, with_answers=with_answers
        )
        if not screening:
            raise exceptions.NotFound("There is no screening with this id.")
        return screening

    def screening_response(
        self, screening, *, status_code=status.HTTP_200_OK, headers=None, serializer=ScreeningSerializer, form="full"
    ) -> Response:
        return Response(
            serializer(screening, context={"assessment": form}).data,
            status=status_code,
            headers={"ETag": _etag(screening), **(headers or {})},
        )


class ScreeningListApi(ScreeningApiMixin, ApiView):
    """Your organisation's screenings, newest first (list: no answers, outcomes summarised)."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="screenings_list",
        parameters=[ScreeningFilterSerializer, RETRY_AFTER],
        responses={200: ScreeningPageSerializer, **error_responses(400, 401, 403, 404, 429)},
        examples=ERROR_EXAMPLES[1:],
    )
    def get(self, request):
        query = {key: value for key, value in request.query_params.items() if value != ""}
        filters = ScreeningFilterSerializer(data=query)
        filters.is_valid(raise_exception=True)
        criteria = {k: v for k, v in filters.validated_data.items() if k not in ("page", "page_size")}
        screenings = (
            selectors.screening_list(organisation=self.actor.organisation, filters=criteria)
            .select_related("created_by_user", "created_by_client", "updated_by_user", "updated_by_client")
            .prefetch_related("outcomes")
            .defer(*SCREENING_ENCRYPTED_FIELDS, "country_profile_used")
        )
        paginator = ScreeningPagination()
        page = paginator.paginate_queryset(screenings, request, view=self)
        # One `listed` event per request with the ids returned, and the filters (an outcome filter is itself a
        # read of who has that ground: review D15).
        services.screenings_listed(
            actor=self.actor,
            screenings=page,
            detail={"view": "api_list", "filters": {k: str(v)[:100] for k, v in criteria.items()}},
        )
        return paginator.get_paginated_response(ScreeningListItemSerializer(page, many=True).data)

    @extend_schema(
        operation_id="screenings_create",
        request=ScreeningCreateSerializer,
        responses={201: ScreeningCreatedSerializer, **error_responses(400, 401, 403, 413, 415, 429)},
        parameters=[ASSESSMENT_FORM, ETAG, RETRY_AFTER],
        examples=CREATE_EXAMPLES + ERROR_EXAMPLES,
    )
    def post(self, request):
        form = _assessment_form(request)
        serializer = ScreeningCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            screening = services.screening_create(actor=self.actor, explain=form == "full", **serializer.validated_data)
        except services.ScreeningInvalid as exc:
            raise _answers_invalid(answer_errors(exc.errors)) from None
        location = _detail_path(get_script_prefix()).replace(_NIL_ID, str(screening.id))
        return self.screening_response(
            screening,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": location},
            serializer=ScreeningCreatedSerializer,
            form=form,
        )


class ScreeningDetailApi(ScreeningApiMixin, ApiView):
    """One screening (viewing it is audited). PATCH changes it (send If-Match); DELETE removes it for good."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="screenings_retrieve",
        parameters=[SCREENING_ID, ETAG, RETRY_AFTER],
        responses={200: ScreeningSerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, screening_id):
        screening = self.get_screening(screening_id)
        services.screening_viewed(actor=self.actor, screening=screening)
        return self.screening_response(screening)

    @extend_schema(
        operation_id="screenings_partial_update",
        request=ScreeningPatchSerializer,
        parameters=[SCREENING_ID, IF_MATCH, ETAG, RETRY_AFTER],
        responses={200: ScreeningSerializer, **error_responses(400, 401, 403, 404, 412, 413, 415, 429)},
        examples=PATCH_EXAMPLES + ERROR_EXAMPLES,
    )
    def patch(self, request, screening_id):
        screening = self.get_screening(screening_id, with_answers=False)
        serializer = ScreeningPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        answers = fields.pop("answers", None)
        if answers is not None and not isinstance(answers, dict):
            error = error_item(
                question=None,
                code=ApiErrorCode.NOT_AN_OBJECT,
                message="Answers must be an object of question id: answer.",
            )
            raise _answers_invalid([error])
        expected = _expected_version(request, screening)
        try:
            screening = services.screening_update(
                actor=self.actor,
                screening=screening,
                answers=answers,
                expected_version=expected,
                explain=True,
                **fields,
            )
        except services.VersionConflict as exc:
            raise _version_conflict(exc) from None
        except services.ScreeningInvalid as exc:
            raise _answers_invalid(answer_errors(exc.errors)) from None
        return self.screening_response(screening)

    @extend_schema(
        operation_id="screenings_destroy",
        parameters=[SCREENING_ID, IF_MATCH_DESTRUCTIVE, RETRY_AFTER],
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(401, 403, 404, 412, 429)},
    )
    def delete(self, request, screening_id):
        screening = self.get_screening(screening_id, with_answers=False)
        try:
            services.screening_delete(
                actor=self.actor, screening=screening, expected_version=_expected_version(request, screening)
            )
        except services.VersionConflict as exc:
            raise _version_conflict(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScreeningAssessmentsApi(ScreeningApiMixin, ApiView):
    """The screening's assessment history, newest first: the current assessment, then every assessment a
    re-screen replaced, each with its ruleset version and hash, when and by whom, its outcomes and strengths, and
    what the re-screen changed. No answers."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="screenings_assessments",
        parameters=[SCREENING_ID, RETRY_AFTER],
        responses={200: AssessmentHistorySerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, screening_id):
        screening = self.get_screening(screening_id)
        return Response({"assessments": selectors.screening_assessment_history(screening=screening)})


class ScreeningReassessApi(ScreeningApiMixin, ApiView):
    """Re-screen: evaluate the screening's answers under the active ruleset version, keeping the previous
    assessment in its history (GET screenings/{id}/assessments/). Answers the new version's questionnaire does not
    show are set aside, never dropped. Returns the screening with what changed."""

    api_area = SCREENINGS
    body_methods = frozenset()

    @extend_schema(
        operation_id="screenings_reassess",
        request=None,
        parameters=[SCREENING_ID, IF_MATCH_DESTRUCTIVE, RETRY_AFTER],
        responses={200: ReassessResponseSerializer, **error_responses(401, 403, 404, 412, 429)},
    )
    def post(self, request, screening_id):
        screening = self.get_screening(screening_id, with_answers=False)
        try:
            screening, changes = services.screening_reassess(
                actor=self.actor,
                screening=screening,
                expected_version=_expected_version(request, screening),
                explain=True,
            )
        except services.VersionConflict as exc:
            raise _version_conflict(exc) from None
        return Response(
            {"screening": ScreeningSerializer(screening).data, "changes": changes}, headers={"ETag": _etag(screening)}
        )


class ScreeningWarningConfirmApi(ScreeningApiMixin, ApiView):
    """Confirm a warning ("I have checked this"), as a caseworker does on the web's Check your answers: it is
    recorded with the answers it named (a later change to one of them asks again) and audited. 404 when the
    screening's answers do not raise this warning. Returns the screening."""

    api_area = SCREENINGS
    body_methods = frozenset()

    @extend_schema(
        operation_id="screenings_warning_confirm",
        request=None,
        parameters=[SCREENING_ID, WARNING_ID, IF_MATCH, ETAG, RETRY_AFTER],
        responses={200: ScreeningSerializer, **error_responses(401, 403, 404, 412, 429)},
    )
    def post(self, request, screening_id, check_id):
        screening = self.get_screening(screening_id, with_answers=False)
        try:
            screening = services.screening_warning_confirm(
                actor=self.actor,
                screening=screening,
                check_id=check_id,
                expected_version=_expected_version(request, screening),
            )
        except services.VersionConflict as exc:
            raise _version_conflict(exc) from None
        except services.ScreeningInvalid:
            raise exceptions.NotFound("The screening's answers do not raise this warning.") from None
        return self.screening_response(screening)


def _assessment_form(request) -> str:
    """?assessment=summary (default) or full; 400 naming the parameter otherwise."""
    form = request.query_params.get("assessment", "summary")
    if form not in ("summary", "full"):
        raise ApiError(
            code=ApiErrorCode.INVALID_REQUEST,
            message="The request is invalid: see `errors`.",
            errors=[
                error_item(
                    code=ApiErrorCode.INVALID, field="assessment", message="assessment must be `summary` or `full`."
                )
            ],
        )
    return form


def idempotency_key_of(request, max_length: int = 255) -> str | None:
    """The request's Idempotency-Key header (None without one); 400 naming the header unless it is 1 to
    `max_length` visible ASCII characters. One rule for every endpoint that honours the header."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not re.fullmatch(rf"[!-~]{{1,{max_length}}}", key):
        raise ApiError(
            code=ApiErrorCode.INVALID_REQUEST,
            message="The request is invalid: see `errors`.",
            errors=[
                error_item(
                    code=ApiErrorCode.INVALID,
                    field="Idempotency-Key",
                    message=f"Idempotency-Key must be 1 to {max_length} visible ASCII characters.",
                )
            ],
        )
    return key


class ScreeningBulkApi(ApiView):
    """Create up to 1,000 screenings. Each item is validated and stored on its own: valid items are stored even
    when others fail. Results are in input order: {index, id} or {index, errors}. Send an Idempotency-Key so that
    a retry (after a timeout or a cut connection) creates nothing twice."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="screenings_bulk_create",
        request=BulkRequestSerializer,
        responses={200: BulkResponseSerializer, **error_responses(400, 401, 403, 409, 411, 413, 415, 422, 429)},
        parameters=[IDEMPOTENCY_KEY, RETRY_AFTER],
        examples=BULK_EXAMPLES,
    )
    def post(self, request):
        key = idempotency_key_of(request)
        items = self.validated_items(request)
        if key is None:
            return Response(self.store(items, record=None))
        try:
            record = services.idempotency_key_claim(
                organisation=self.actor.organisation,
                key=key,
                request_sha256=hashlib.sha256(request.body).hexdigest(),
            )
        except services.IdempotencyKeyReused:
            raise ApiError(
                code=ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
                status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
                message="This Idempotency-Key was used with a different request body; nothing was stored.",
            ) from None
        except services.RequestInProgress:
            raise ApiError(
                code=ApiErrorCode.REQUEST_IN_PROGRESS,
                status_code=status.HTTP_409_CONFLICT,
                message="The request with this Idempotency-Key is still being processed; retry later.",
                headers={"Retry-After": str(services.IDEMPOTENCY_STALE_SECONDS)},
            ) from None
        if record.response is not None:
            return Response(record.response, headers={"Idempotent-Replayed": "true"})
        body = self.store(items, record=record)
        services.idempotency_complete(record=record, response=body)
        return Response(body)

    def validated_items(self, request) -> list:
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if isinstance(items, list) and len(items) > MAX_BULK_ITEMS:
            raise ApiError(
                code=ApiErrorCode.TOO_MANY_ITEMS,
                message=f"At most {MAX_BULK_ITEMS} items per request ({len(items)} sent); nothing was stored.",
            )
        serializer = BulkRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["items"]

    BATCH = 100  # items stored per transaction (services.screenings_create_many)

    def store(self, items: list, *, record) -> dict:
        """Store each valid item; with an idempotency record, skip the items a cut-off earlier try stored."""
        stored = dict(record.items.values_list("index", "screening_id")) if record is not None else {}
        results: list[dict | None] = [None] * len(items)
        pending: list[tuple[int, dict]] = []
        for index, item in enumerate(items):
            if index in stored:
                results[index] = {"index": index, "id": str(stored[index])}
                continue
            item_serializer = ScreeningCreateSerializer(data=item)
            if not item_serializer.is_valid():
                results[index] = {"index": index, "errors": validation_items(item_serializer.errors)}
                continue
            pending.append((index, item_serializer.validated_data))
        for start in range(0, len(pending), self.BATCH):
            batch = pending[start : start + self.BATCH]
            indexes = [index for index, _ in batch]
            created = services.screenings_create_many(
                actor=self.actor,
                items=[data for _, data in batch],
                idempotency=(record, indexes) if record is not None else None,
            )
            for index, result in zip(indexes, created, strict=True):
                if isinstance(result, services.ScreeningInvalid):
                    results[index] = {"index": index, "errors": answer_errors(result.errors)}
                else:
                    results[index] = {"index": index, "id": str(result.id)}
            if record is not None:
                services.idempotency_heartbeat(record=record)
        created_count = sum(1 for r in results if "id" in r)
        return {"results": results, "created": created_count, "failed": len(results) - created_count}


class ApiNotFoundView(ApiView):
    """Any other path under /api/: 404 with the error body (not Django's HTML page)."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    schema = None  # not an endpoint
    body_methods = frozenset()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        hint = "" if request.path.endswith("/") else " API paths end with a slash."
        raise exceptions.NotFound(f"There is no API endpoint at this path.{hint}")
