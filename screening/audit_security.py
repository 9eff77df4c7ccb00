"""Security events in the audit trail (review D4): sign-in, failed sign-in, sign-out, lockout, partner tokens
created and revoked, token scopes, members' roles, account privileges and country-profile changes.

Written from signals, so every path (web, admin, management commands, the shell) is covered. An event goes to the
chain of the organisation it concerns (the token's, the member's, the signed-in user's); with none, to the platform
chain. Never a password, a token or an answer value: a failed sign-in records the username as typed (printable
characters, truncated), nothing else of what was sent.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from . import audit_chain
from .audit_context import current_actor
from .auth import client_ip
from .models import AuditAction, CountryProfile, Membership, PartnerClient

USERNAME_KEEP = 150  # Django's username length: anything longer was not a username


def _record(organisation, action: str, detail: dict, **actor) -> None:
    actor = actor or current_actor()
    audit_chain.append(
        organisation=organisation,
        event=audit_chain.NewEvent(action=action, detail=detail, **actor),
    )


def _organisation_of(user):
    membership = getattr(user, "membership", None) if user is not None else None
    return membership.organisation if membership is not None else None


def _printable(text, limit: int = USERNAME_KEEP) -> str:
    return "".join(ch for ch in str(text) if ch.isprintable())[:limit]


def _request_actor(request, user=None, label=None) -> dict:
    return {
        "actor_user": user,
        "actor_label": label or (f"user:{user.get_username()}" if user is not None else "anonymous"),
        "ip_address": client_ip(request) if request is not None else None,
    }


# ---- sign-in, sign-out, lockout ------------------------------------------------------------------------------


def signed_in(sender, request, user, **kwargs):
    _record(_organisation_of(user), AuditAction.SIGNED_IN, {}, **_request_actor(request, user))


def signed_out(sender, request, user, **kwargs):
    if user is not None:  # signing out without a session is no event
        _record(_organisation_of(user), AuditAction.SIGNED_OUT, {}, **_request_actor(request, user))


def _known_user(username: str):
    if not username:
        return None
    return get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()


def sign_in_failed(sender, credentials, request=None, **kwargs):
    """Django passes the credentials with the password already masked; only the username is kept."""
    typed = _printable(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    user = _known_user(typed)
    _record(
        _organisation_of(user),
        AuditAction.SIGN_IN_FAILED,
        {"username": typed, "known_user": user is not None},
        **_request_actor(request, label="anonymous"),
    )


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes: too many failures for this username or address."""
    typed = _printable(username or "")
    actor = _request_actor(request, label="anonymous")
    if ip_address and actor["ip_address"] is None:
        actor["ip_address"] = ip_address
    _record(_organisation_of(_known_user(typed)), AuditAction.LOCKED_OUT, {"username": typed}, **actor)


# ---- changes to tokens, roles, privileges and country profiles: old row read before save ---------------------

TRACKED = {
    PartnerClient: ("scope", "revoked_at", "name"),
    Membership: ("role", "organisation_id"),
    CountryProfile: ("name", "reviewed", "summary", "values"),
}
USER_FLAGS = ("is_active", "is_staff", "is_superuser")


def _remember_old(sender, instance, update_fields=None, **kwargs):
    fields = TRACKED.get(sender, USER_FLAGS)
    if update_fields is not None and not set(update_fields) & ({f.removesuffix("_id") for f in fields} | set(fields)):
        instance._audit_old = None  # e.g. last_login or last_used_at: nothing audited changes
        return
    old = sender._default_manager.filter(pk=instance.pk).values(*fields).first() if instance.pk else None
    instance._audit_old = old


def _same(a, b) -> bool:
    """Equal as stored: a date from the database and "2026-01-15" from a YAML file are the same value."""
    return a == b or json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _changed(instance, fields) -> dict:
    old = getattr(instance, "_audit_old", None)
    if not old:
        return {}
    return {f: (old.get(f), getattr(instance, f)) for f in fields if not _same(old.get(f), getattr(instance, f))}


def partner_client_saved(sender, instance, created, **kwargs):
    client = {"client": str(instance.pk), "name": instance.name}
    if created:
        _record(instance.organisation, AuditAction.TOKEN_CREATED, {**client, "scope": instance.scope})
        return
    changes = _changed(instance, TRACKED[PartnerClient])
    if "scope" in changes:
        before, after = changes["scope"]
        _record(instance.organisation, AuditAction.SCOPE_CHANGED, {**client, "from": before, "to": after})
    if "revoked_at" in changes and instance.revoked_at is not None:
        _record(instance.organisation, AuditAction.TOKEN_REVOKED, client)


