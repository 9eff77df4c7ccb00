"""The Django admin: organisation-scoped and, for screenings and the audit trail, read-only.

Who sees what:
* superusers: everything (screenings and audit events are still read-only: they change only through the services,
  which audit every change);
* staff users whose Membership role is supervisor or org_admin (`manage.py createuser --role ...` gives them
  is_staff): their own organisation's screenings, audit events, partner clients and memberships, read-only;
  an org_admin may also revoke partner tokens, change a token's scope and change members' roles;
* any other user (a caseworker, a staff user without a membership): none of the organisation-scoped models,
  whatever Django permissions they hold.

Country profiles are shared by every organisation: any staff user may read them, but only superusers and members
of the "Country information editors" group may change them (review D3); their History page shows a non-superuser
only the changes made by users of their own organisation. Opening a screening in the admin shows its answers and
is audited ("viewed").
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.http import HttpResponseBadRequest
from django.utils.html import format_html

from rules.profiles import check_profiles, normalise_values

from .auth import Actor, client_ip
from .models import (
    AuditEvent,
    CountryProfile,
    Membership,
    Organisation,
    PartnerClient,
    Role,
    Screening,
    WebhookDelivery,
)
from .selectors import active_ruleset
from .services import ADMIN_SITE_ROLES, partner_client_revoke, screening_viewed, screenings_listed, user_staff_sync

admin.site.site_header = "Refuge Screen administration"
admin.site.site_title = "Refuge Screen admin"


def admin_membership(request) -> Membership | None:
    """The Membership that scopes a non-superuser's admin to one organisation (supervisor or org_admin), or None."""
    if not hasattr(request, "_screening_admin_membership"):
        user = request.user
        membership = None
        if user.is_active and user.is_staff and not user.is_superuser:
            membership = getattr(user, "membership", None)
            if membership is not None and membership.role not in ADMIN_SITE_ROLES:
                membership = None
        request._screening_admin_membership = membership
    return request._screening_admin_membership


def _pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2))


