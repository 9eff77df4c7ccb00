"""Claimant mode: a signed-in caseworker's browser session handed to the claimant for one screening.

While the session is in claimant mode (a lock in the session naming the screening), the server allows only that
screening's interview pages (start, task list, questions, Check your answers with answers only), the hand-over,
end and leave pages, and the language switch. Everything else, the case list, results, memos, other screenings,
the API with this session, the admin and sign-out, is refused with 403 by ClaimantModeMiddleware, so no link or
typed URL reaches it. After SCREENING["CLAIMANT_IDLE_SECONDS"] without a request the next page is the hand-over
page (answers saved by Continue stay saved). Leaving claimant mode needs the caseworker's password again;
CLAIMANT_LEAVE_ATTEMPTS wrong passwords sign the session out entirely.
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..errors import ApiErrorCode, error_body

SESSION_KEY = "claimant_mode"
# The pages a claimant-mode session may open (for the locked screening only), and the language switch.
INTERVIEW_PAGES = frozenset({"web:case-start", "web:tasks", "web:section", "web:question", "web:check"})
CLAIMANT_PAGES = frozenset(
    {"web:claimant-handover", "web:claimant-end", "web:claimant-leave", "web:interview-language"}
)
ALWAYS_ALLOWED = frozenset({"set_language"})
UNTIMED_PAGES = frozenset({"web:claimant-handover", "web:claimant-leave", "web:interview-language"})


def _setting(name: str, default: int) -> int:
    return int(settings.SCREENING.get(name, default))


def idle_seconds() -> int:
    return _setting("CLAIMANT_IDLE_SECONDS", 900)


def lock_of(request) -> dict | None:
    """The claimant-mode lock of this session ({"screening", "seen", "language", "failures"}), or None."""
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def locked_screening_id(request) -> str | None:
    lock = lock_of(request)
    return lock["screening"] if lock else None


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def claimant_mode_start(request, screening) -> HttpResponseRedirect:
    """Lock this session to the screening and show the hand-over page in the interview language. The
    caseworker's own language is kept in the lock and restored when they leave claimant mode."""
    # the caseworker's own language: their cookie (the page's language may already be the screening's)
    current = translation.get_language_from_request(request).split("-")[0]
    request.session[SESSION_KEY] = {
        "screening": str(screening.id),
        "seen": time.time(),
        "language": current,
        "failures": 0,
    }
    translation.activate(screening.language)
    response = redirect("web:claimant-handover", screening_id=screening.id)
    set_language_cookie(response, screening.language)
    return response


# ---- enforcement -------------------------------------------------------------------------------------------


def _refused(request):
    if request.path.startswith("/api/"):
        message = "Not available while this session is in claimant mode."
        return JsonResponse(error_body(code=ApiErrorCode.PERMISSION_DENIED, message=message), status=403)
    lock = lock_of(request)
    return render(
        request,
        "web/claimant_refused.html",
        {"interview_url": reverse("web:tasks", args=[lock["screening"]])},
        status=403,
    )


class ClaimantModeMiddleware:
    """Refuses every page but the locked screening's interview in a claimant-mode session, and sends an idle
    session back to the hand-over page. Must come after the session and authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        lock = lock_of(request)
        if not lock:
            return None
        if not request.user.is_authenticated:  # signed out elsewhere: the lock is meaningless
            request.session.pop(SESSION_KEY, None)
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        own = str(view_kwargs.get("screening_id", "")) == lock["screening"]
        if name not in ALWAYS_ALLOWED and not (own and name in INTERVIEW_PAGES | CLAIMANT_PAGES):
            return _refused(request)
        now = time.time()
        idle = now - lock.get("seen", 0) > idle_seconds()
        lock["seen"] = now
        request.session.modified = True
        if idle and name not in UNTIMED_PAGES and name not in ALWAYS_ALLOWED:
            return redirect("web:claimant-handover", screening_id=lock["screening"])
        return None


def claimant_mode(request) -> dict:
    """Template context: `claimant_mode` is True on every page of a claimant-mode session (no navigation)."""
    return {"claimant_mode_locked": bool(lock_of(request))}


# ---- pages -------------------------------------------------------------------------------------------------


class LeaveForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Caseworker's password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": gettext_lazy("Enter the caseworker's password")},
    )


def handover(request, actor, screening):
    """The page the device is handed over on, and where an idle claimant session comes back to."""
    if locked_screening_id(request) != str(screening.id):
        return redirect("web:case-start", screening_id=screening.id)
    return render(
        request,
        "web/claimant_handover.html",
        {
            "screening": screening,
            "start_url": reverse("web:case-start", args=[screening.id]),
            "leave_url": reverse("web:claimant-leave", args=[screening.id]),
        },
    )


def end(request, actor, screening):
    """The claimant has finished: thanks, and please hand the device back."""
    if locked_screening_id(request) != str(screening.id):
        return redirect("web:check", screening_id=screening.id)
    return render(
        request,
        "web/claimant_end.html",
        {
            "screening": screening,
            "check_url": reverse("web:check", args=[screening.id]),
            "leave_url": reverse("web:claimant-leave", args=[screening.id]),
        },
    )


def leave(request, actor, screening):
    """The caseworker takes the device back: their password again. Too many wrong ones sign the session out."""
    lock = lock_of(request)
    if lock is None or lock["screening"] != str(screening.id):
        return redirect("web:tasks", screening_id=screening.id)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.user.check_password(form.cleaned_data["password"]):
            request.session.pop(SESSION_KEY, None)
            language = lock.get("language") or settings.LANGUAGE_CODE
            translation.activate(language)
            response = redirect("web:tasks", screening_id=screening.id)
            set_language_cookie(response, language)
            return response
        lock["failures"] = lock.get("failures", 0) + 1
        request.session.modified = True
        if lock["failures"] >= _setting("CLAIMANT_LEAVE_ATTEMPTS", 5):
            logout(request)  # flushes the session: the case data needs a full sign-in now
            return redirect("web:login")
        form.add_error("password", _("The password is not right. Hand the device to the caseworker."))
    errors = [{"href": "#id_password", "message": message} for message in form.errors.get("password", [])]
    return render(
        request,
        "web/claimant_leave.html",
        {"screening": screening, "form": form, "page_errors": errors, "back_url": request.path},
    )
