"""URLs of ruleset versions in the web UI (namespace "versions")."""

from django.urls import path

from . import versions

app_name = "versions"

urlpatterns = [
    path("cases/<uuid:screening_id>/rescreen/", versions.rescreen, name="rescreen"),
    path("rulesets/impact/", versions.impact, name="impact"),
    path("rulesets/<str:version>/changes/", versions.changes, name="changes"),
]
