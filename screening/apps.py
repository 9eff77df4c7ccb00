from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ScreeningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "screening"
    verbose_name = "Screening"

    def ready(self):
        from . import audit_security, checks  # noqa: F401  (checks registers the system checks)
        from .web import sessions  # noqa: F401  (stamps the sign-in time on every new session)

        audit_security.connect()  # sign-ins, tokens, roles, profile changes into the audit trail


class TwoFactorAdminConfig(admin_apps.AdminConfig):
    """The Django admin, open only to a session verified by a second factor (screening/admin_site.py)."""

    default = False  # "screening" itself is ScreeningConfig
    default_site = "screening.admin_site.TwoFactorAdminSite"
