"""URLs of the result page, the memo and its PDF: namespace "results" (config/urls.py), e.g.
reverse("results:result", args=[id])."""

from django.urls import path

from . import results

urlpatterns = [
    path("cases/<uuid:screening_id>/result/", results.result, name="result"),
    path("cases/<uuid:screening_id>/memo/", results.memo, name="memo"),
    path("cases/<uuid:screening_id>/memo.pdf", results.memo_pdf, name="memo_pdf"),
]
