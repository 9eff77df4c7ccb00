"""Who may call which endpoint: the token's scope, by API area.

Every API view declares `api_area`: "catalogue" (questionnaire, outcomes, countries), "evaluate" (stateless
evaluation), "screenings" (stored screenings) or "account" (me/: who the caller is). A view without an area is
refused to everyone.

| scope         | catalogue | evaluate | screenings       | account |
| ------------- | --------- | -------- | ---------------- | ------- |
| full          | GET       | POST     | every method     | GET     |
| read_only     | GET       | -        | GET              | GET     |
| evaluate_only | GET       | POST     | -                | GET     |

Signed-in users with a membership act with the full scope, except that a caseworker may not DELETE a screening
(review D11: deletion is a supervisor's or organisation admin's action). The catalogues are public (anonymous GET
allowed); everything else needs a token or a signed-in member. Denials: no or bad credentials 401, scope 403.
"""

from __future__ import annotations

from rest_framework import permissions

from .auth import request_actor
from .models import Role, Scope

CATALOGUE, EVALUATE, SCREENINGS, ACCOUNT = "catalogue", "evaluate", "screenings", "account"
AREAS = (CATALOGUE, EVALUATE, SCREENINGS, ACCOUNT)

_READ = frozenset(permissions.SAFE_METHODS)  # GET, HEAD, OPTIONS
_ALLOWED: dict[str, dict[str, frozenset[str] | None]] = {
    # scope -> area -> allowed methods (None: every method)
    Scope.FULL: {CATALOGUE: _READ, EVALUATE: None, SCREENINGS: None, ACCOUNT: _READ},
    Scope.READ_ONLY: {CATALOGUE: _READ, SCREENINGS: _READ, ACCOUNT: _READ},
    Scope.EVALUATE_ONLY: {CATALOGUE: _READ, EVALUATE: None, ACCOUNT: _READ},
}


def scope_allows(scope: str, area: str, method: str) -> bool:
    allowed = _ALLOWED.get(scope, {})
    if area not in allowed:
        return False
    methods = allowed[area]
    return methods is None or method.upper() in methods


class ScopePermission(permissions.BasePermission):
    """The scope table above. The message of a denial names the scope, never anything else."""

    message = "This token's scope does not allow this request."

    def has_permission(self, request, view) -> bool:
        area = getattr(view, "api_area", None)
        if area not in AREAS:
            return False
        actor = request_actor(request)
        if actor is not None:
            request.actor = actor
        if area == CATALOGUE and request.method in _READ:
            return True  # the catalogues are public
        if actor is None:
            if getattr(request.user, "is_authenticated", False):
                self.message = "This account does not belong to an organisation."
            return False
        if actor.client is None and not role_allows(actor.role, area, request.method):
            self.message = "A caseworker cannot delete screenings: ask a supervisor or an organisation admin."
            return False
        return scope_allows(actor.scope, area, request.method)


def role_allows(role: str | None, area: str, method: str) -> bool:
    """What a signed-in member's role allows through the API, on top of the full scope."""
    return not (role == Role.CASEWORKER and area == SCREENINGS and method.upper() == "DELETE")
