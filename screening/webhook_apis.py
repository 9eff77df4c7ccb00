"""The partner webhooks API: register a URL (POST /api/v1/webhooks/, the signing secret shown once), list and
remove them, and read each one's deliveries with their attempts (GET /api/v1/webhooks/{id}/deliveries/).

Webhooks belong to the caller's organisation (another organisation's is not found). A partner token with the
full scope, or a signed-in supervisor or organisation admin, may add or remove them; read-only tokens may read.
"""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from . import webhooks
from .apis import ApiView
from .errors import ApiError, ApiErrorCode, error_item
from .models import Role, Webhook, WebhookEvent
from .openapi import RETRY_AFTER, error_responses
from .permissions import SCREENINGS

EVENTS = [e.value for e in WebhookEvent]
WEBHOOK_ID = OpenApiParameter("webhook_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The webhook's id.")
MAX_WEBHOOKS = 10


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "active", "created_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="The HMAC-SHA256 signing secret: shown once, keep it.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="https:// (http:// only in development).")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENTS),
        required=False,
        allow_empty=False,
        help_text=f"Default: every event ({', '.join(EVENTS)}).",
    )


class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    event = serializers.CharField()
    status = serializers.CharField(help_text="pending, delivered or failed (no more attempts).")
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.DictField(help_text="Ids, statuses and counts only.")


def _may_change(actor) -> bool:
    return actor.client is not None or actor.role in (Role.SUPERVISOR, Role.ORG_ADMIN)


class WebhookMixin:
    def get_webhook(self, webhook_id) -> Webhook:
        try:
            key = uuid.UUID(str(webhook_id))
        except ValueError:
            key = None
        hook = key and Webhook.objects.filter(organisation=self.actor.organisation, pk=key).first()
        if not hook:
            raise exceptions.NotFound("There is no webhook with this id.")
        return hook

    def check_may_change(self):
        if not _may_change(self.actor):
            raise exceptions.PermissionDenied("Only a supervisor or an organisation admin can change webhooks.")

    @property
    def actor(self):
        return self.request.actor


class WebhookListApi(WebhookMixin, ApiView):
    """Your organisation's webhooks; register one to be notified of `job.completed` and `screening.completed`.

    Each notification is a POST of `{"id", "event", "created", "data"}` signed in the header
    `Refuge-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; answer 2xx within 5 s.
    Failed deliveries are retried with exponential backoff (2, 4, 8 … s); `Refuge-Delivery` stays the same."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="webhooks_list",
        parameters=[RETRY_AFTER],
        responses={200: WebhookSerializer(many=True), **error_responses(401, 403, 429)},
    )
    def get(self, request):
        hooks = Webhook.objects.filter(organisation=self.actor.organisation).order_by("created_at")
        return Response(WebhookSerializer(hooks, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookCreateSerializer,
        parameters=[RETRY_AFTER],
        responses={201: WebhookCreatedSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request):
        self.check_may_change()
        serializer = WebhookCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        url = serializer.validated_data["url"]
        problem = webhooks.url_problem(url)
        if problem:
            raise ApiError(
                code=ApiErrorCode.INVALID_REQUEST,
                message=problem,
                errors=[error_item(code=ApiErrorCode.INVALID, message=problem, field="url")],
            )
        if Webhook.objects.filter(organisation=self.actor.organisation).count() >= MAX_WEBHOOKS:
            raise ApiError(code=ApiErrorCode.INVALID_REQUEST, message=f"At most {MAX_WEBHOOKS} webhooks.")
        hook = Webhook.objects.create(
            organisation=self.actor.organisation,
            client=self.actor.client,
            url=url,
            events=serializer.validated_data.get("events") or EVENTS,
            secret=webhooks.secret_generate(),
        )
        return Response(WebhookCreatedSerializer(hook).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(WebhookMixin, ApiView):
    """One webhook of your organisation; DELETE removes it (no more notifications)."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="webhooks_retrieve",
        parameters=[WEBHOOK_ID, RETRY_AFTER],
        responses={200: WebhookSerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, webhook_id):
        return Response(WebhookSerializer(self.get_webhook(webhook_id)).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        parameters=[WEBHOOK_ID, RETRY_AFTER],
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request, webhook_id):
        hook = self.get_webhook(webhook_id)
        self.check_may_change()
        hook.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesApi(WebhookMixin, ApiView):
    """The webhook's last 100 deliveries, newest first, with their attempts and last error."""

    api_area = SCREENINGS

    @extend_schema(
        operation_id="webhooks_deliveries",
        parameters=[WEBHOOK_ID, RETRY_AFTER],
        responses={200: DeliverySerializer(many=True), **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, webhook_id):
        hook = self.get_webhook(webhook_id)
        return Response(DeliverySerializer(hook.deliveries.all()[:100], many=True).data)
