"""Subject access and deletion on request (GDPR Art. 15 and 17): supervisors' and organisation admins' actions.

* Export: everything stored about one screening (answers, set-aside answers, assessment, assessment history with
  the answers each was made from, audit events) as JSON or PDF; audited as `exported` with the format.
* Delete on request: a hard delete with a reason chosen from a list (free text could carry answer values, which
  never go into the audit trail), audited as `deleted`; refused if the screening changed since the page was read.

Caseworkers can do neither (403): deletion through the API with a browser session is refused to them too
(screening.permissions).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from .. import selectors, services
from ..models import Role
from .access import screening_for

DATA_MANAGERS = (Role.SUPERVISOR, Role.ORG_ADMIN)

DELETE_REASONS = [
    ("claimant_request", gettext_lazy("The claimant asked for their data to be deleted")),
    ("entered_in_error", gettext_lazy("The screening was started in error")),
    ("no_longer_needed", gettext_lazy("The data is no longer needed")),
]


class DeleteRequestForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why is this screening being deleted?"),
        choices=DELETE_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select why this screening is being deleted")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _managed_screening(request, screening_id):
    actor, screening = screening_for(request, screening_id)
    if actor.role not in DATA_MANAGERS:
        raise PermissionDenied("Only a supervisor or an organisation admin can export or delete a screening.")
    return actor, screening


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def delete(request, screening_id):
    actor, screening = _managed_screening(request, screening_id)
    conflict = False
    if request.method == "POST":
        form = DeleteRequestForm(request.POST)
        if form.is_valid():
            try:
                services.screening_delete(
                    actor=actor,
                    screening=screening,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except services.VersionConflict:
                conflict = True
            else:
                messages.success(request, _("The screening and its answers were deleted."))
                return redirect("web:case-list")
    else:
        form = DeleteRequestForm(initial={"version": screening.version})
    return render(
        request,
        "web/case_delete.html",
        {"screening": screening, "form": form, "conflict": conflict, "version": screening.version},
    )


@never_cache
@require_safe
@login_required
def export_json(request, screening_id):
    screening, data = _exported(request, screening_id, "json")
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return _attachment(content, "application/json; charset=utf-8", f"screening-{screening.id}.json")


@never_cache
@require_safe
@login_required
def export_pdf(request, screening_id):
    from ..pdf import subject_access_pdf

    screening, data = _exported(request, screening_id, "pdf")
    return _attachment(subject_access_pdf(data), "application/pdf", f"screening-{screening.id}.pdf")


def _exported(request, screening_id, fmt: str):
    """The screening a supervisor exports, audited as `exported` with the format, and everything stored about it."""
    actor, screening = _managed_screening(request, screening_id)
    services.screening_viewed(actor=actor, screening=screening, exported=True, detail={"format": fmt})
    return screening, selectors.screening_subject_access(screening=screening)


def _attachment(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