class OrganisationScopedAdmin(admin.ModelAdmin):
    """Superusers see every row; supervisors and org_admins see their organisation's rows, read-only."""

    organisation_lookup = "organisation"  # from this model to its Organisation
    org_admin_may_change = False  # may an org_admin change (some fields of) its organisation's rows?

    @staticmethod
    def organisation_id_of(obj) -> int:
        return obj.organisation_id

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        membership = admin_membership(request)
        if membership is None:
            return qs.none()
        return qs.filter(**{self.organisation_lookup: membership.organisation_id})

    def in_scope(self, request, obj) -> bool:
        if request.user.is_superuser:
            return True
        membership = admin_membership(request)
        return membership is not None and (obj is None or self.organisation_id_of(obj) == membership.organisation_id)

    def has_module_permission(self, request):
        return request.user.is_superuser or admin_membership(request) is not None

    def has_view_permission(self, request, obj=None):
        return self.in_scope(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        membership = admin_membership(request)
        return (
            self.org_admin_may_change
            and membership is not None
            and membership.role == Role.ORG_ADMIN
            and self.in_scope(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


COUNTRY_EDITORS_GROUP = "Country information editors"  # created by migration 0007


def is_country_editor(user) -> bool:
    """May change the shared country profiles: a superuser, or a member of the country information editors."""
    return user.is_active and (user.is_superuser or user.groups.filter(name=COUNTRY_EDITORS_GROUP).exists())


_DATE_PARTS = {"year": (1, 9999), "month": (1, 12), "day": (1, 31)}


def date_hierarchy_params_valid(request, field: str | None) -> bool:
    """Whether the date-hierarchy parameters (`<field>__year` ...) are in range: out-of-range values make Django's
    admin raise OverflowError, a 500 (review D16)."""
    if not field:
        return True
    for part, (low, high) in _DATE_PARTS.items():
        value = request.GET.get(f"{field}__{part}")
        if value is None:
            continue
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            return False
    return True


class ReadOnlyScopedAdmin(OrganisationScopedAdmin):
    """Rows that change only through the services (which audit): nobody adds, changes or deletes them here."""

    def changelist_view(self, request, extra_context=None):
        if not date_hierarchy_params_valid(request, self.date_hierarchy):
            return HttpResponseBadRequest("Invalid date.")
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---- organisations and memberships ---------------------------------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    """An org_admin may require two-factor authentication of every member; only superusers rename."""

    organisation_lookup = "pk"
    org_admin_may_change = True
    list_display = ["name", "id", "require_two_factor", "created_at"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["created_at"] if request.user.is_superuser else ["name", "created_at"]

    @staticmethod
    def organisation_id_of(obj) -> int:
        return obj.pk


@admin.register(Membership)
class MembershipAdmin(OrganisationScopedAdmin):
    """Superusers add, change and delete memberships; an org_admin changes its members' roles."""

    org_admin_may_change = True
    list_display = ["user", "organisation", "role", "user_is_staff"]
    list_filter = ["role", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user"]

    @admin.display(boolean=True, description="Admin access")
    def user_is_staff(self, obj):
        return obj.user.is_staff

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ["user"] if obj is not None else []
        return ["user", "organisation"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        user_staff_sync(user=obj.user)  # supervisors and org_admins may sign in here; caseworkers may not

    def delete_model(self, request, obj):
        user_id = obj.user_id
        super().delete_model(request, obj)
        self._sync_users([user_id])

    def delete_queryset(self, request, queryset):
        user_ids = list(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        self._sync_users(user_ids)

    @staticmethod
    def _sync_users(user_ids):
        for user in get_user_model()._default_manager.filter(pk__in=user_ids):
            user_staff_sync(user=user)


# ---- partner clients -------------------------------------------------------------------------------------------


@admin.register(PartnerClient)
class PartnerClientAdmin(OrganisationScopedAdmin):
    """Tokens are created with `manage.py createpartner` (shown once, never stored): no "add" here, and no
    delete either (revoke instead, so screenings and audit events keep their client)."""

    org_admin_may_change = True
    list_display = [
        "name",
        "organisation",
        "scope",
        "token_prefix",
        "is_active",
        "expires_at",
        "created_at",
        "last_used_at",
    ]
    list_filter = [
        "scope",
        ("revoked_at", admin.EmptyFieldListFilter),
        ("organisation", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "token_prefix"]
    list_select_related = ["organisation"]
    fields = [
        "id",
        "organisation",
        "name",
        "scope",
        "token_prefix",
        "token_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
    ]
    readonly_fields = [f for f in fields if f != "scope"]
    actions = ["revoke_tokens"]

    @admin.display(boolean=True, description="Active")
    def is_active(self, obj):
        return obj.is_active

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        revoked = 0
        for client in queryset.select_related("organisation"):  # the queryset is already organisation-scoped
            if client.revoked_at is None:
                partner_client_revoke(client=client)
                self.log_change(request, client, "Revoked the token.")
                revoked += 1
        already = queryset.count() - revoked
        message = f"Revoked {revoked} token{'' if revoked == 1 else 's'}."
        if already:
            message += f" {already} {'was' if already == 1 else 'were'} already revoked."
        self.message_user(request, message, messages.SUCCESS)


# ---- screenings and the audit trail (read-only) ---------------------------------------------------------------


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyScopedAdmin):
    list_display = ["id", "organisation", "reference", "status", "country_of_origin", "created_at"]
    list_filter = ["status", "country_of_origin", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reference"]
    list_select_related = ["organisation"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["id", "organisation", "reference", "status", "language", "respondent", "version"]}),
        (
            "Answers (special-category data: opening this page is recorded in the audit trail)",
            {"fields": ["country_of_origin", "apply_country_profile", "answers_display", "set_aside_display"]},
        ),
        ("Assessment", {"fields": ["ruleset_version", "ruleset_sha256", "outcomes_display", "profile_used_display"]}),
        (
            "History",
            {
                "fields": [
                    "created_at",
                    "created_by_user",
                    "created_by_client",
                    "updated_at",
                    "updated_by_user",
                    "updated_by_client",
                ]
            },
        ),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    @admin.display(description="Answers")
    def answers_display(self, obj):
        return _pretty_json(obj.answers)

    @admin.display(description="Answers set aside (their questions no longer apply)")
    def set_aside_display(self, obj):
        return _pretty_json(obj.set_aside_answers)

    @admin.display(description="Outcomes")
    def outcomes_display(self, obj):
        return _pretty_json((obj.assessment or {}).get("outcomes", []))

    @admin.display(description="Country profile defaults used")
    def profile_used_display(self, obj):
        return _pretty_json(obj.country_profile_used)

    def changelist_view(self, request, extra_context=None):
        """Audited as `listed`, one event per organisation whose screenings the page showed (a superuser's page
        may show several), with the ids shown (review D15)."""
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            membership = getattr(request.user, "membership", None)
            by_organisation = {}
            for screening in changelist.result_list:
                by_organisation.setdefault(screening.organisation_id, (screening.organisation, []))[1].append(screening)
            for organisation, shown in by_organisation.values():
                actor = Actor(
                    organisation=organisation,
                    user=request.user,
                    ip_address=client_ip(request),
                    role=membership.role if membership is not None else None,
                )
                screenings_listed(actor=actor, screenings=shown, detail={"view": "admin_list"})
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            membership = getattr(request.user, "membership", None)
            actor = Actor(
                organisation=obj.organisation,
                user=request.user,
                ip_address=client_ip(request),
                role=membership.role if membership is not None else None,
            )
            screening_viewed(actor=actor, screening=obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "actor_label", "action", "screening_id", "organisation", "ip_address"]
    list_filter = ["action", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["screening_id"]
    list_select_related = ["organisation"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = [
        "at",
        "organisation",
        "screening_id",
        "action",
        "actor_label",
        "actor_user",
        "actor_client",
        "ip_address",
        "detail",
        "chain_seq",
        "prev_hash",
        "hash",
    ]
    readonly_fields = fields


# ---- country profiles --------------------------------------------------------------------------------------------


class PrettyJSONField(forms.JSONField):
    """A JSON textarea that shows the value indented, one entry a line."""

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


class CountryProfileForm(forms.ModelForm):
    values = PrettyJSONField(
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "class": "vLargeTextField", "spellcheck": "false"}),
        help_text='JSON: {"question_id": {"value": ..., "sources": [{"title": "...", "publisher": "...", '
        '"date": "YYYY-MM-DD", "url": "https://..."}], "note": "...", "contested": false}}. '
        "Only the caseworker's COI questions; option ids as in the questionnaire. Sources are publications a "
        "caseworker can cite and find. source, date, profile and reviewed are recomputed on saving.",
    )

    class Meta:
        model = CountryProfile
        fields = ["code", "name", "reviewed", "summary", "values"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        profile = {
            "code": data.get("code") or self.instance.code,
            "name": data["name"],
            "reviewed": data["reviewed"].isoformat(),
            "values": data["values"],
        }
        if data.get("summary"):
            profile["summary"] = data["summary"]
        problems = check_profiles(active_ruleset().questionnaire, {"profiles": [profile]})
        if problems:
            raise ValidationError({"values": problems})
        data["values"] = normalise_values(data["values"], code=profile["code"], reviewed=profile["reviewed"])
        return data


@admin.register(CountryProfile)
class CountryProfileAdmin(admin.ModelAdmin):
    """Shared by every organisation: staff read, country information editors (and superusers) change. The History
    link lists the changes (LogEntry), for a non-superuser only those by users of their own organisation."""

    form = CountryProfileForm
    list_display = ["code", "name", "reviewed", "updated_at"]
    list_filter = ["reviewed"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "updated_at"] if obj is not None else ["updated_at"]

    def _is_staff(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self._is_staff(request)

    def has_view_permission(self, request, obj=None):
        return self._is_staff(request)

    def has_add_permission(self, request):
        return self._is_staff(request) and is_country_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return self._is_staff(request) and is_country_editor(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if queryset.model is LogEntry and not request.user.is_superuser:  # the History page
            membership = getattr(request.user, "membership", None)
            queryset = (
                queryset.filter(user__membership__organisation_id=membership.organisation_id)
                if membership is not None
                else queryset.none()
            )
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)


# ---- webhooks: what an organisation admin sees of the deliveries ------------------------------------------------


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyScopedAdmin):
    """Every delivery of the organisation's webhooks with its attempts (the API has the same per webhook)."""

    organisation_lookup = "webhook__organisation"
    list_display = ["created_at", "event", "webhook", "status", "attempts", "last_status_code", "last_error"]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]

    @staticmethod
    def organisation_id_of(obj) -> int:
        return obj.webhook.organisation_id
