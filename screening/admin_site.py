"""The Django admin site: django-otp's OTPAdminSite, so only a session verified by a second factor is let in.

The admin's own sign-in form stays the ordinary one (username and password, locked out by django-axes like the
web sign-in); TwoFactorMiddleware then sends the user to enter their code (or to set up an authenticator app)
before any admin page opens. OTPAdminSite's check is the second line of defence.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.admin import OTPAdminSite


class TwoFactorAdminSite(OTPAdminSite):
    login_form = AdminAuthenticationForm
    login_template = None  # Django's own admin sign-in page

    def __init__(self, name="admin"):
        super().__init__(name)