def membership_saved(sender, instance, created, **kwargs):
    member = {"user": instance.user.get_username()}
    if created:
        _record(instance.organisation, AuditAction.ROLE_CHANGED, {**member, "from": None, "to": instance.role})
        return
    changes = _changed(instance, TRACKED[Membership])
    if changes:
        old = instance._audit_old
        detail = {**member, "from": old["role"], "to": instance.role}
        if "organisation_id" in changes:
            detail["from_organisation"] = old["organisation_id"]
        _record(instance.organisation, AuditAction.ROLE_CHANGED, detail)


def membership_deleted(sender, instance, **kwargs):
    detail = {"user": instance.user.get_username(), "from": instance.role, "to": None}
    _record(instance.organisation, AuditAction.ROLE_CHANGED, detail)


def user_saved(sender, instance, created, **kwargs):
    changes = {f: after for f, (_before, after) in _changed(instance, USER_FLAGS).items()}
    if created:
        changes = {f: getattr(instance, f) for f in ("is_staff", "is_superuser") if getattr(instance, f)}
    if changes:
        detail = {"user": instance.get_username(), **changes}
        _record(_organisation_of(instance), AuditAction.PRIVILEGES_CHANGED, detail)


def user_groups_changed(sender, instance, action, pk_set, model, reverse, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear") or reverse:
        return
    if action == "pre_clear":
        names = list(instance.groups.values_list("name", flat=True))
    else:
        names = list(model._default_manager.filter(pk__in=pk_set or ()).values_list("name", flat=True))
    if names:
        key = "groups_added" if action == "post_add" else "groups_removed"
        _record(
            _organisation_of(instance), AuditAction.PRIVILEGES_CHANGED, {"user": instance.get_username(), key: names}
        )


def country_profile_saved(sender, instance, created, **kwargs):
    """Shared data: the event goes to the acting user's organisation (or the platform), with what changed:
    fields, and for `values` the question ids (COI defaults are public information, but ids say enough)."""
    if created:
        detail = {"code": instance.code, "created": True}
    else:
        changes = _changed(instance, TRACKED[CountryProfile])
        if not changes:
            return  # loadprofiles saves every profile; only a real change is an event
        detail = {"code": instance.code, "fields": sorted(changes)}
        if "values" in changes:
            before, after = (v or {} for v in changes["values"])
            detail["questions"] = sorted(q for q in set(before) | set(after) if not _same(before.get(q), after.get(q)))
    actor = current_actor()
    _record(_organisation_of(actor["actor_user"]), AuditAction.PROFILE_CHANGED, detail, **actor)


def account_changed(sender, action, user, actor=None, request=None, **kwargs):
    """screening/account_events.py: password changed or reset, second factor enrolled. `actor` is who did it (the
    user, or their organisation admin); the event goes to the account's organisation."""
    who = actor if actor is not None else user
    detail = {"user": user.get_username()} if who is not user else {}
    _record(_organisation_of(user), action, detail, **_request_actor(request, who))


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="audit_signed_in")
    user_logged_out.connect(signed_out, dispatch_uid="audit_signed_out")
    user_login_failed.connect(sign_in_failed, dispatch_uid="audit_sign_in_failed")
    user_model = get_user_model()
    for model in (*TRACKED, user_model):
        pre_save.connect(_remember_old, sender=model, dispatch_uid=f"audit_old_{model._meta.label}")
    post_save.connect(partner_client_saved, sender=PartnerClient, dispatch_uid="audit_partner_client")
    post_save.connect(membership_saved, sender=Membership, dispatch_uid="audit_membership")
    post_delete.connect(membership_deleted, sender=Membership, dispatch_uid="audit_membership_deleted")
    post_save.connect(user_saved, sender=user_model, dispatch_uid="audit_user")
    m2m_changed.connect(user_groups_changed, sender=user_model.groups.through, dispatch_uid="audit_user_groups")
    post_save.connect(country_profile_saved, sender=CountryProfile, dispatch_uid="audit_country_profile")
    try:  # the account events of the sign-in work (password change and reset, two-factor), once it has landed
        from .account_events import account_event
    except ImportError:
        pass
    else:
        account_event.connect(account_changed, dispatch_uid="audit_account_event")
    if "axes" in settings.INSTALLED_APPS:  # django-axes (sign-in lockout), when installed
        from axes.signals import user_locked_out

        user_locked_out.connect(locked_out, dispatch_uid="audit_locked_out")
