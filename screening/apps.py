from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "screening"
    verbose_name = "Screening"

    def ready(self):
        from . import audit_security, checks  # noqa: F401  (checks registers the system checks)

        audit_security.connect()  # sign-ins, tokens, roles, profile changes into the audit trail
