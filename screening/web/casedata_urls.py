"""URLs of subject access export and deletion on request (namespace "casedata")."""

from django.urls import path

from . import casedata

app_name = "casedata"

urlpatterns = [
    path("cases/<uuid:screening_id>/delete/", casedata.delete, name="delete"),
    path("cases/<uuid:screening_id>/export.json", casedata.export_json, name="export-json"),
    path("cases/<uuid:screening_id>/export.pdf", casedata.export_pdf, name="export-pdf"),
]
