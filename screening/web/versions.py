"""Ruleset versions in the web UI: re-screen one screening, what changed in a version (its changelog), and the
supervisor's impact page (what switching would change in the organisation's screenings; re-screen them all)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rules.versions import available_versions, changelog

from .. import services
from ..impact import ruleset_impact
from ..models import AssessmentRecord, Role
from ..selectors import active_ruleset, screening_get
from .access import actor_for, screening_for

SUPERVISORS = (Role.SUPERVISOR, Role.ORG_ADMIN)


def change_words(texts, changes: dict) -> list[str]:
    """A re-screen's changes as sentences a caseworker reads (outcome titles, strengths in words)."""
    from .results import strength_label

    def title(oid):
        return texts.outcome(oid)["title"]

    lines = [_("Now found: %(title)s") % {"title": title(oid)} for oid in changes.get("added", [])]
    lines += [_("No longer found: %(title)s") % {"title": title(oid)} for oid in changes.get("removed", [])]
    for key, text in (("strengthened", _("Stronger")), ("weakened", _("Weaker"))):
        for item in changes.get(key, []):
            lines.append(f"{text}: {title(item['id'])}: {strength_label(item['from'])} → {strength_label(item['to'])}")
    return lines


def version_context(screening, texts) -> dict:
    """What the result page says about versions: a newer version in force, and the last re-screen's changes."""
    active = active_ruleset()
    from rules.versions import _version_key

    newer = active.version if _version_key(active.version) > _version_key(screening.ruleset_version or "0") else None
    last = AssessmentRecord.objects.filter(screening=screening).first()
    return {
        "newer_version": newer,
        "rescreen_url": reverse("versions:rescreen", args=[screening.id]),
        "changes_url": reverse("versions:changes", args=[newer]) if newer else "",
        "own_changes_url": reverse("versions:changes", args=[screening.ruleset_version])
        if screening.ruleset_version and changelog(active.slug, screening.ruleset_version)
        else "",
        "last_rescreen": {
            "record": last,
            "lines": change_words(texts, last.changes),
            "from_version": last.ruleset_version,
        }
        if last is not None
        else None,
    }


@never_cache
@require_POST
@login_required
def rescreen(request, screening_id):
    """Re-screen under the active version (caseworkers and supervisors); the previous assessment is kept."""
    actor, screening = screening_for(request, screening_id)
    expected = request.POST.get("version")
    try:
        expected_version = int(expected) if expected else None
    except ValueError:
        expected_version = None
    try:
        services.screening_reassess(actor=actor, screening=screening, expected_version=expected_version)
    except services.VersionConflict:
        return redirect(reverse("results:result", args=[screening.id]) + "?conflict=1")
    return redirect(reverse("results:result", args=[screening.id]) + "#rescreened")


@never_cache
@require_safe
@login_required
def changes(request, version):
    """What changed in a ruleset version, for lawyers: each change with the ids, the reason and the citations."""
    actor_for(request)
    slug = active_ruleset().slug
    if version not in available_versions(slug):
        raise Http404("No such ruleset version.")
    log = changelog(slug, version)
    return render(
        request,
        "web/ruleset_changes.html",
        {"version": version, "log": log, "changes": log.get("changes", []), "active": active_ruleset().version},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def impact(request):
    """Supervisors: what the active version changes in the organisation's screenings assessed under older ones."""
    actor = actor_for(request)
    if actor.role not in SUPERVISORS:
        raise PermissionDenied("Only a supervisor or an organisation admin can see the impact of a ruleset.")
    active = active_ruleset()
    older = [v for v in available_versions(active.slug) if v != active.version]
    rescreened = None
    if request.method == "POST":
        report = _impact(actor, active, older)
        rescreened = 0
        for item in report.changed_screenings:
            screening = screening_get(organisation=actor.organisation, screening_id=item["id"])
            if screening is not None and screening.ruleset_version != active.version:
                services.screening_reassess(actor=actor, screening=screening)
                rescreened += 1
    report = _impact(actor, active, older)
    return render(
        request,
        "web/ruleset_impact.html",
        {
            "active": active.version,
            "report": report.as_dict(),
            "rescreened": rescreened,
            "changes_url": reverse("versions:changes", args=[active.version]),
        },
    )


def _impact(actor, active, older):
    """One report over the organisation's screenings of every older version."""
    total = None
    for version in older:
        report = ruleset_impact(to_version=active.version, from_version=version, organisation=actor.organisation)
        if total is None:
            total = report
            continue
        total.total += report.total
        total.unchanged += report.unchanged
        total.changed += report.changed
        for oid, counts in report.by_outcome.items():
            total.by_outcome.setdefault(oid, counts.__class__()).update(counts)
        total.changed_screenings += report.changed_screenings
    if total is None:  # no older version in the repository
        from ..impact import ImpactReport

        total = ImpactReport(active.version, active.sha256, None, actor.organisation.name)
    total.from_version = None
    return total
