from django.contrib import admin
from django.urls import include, path

from screening import availability, metrics

urlpatterns = [
    # Probes for a load balancer or orchestrator (screening/availability.py): no authentication.
    path("healthz", availability.healthz, name="healthz"),
    path("readyz", availability.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),  # Prometheus, when METRICS_ENABLED (screening/metrics.py)
    path("admin/", admin.site.urls),
    path("", include("screening.urls")),
    path("", include(("screening.web.results_urls", "results"))),
    path("", include("screening.web.urls")),
    path("", include("screening.web.versions_urls")),
    path("", include("screening.web.casedata_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

# A database that cannot be reached gives 503 with Retry-After, not 500 (review D8); other errors stay Django's 500.
handler500 = "screening.availability.server_error"
