from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("screening.urls")),
    path("", include(("screening.web.results_urls", "results"))),
    path("", include("screening.web.urls")),
    path("", include("screening.web.versions_urls")),
    path("", include("screening.web.casedata_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
