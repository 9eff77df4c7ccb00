"""The signed-in user's own account: the account page (password, two-factor authentication) and changing the
password (Django's PasswordChangeView, in the site's style).

Every change is sent as an account event (screening/account_events.py) for the audit trail.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy

from ..account_events import AccountAction, account_event_send
from ..models import Role
from . import two_factor

PASSWORD_HINT = gettext_lazy("At least 12 characters. A few unrelated words make a good password.")


def form_errors(form, names) -> list[dict]:
    """The error summary's links: the form's own errors first (at the first field), then each field's."""
    errors = [{"href": f"#id_{names[0]}", "message": message} for message in form.non_field_errors()]
    for name in names:
        errors += [{"href": f"#id_{name}", "message": message} for message in form.errors.get(name, [])]
    return errors


@login_required
def account(request):
    user = request.user
    return render(
        request,
        "account/account.html",
        {
            "two_factor_on": two_factor.app_device(user) is not None,
            "two_factor_required": two_factor.two_factor_required(user),
            "org_admin": getattr(getattr(user, "membership", None), "role", None) == Role.ORG_ADMIN,
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "account/password_change.html"
    success_url = reverse_lazy("web:password-change-done")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["page_errors"] = form_errors(form, ["old_password", "new_password1", "new_password2"])
        context["password_hint"] = PASSWORD_HINT
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        account_event_send(action=AccountAction.PASSWORD_CHANGED, user=user, actor=user, request=self.request)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "account/password_change_done.html"
