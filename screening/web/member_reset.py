"""Password reset issued by an organisation admin, for a member of their own organisation only.

The admin presses "Reset password" for a member: the member's password stops working at once (and every session
of theirs ends: the session carries a hash of the password), a lockout of their username is lifted, and the admin
is shown a one-time link to pass on in person or by a channel they trust. The link (Django's password-reset
token) works once, for PASSWORD_RESET_TIMEOUT seconds, and leads to a page where the member sets a new password
(the password validators apply). Both steps are sent as account events for the audit trail. Nothing is e-mailed:
the application sends no e-mail.
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..account_events import AccountAction, account_event_send
from ..models import Membership, Role
from .account import PASSWORD_HINT, form_errors

ROLE_LABELS = {
    Role.CASEWORKER: gettext_lazy("Caseworker"),
    Role.SUPERVISOR: gettext_lazy("Supervisor"),
    Role.ORG_ADMIN: gettext_lazy("Organisation admin"),
}


def _admin_membership(request) -> Membership:
    """The signed-in user's membership if they are an organisation admin, else 404 (the page does not exist
    for anyone else)."""
    membership = getattr(request.user, "membership", None)
    if membership is None or membership.role != Role.ORG_ADMIN:
        raise Http404
    return membership


def _members(admin_membership: Membership):
    """The admin's own organisation's other members (never a superuser: they are not the organisation's)."""
    return (
        Membership.objects.filter(organisation_id=admin_membership.organisation_id, user__is_superuser=False)
        .exclude(user_id=admin_membership.user_id)
        .select_related("user")
        .order_by("user__username")
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def members(request):
    admin_membership = _admin_membership(request)
    rows = [{"membership": m, "role": ROLE_LABELS.get(m.role, m.role)} for m in _members(admin_membership)]
    return render(request, "account/members.html", {"rows": rows, "organisation": admin_membership.organisation})


@never_cache
@login_required
@require_POST
def member_reset(request, user_id: int):
    admin_membership = _admin_membership(request)
    membership = _members(admin_membership).filter(user_id=user_id).first()
    if membership is None:
        raise Http404  # another organisation's user, a superuser, oneself or nobody: all look the same
    member = membership.user
    with transaction.atomic():
        member.set_unusable_password()
        member.save(update_fields=["password"])
    axes_reset(username=member.get_username())
    token = default_token_generator.make_token(member)  # after the change: the token is bound to the new hash
    link = request.build_absolute_uri(
        reverse("web:password-reset-confirm", args=[urlsafe_base64_encode(force_bytes(member.pk)), token])
    )
    account_event_send(action=AccountAction.PASSWORD_RESET_ISSUED, user=member, actor=request.user, request=request)
    return render(
        request,
        "account/member_reset_link.html",
        {"member": member, "link": link, "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)},
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The member sets a new password from the link (Django checks the token and hides it from the URL)."""

    template_name = "account/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["page_errors"] = form_errors(form, ["new_password1", "new_password2"]) if form is not None else []
        context["password_hint"] = PASSWORD_HINT
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        account_event_send(
            action=AccountAction.PASSWORD_RESET_USED, user=form.user, actor=form.user, request=self.request
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "account/password_reset_complete.html"
