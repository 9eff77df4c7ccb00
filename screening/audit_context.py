"""Who is acting, for audit events written where no request is passed (model signals of the admin's and the
commands' changes): the current request, set by a middleware, or a label a management command sets."""

from __future__ import annotations

import contextlib
import sys
from contextvars import ContextVar

from .auth import PartnerPrincipal, client_ip

_request: ContextVar = ContextVar("audit_request", default=None)
_label: ContextVar = ContextVar("audit_label", default=None)


class AuditContextMiddleware:
    """Makes the request available to audit signal handlers for as long as it is handled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextlib.contextmanager
def acting_as(label: str):
    """Changes made inside are audited as `label` (e.g. "command:loadprofiles") when no request is current."""
    token = _label.set(label)
    try:
        yield
    finally:
        _label.reset(token)


def current_actor() -> dict:
    """actor_user, actor_label and ip_address of the current request's user, or of the command, or "system"."""
    request = _request.get()
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not isinstance(user, PartnerPrincipal):
            return {"actor_user": user, "actor_label": f"user:{user.get_username()}", "ip_address": client_ip(request)}
        return {"actor_user": None, "actor_label": "anonymous", "ip_address": client_ip(request)}
    return {"actor_user": None, "actor_label": _label.get() or _command_label(), "ip_address": None}


def _command_label() -> str:
    """ "command:<name>" under `manage.py <name>` (createpartner, loadprofiles, createsuperuser...), else "system"."""
    if len(sys.argv) > 1 and sys.argv[0].endswith("manage.py"):
        return f"command:{sys.argv[1][:40]}"
    return "system"
