from django.urls import path

from . import apis, views

app_name = "screening"

urlpatterns = [
    path("", views.start, name="start"),
    path("api/v1/questionnaire/", apis.QuestionnaireApi.as_view(), name="api-questionnaire"),
]
