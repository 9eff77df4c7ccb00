from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "screening"
    verbose_name = "Screening"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .web import sessions  # noqa: F401  (stamps the sign-in time on every new session)
