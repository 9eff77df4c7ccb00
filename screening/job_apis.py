"""The partner jobs API: POST /api/v1/jobs/ (up to 100,000 screenings, screened in the background),
GET /api/v1/jobs/{id}/ (status, counts, progress) and GET /api/v1/jobs/{id}/results/ (cursor pages, input order).

A job is looked up within the caller's organisation: another organisation's job is simply not found (404).
"""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.response import Response

from . import jobs
from .apis import ApiView, idempotency_key_of
from .errors import ApiError, ApiErrorCode, error_item
from .job_serializers import JobResultPageSerializer, JobResultSerializer, JobSerializer
from .models import Job, JobSource
from .openapi import RETRY_AFTER, error_responses
from .permissions import SCREENINGS
from .throttling import check_json_tree, too_deep_error

DEFAULT_MAX_JOB_BODY_BYTES = 200 * 1024 * 1024
IDEMPOTENCY_KEY_MAX = 200
JOB_ID = OpenApiParameter("job_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The job's id.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        f"A unique value of yours (1-{IDEMPOTENCY_KEY_MAX} visible ASCII characters, e.g. a UUID). Sending the same "
        "key again creates nothing: the answer is the job first created with it (header `Idempotent-Replayed: true`)."
    ),
)
LOCATION = OpenApiParameter(
    "Location", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[202], description="The job's URL."
)


def _max_body() -> int:
    return settings.SCREENING.get("JOB_MAX_BODY_BYTES", DEFAULT_MAX_JOB_BODY_BYTES)


class JobsJSONParser(JSONParser):
    """A JSON array of items, with the jobs' size limit (JOB_MAX_BODY_BYTES, larger than the API's)."""

    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_over_limit((parser_context or {}).get("request"))
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # the C decoder's own limit on hostile nesting: 400, as the API's parser
            raise too_deep_error() from None
        _refuse_nul(data)
        check_json_tree(data)
        return data


class JsonLinesParser(BaseParser):
    """JSON Lines: one item per line (blank lines ignored); a line that is not JSON refuses the whole body."""

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_over_limit((parser_context or {}).get("request"))
        items, rows, problems = [], [], []
        for line_no, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
                if line_no == 1:
                    text = text.removeprefix("\ufeff")
                items.append(json.loads(text))
                rows.append(line_no)
            except (UnicodeDecodeError, ValueError, RecursionError):
                problems.append(error_item(code=ApiErrorCode.PARSE_ERROR, message=f"Line {line_no} is not valid JSON."))
                if len(problems) >= 20:
                    break
        if problems:
            raise ApiError(
                code=ApiErrorCode.PARSE_ERROR,
                message="The body is not valid JSON Lines: see `errors` (at most 20 lines listed); nothing was stored.",
                errors=problems,
            )
        _refuse_nul(items)
        check_json_tree(items)
        return _JsonLines(items, rows)


class JsonLinesAliasParser(JsonLinesParser):
    media_type = "application/jsonl"


class _JsonLines(list):
    """The items of a JSON Lines body, with their line numbers."""

    def __init__(self, items, rows):
        super().__init__(items)
        self.rows = rows


