"""Response shapes of the partner jobs API (/api/v1/jobs/), for the views and the OpenAPI schema."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from .models import Job, JobItem, JobItemStatus, JobSource, JobStatus
from .serializers import ErrorItemSerializer


class JobLinksSerializer(serializers.Serializer):
    self = serializers.CharField(help_text="This job.")
    results = serializers.CharField(help_text="Its results, in input order.")


class JobSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=JobStatus.choices)
    source = serializers.ChoiceField(choices=JobSource.choices)
    progress = serializers.IntegerField(help_text="Percent of the items processed, 0-100.")
    errors = ErrorItemSerializer(many=True, help_text="Job-level problems (item problems are in the results).")
    links = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "status",
            "source",
            "total_items",
            "processed_items",
            "succeeded_items",
            "failed_items",
            "progress",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
            "links",
        ]

    def get_links(self, job) -> JobLinksSerializer:
        url = reverse("screening:api-job-detail", kwargs={"job_id": job.id})
        return {"self": url, "results": url + "results/"}


class JobResultOutcomeSerializer(serializers.Serializer):
    id = serializers.CharField()
    category = serializers.CharField()
    strength = serializers.CharField()


class JobResultSerializer(serializers.ModelSerializer):
    """One input item: the screening it became with its outcomes, or its errors."""

    status = serializers.ChoiceField(
        choices=[(JobItemStatus.PENDING, "pending"), (JobItemStatus.DONE, "done"), (JobItemStatus.INVALID, "invalid")]
    )
    line = serializers.IntegerField(source="row", allow_null=True, help_text="Line number in a JSON Lines body.")
    screening = serializers.UUIDField(source="screening_id", allow_null=True)
    outcomes = serializers.SerializerMethodField()
    errors = ErrorItemSerializer(many=True)

    class Meta:
        model = JobItem
        fields = ["index", "line", "reference", "status", "screening", "outcomes", "errors"]

    def get_outcomes(self, item) -> JobResultOutcomeSerializer(many=True):
        return (item.result or {}).get("outcomes", [])


class JobResultPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True, help_text="The next page's URL (cursor), or null at the end.")
    previous = serializers.CharField(allow_null=True)
    results = JobResultSerializer(many=True)
