from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import api_docs, apis, job_apis, views, webhook_apis

app_name = "screening"

urlpatterns = [
    path("", views.start, name="start"),
    # The partner REST API (screening/apis.py). Every endpoint here needs an isolation test (tests/api/).
    path("api/v1/questionnaire/", apis.QuestionnaireApi.as_view(), name="api-questionnaire"),
    path("api/v1/outcomes/", apis.OutcomesApi.as_view(), name="api-outcomes"),
    path("api/v1/rulesets/", apis.RulesetListApi.as_view(), name="api-rulesets"),
    path("api/v1/countries/", apis.CountryListApi.as_view(), name="api-countries"),
    path("api/v1/countries/<str:code>/", apis.CountryDetailApi.as_view(), name="api-country-detail"),
    path("api/v1/evaluate/", apis.EvaluateApi.as_view(), name="api-evaluate"),
    path("api/v1/me/", apis.MeApi.as_view(), name="api-me"),
    path("api/v1/screenings/", apis.ScreeningListApi.as_view(), name="api-screenings"),
    path("api/v1/screenings/bulk/", apis.ScreeningBulkApi.as_view(), name="api-screenings-bulk"),
    path("api/v1/screenings/<str:screening_id>/", apis.ScreeningDetailApi.as_view(), name="api-screening-detail"),
    path(
        "api/v1/screenings/<str:screening_id>/assessments/",
        apis.ScreeningAssessmentsApi.as_view(),
        name="api-screening-assessments",
    ),
    path(
        "api/v1/screenings/<str:screening_id>/reassess/",
        apis.ScreeningReassessApi.as_view(),
        name="api-screening-reassess",
    ),
    path(
        "api/v1/screenings/<str:screening_id>/warnings/<str:check_id>/confirm/",
        apis.ScreeningWarningConfirmApi.as_view(),
        name="api-screening-warning-confirm",
    ),
    path("api/v1/jobs/", job_apis.JobListApi.as_view(), name="api-jobs"),
    path("api/v1/webhooks/", webhook_apis.WebhookListApi.as_view(), name="api-webhooks"),
    path("api/v1/webhooks/<str:webhook_id>/", webhook_apis.WebhookDetailApi.as_view(), name="api-webhook-detail"),
    path(
        "api/v1/webhooks/<str:webhook_id>/deliveries/",
        webhook_apis.WebhookDeliveriesApi.as_view(),
        name="api-webhook-deliveries",
    ),
    path("api/v1/jobs/<str:job_id>/", job_apis.JobDetailApi.as_view(), name="api-job-detail"),
    path("api/v1/jobs/<str:job_id>/results/", job_apis.JobResultsApi.as_view(), name="api-job-results"),
    # OpenAPI 3 schema and its documentation (Swagger UI from local static files: drf-spectacular-sidecar).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs.swagger_view(url_name="screening:api-schema"), name="api-docs"),
    re_path(r"^api/", apis.ApiNotFoundView.as_view(), name="api-not-found"),  # keep last
]