def _refuse_nul(data) -> None:
    """PostgreSQL cannot store a NUL character in JSON: refuse such a body (400) rather than fail storing it."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise exceptions.ParseError("JSON parse error - a string holds a NUL character (\\u0000).")
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _refuse_over_limit(request) -> None:
    limit = _max_body()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except ValueError:
        length = 0
    if limit and length > limit:
        raise ApiError(
            code=ApiErrorCode.REQUEST_TOO_LARGE,
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            message=f"The request body is larger than {limit} bytes; split the items over several jobs.",
        )


class JobApiMixin:
    def get_job(self, job_id) -> Job:
        try:
            key = uuid.UUID(str(job_id))
        except ValueError:
            key = None
        job = key and Job.objects.filter(organisation=self.actor.organisation, pk=key).first()
        if not job:
            raise exceptions.NotFound("There is no job with this id.")
        return job


JOB_EXAMPLES = [
    OpenApiExample(
        "Two screenings",
        request_only=True,
        value=[
            {"reference": "case-1", "answers": {"country_of_origin": "RU", "age": 19}},
            {"reference": "case-2", "answers": {"country_of_origin": "BY"}},
        ],
    )
]


class JobListApi(JobApiMixin, ApiView):
    """Create a job: up to 100,000 screenings (each as in POST /api/v1/screenings/), screened in the background.

    The body is a JSON array, or JSON Lines (`Content-Type: application/x-ndjson` or `application/jsonl`: one
    screening per line; a line that is not JSON refuses the whole body). Answers 202 at once, with `Location`;
    an invalid item does not stop the job: its errors are in the results."""

    api_area = SCREENINGS
    parser_classes = [JobsJSONParser, JsonLinesParser, JsonLinesAliasParser]

    def body_limit(self) -> int:
        return _max_body()  # a job of 100,000 screenings is far over the API's 10 MB

    @extend_schema(
        operation_id="jobs_create",
        request={"application/json": {"type": "array", "items": {"type": "object"}, "maxItems": jobs.MAX_JOB_ITEMS}},
        parameters=[IDEMPOTENCY_KEY, LOCATION, RETRY_AFTER],
        responses={
            202: OpenApiResponse(JobSerializer, description="Accepted: screened in the background."),
            **error_responses(400, 401, 403, 413, 415, 429),
        },
        examples=JOB_EXAMPLES,
    )
    def post(self, request):
        items = request.data
        if not isinstance(items, list):
            raise ApiError(
                code=ApiErrorCode.INVALID_REQUEST,
                message="The body must be a JSON array of screenings, or JSON Lines (one screening per line).",
            )
        if not items:
            raise ApiError(code=ApiErrorCode.INVALID_REQUEST, message="The job has no items; nothing was stored.")
        if len(items) > jobs.MAX_JOB_ITEMS:
            raise ApiError(
                code=ApiErrorCode.TOO_MANY_ITEMS,
                message=f"At most {jobs.MAX_JOB_ITEMS} items per job ({len(items)} sent); nothing was stored.",
            )
        key = idempotency_key_of(request, max_length=IDEMPOTENCY_KEY_MAX) or ""
        headers = {}
        try:
            job = jobs.job_create(
                actor=self.actor,
                source=JobSource.API,
                items=items,
                rows=getattr(items, "rows", None),
                idempotency_key=key,
            )
        except jobs.IdempotencyConflict as exc:
            job, headers = exc.job, {"Idempotent-Replayed": "true"}
        data = JobSerializer(job).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["links"]["self"], **headers})


class JobDetailApi(JobApiMixin, ApiView):
    """A job of your organisation: status, counts and progress."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="jobs_retrieve",
        parameters=[JOB_ID, RETRY_AFTER],
        responses={200: JobSerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, job_id):
        return Response(JobSerializer(self.get_job(job_id)).data)


class JobResultPagination(CursorPagination):
    ordering = "index"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class JobResultsApi(JobApiMixin, ApiView):
    """A job's results, one per input item in input order, 100 a page (page_size up to 1,000), cursor-paginated.

    Items not screened yet have status `pending`: read the job until it is `completed`, then its results."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="jobs_results",
        parameters=[
            JOB_ID,
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next` or `previous`."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1-1,000; default 100."),
            RETRY_AFTER,
        ],
        responses={200: JobResultPageSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def get(self, request, job_id):
        job = self.get_job(job_id)
        unknown = sorted(set(request.query_params) - {"cursor", "page_size"})
        if unknown:
            raise ApiError(
                code=ApiErrorCode.INVALID_REQUEST,
                message="Unknown query parameter: see `errors`.",
                errors=[
                    error_item(code=ApiErrorCode.UNKNOWN_FIELD, message="Unknown parameter.", field=name[:50])
                    for name in unknown
                ],
            )
        size = request.query_params.get("page_size")
        if size is not None and (not size.isdigit() or not 1 <= int(size) <= JobResultPagination.max_page_size):
            raise ApiError(
                code=ApiErrorCode.INVALID_REQUEST,
                message="page_size must be an integer from 1 to 1000.",
                errors=[error_item(code=ApiErrorCode.INVALID, message="From 1 to 1000.", field="page_size")],
            )
        paginator = JobResultPagination()
        page = paginator.paginate_queryset(jobs.job_results(job).select_related(None), request, view=self)
        return paginator.get_paginated_response(JobResultSerializer(page, many=True).data)
