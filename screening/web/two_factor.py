"""Two-factor authentication (django-otp): a code from an authenticator app (TOTP), or a one-time backup code.

Who must use it: supervisors, organisation admins, anyone with access to the Django admin (staff, superusers),
and every member of an organisation that requires it (Organisation.require_two_factor). Anyone else may set it up
(a caseworker, from "Your account"); once set up, it is asked for at every sign-in.

After the password, TwoFactorMiddleware lets a session that is not verified yet reach only the set-up and code
pages, sign-out and the language switch: a user with an authenticator app is asked for a code, one who must use
two-factor authentication and has none is sent to set it up (scan the QR code or type the secret, then confirm a
code). Setting up makes ten backup codes, shown once. Wrong codes are slowed down by django-otp's throttling
(each failure doubles the wait).
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..account_events import AccountAction, account_event_send
from ..errors import ApiErrorCode, error_body
from ..models import Role

BACKUP_CODES = 10
WRONG_CODE = gettext_lazy("The code is not right, or too many codes were wrong: wait a minute and try again.")
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
# The pages an unverified session may open (everything else redirects to the code or set-up page).
OPEN_PAGES = frozenset({"web:two-factor-setup", "web:two-factor-verify", "web:logout", "web:login", "set_language"})


def two_factor_required(user) -> bool:
    """Must this user sign in with a second factor?"""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True  # the Django admin needs a verified session
    membership = getattr(user, "membership", None)
    if membership is None:
        return False
    return membership.role in (Role.SUPERVISOR, Role.ORG_ADMIN) or membership.organisation.require_two_factor


def app_device(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("id").first()


def backup_codes_create(user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODES new ones (shown once; each works once)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _with_next(name: str, next_path: str) -> str:
    return reverse(name) + "?" + urlencode({"next": next_path})


class TwoFactorMiddleware:
    """A signed-in session that is not verified by a second factor, of a user who has a device or must have one,
    reaches only OPEN_PAGES. Place after the OTP and session-timeout middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_PAGES:
            return None
        if request.path.startswith("/api/") and request.headers.get("Authorization"):
            return None  # a partner token: the session's user does not act (screening/auth.py)
        has_device = user_has_device(user)
        if not has_device and not two_factor_required(user):
            return None
        if request.path.startswith("/api/"):
            message = "Two-factor authentication is needed: finish signing in on the web first."
            return JsonResponse(error_body(code=ApiErrorCode.PERMISSION_DENIED, message=message), status=403)
        target = "web:two-factor-verify" if has_device else "web:two-factor-setup"
        return redirect(_with_next(target, request.get_full_path()))


# ---- pages -------------------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        error_messages={"required": gettext_lazy("Enter the code")},
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _code_errors(form) -> list[dict]:
    return [{"href": "#id_code", "message": message} for message in form.errors.get("code", [])]


def _qr_svg(url: str) -> str:
    """The otpauth URL as an inline SVG QR code (segno: pure Python, no images on disk)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=5, border=2, title=_("QR code to scan")))


def _secret_groups(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up an authenticator app: scan the QR code (or type the secret), then confirm one code."""
    user = request.user
    next_url = _next_url(request, reverse("web:case-list"))
    if app_device(user) is not None:
        return redirect(_with_next("web:two-factor-verify", next_url) if not user.is_verified() else next_url)
    with transaction.atomic():
        device = app_device(user, confirmed=False) or TOTPDevice.objects.create(
            user=user, name=APP_DEVICE_NAME, confirmed=False
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            codes = backup_codes_create(user)
            account_event_send(action=AccountAction.TWO_FACTOR_ENROLLED, user=user, actor=user, request=request)
            return render(request, "account/backup_codes.html", {"codes": codes, "next_url": next_url})
        form.add_error("code", str(WRONG_CODE))
    return render(
        request,
        "account/two_factor_setup.html",
        {
            "form": form,
            "page_errors": _code_errors(form),
            "qr_svg": _qr_svg(device.config_url),
            "secret": _secret_groups(device),
            "required": two_factor_required(user),
            "next_url": next_url,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """Enter a code from the authenticator app, or a backup code."""
    user = request.user
    next_url = _next_url(request, reverse("web:case-list"))
    if user.is_verified():
        return redirect(next_url)
    if not user_has_device(user):
        return redirect(_with_next("web:two-factor-setup", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _device_accepting(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("code", str(WRONG_CODE))
    return render(
        request,
        "account/two_factor_verify.html",
        {"form": form, "page_errors": _code_errors(form), "next_url": next_url},
    )


def _device_accepting(user, code: str):
    """The user's confirmed device that accepts the code (each device throttles its own failures), or None."""
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(code):  # refused without checking while the device is throttled
                return device
    return None


@never_cache
@login_required
@require_http_methods(["POST"])
def backup_codes(request):
    """New backup codes for a verified user (the old ones stop working)."""
    user = request.user
    if not user.is_verified():
        return redirect(_with_next("web:two-factor-verify", reverse("web:account")))
    codes = backup_codes_create(user)
    account_event_send(action=AccountAction.BACKUP_CODES_CREATED, user=user, actor=user, request=request)
    return render(request, "account/backup_codes.html", {"codes": codes, "next_url": reverse("web:account")})
