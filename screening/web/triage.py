"""Triage in the web UI: download the template, upload a filled CSV, XLSX or JSON Lines file, watch the job's
progress (a page that refreshes itself: no JavaScript needed), then read, filter, sort and download the results.

Each valid row becomes a draft screening of the organisation (respondent "caseworker", audited as created), which
a caseworker can open and continue; an invalid row is listed with its row number and the column at fault and
never stops the others. Every page is for signed-in members of the job's organisation only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from .. import interview as iv
from .. import spreadsheets
from ..jobs import job_create
from ..models import Job, JobItemStatus, JobSource
from ..selectors import active_ruleset
from .access import actor_for

LOGIN_URL = "web:login"
STRENGTH_ORDER = iv.STRENGTH_ORDER
REFRESH_SECONDS = 2


def _job_for(request, job_id) -> Job:
    actor = actor_for(request)
    job = Job.objects.filter(pk=job_id, organisation=actor.organisation).first()
    if job is None:
        raise Http404("No such job.")
    return job


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


@login_required(login_url=LOGIN_URL)
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def upload(request):
    actor = actor_for(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a file to upload.")
        elif upload.size > spreadsheets.TRIAGE_MAX_BYTES:
            error = _("The file is larger than 10 MB.")  # spreadsheets.TRIAGE_MAX_BYTES
        else:
            try:
                parsed = spreadsheets.parse(
                    upload.read(), upload.name, active_ruleset(), translation.get_language() or "en"
                )
            except spreadsheets.UploadError as exc:
                error = str(exc)
            else:
                job = job_create(
                    actor=actor,
                    source=JobSource.UPLOAD,
                    items=parsed.items,
                    rows=parsed.rows,
                    file_name=upload.name,
                )
                return redirect("web:triage-job", job.id)
    jobs = Job.objects.filter(organisation=actor.organisation, source=JobSource.UPLOAD).order_by("-created_at")[:20]
    return render(
        request,
        "web/triage_upload.html",
        {"error": error, "jobs": jobs, "max_rows": spreadsheets.TRIAGE_MAX_ROWS},
        status=400 if error else 200,
    )


@login_required(login_url=LOGIN_URL)
@require_safe
def template(request, kind):
    actor_for(request)
    ruleset = active_ruleset()
    language = translation.get_language() or "en"
    if kind == "xlsx":
        return _download(spreadsheets.template_xlsx(ruleset, language), "refuge-screen-template.xlsx", XLSX)
    if kind == "options.csv":
        return _download(spreadsheets.options_csv(ruleset, language), "refuge-screen-options.csv", CSV)
    return _download(spreadsheets.template_csv(ruleset), "refuge-screen-template.csv", CSV)


def _titles():
    ruleset = active_ruleset()
    from rules.translations import translation_for

    texts = translation_for(ruleset, translation.get_language())

    def title(outcome_id):
        outcome = ruleset.outcomes.get(outcome_id)
        return texts.outcome(outcome)["title"] if outcome else outcome_id

    return title


def _strength_words(strength: str) -> str:
    return {"strong": _("Strong"), "arguable": _("Arguable"), "needs_information": _("Needs information")}.get(
        strength, strength
    )


def result_rows(job: Job) -> list[dict]:
    """One row per input row, in input order: the strongest act and reason, flags, exclusion review, errors."""
    title = _titles()
    rows = []
    for item in job.items.defer("payload").order_by("index"):
        outcomes = (item.result or {}).get("outcomes", [])
        act = iv.strongest_outcome({"outcomes": outcomes}, ("persecution_act",))
        reason = iv.strongest_outcome({"outcomes": outcomes}, ("convention_ground",))
        exclusion = [o for o in outcomes if o["id"].startswith("flag_exclusion_review_")]
        flags = [o for o in outcomes if o["category"] == "flag" and o not in exclusion]
        best = min((STRENGTH_ORDER.get(o["strength"], 9) for o in outcomes if o in (act, reason)), default=9)
        rows.append(
            {
                "row": item.row or item.index + 1,
                "reference": item.reference,
                "screening": (item.result or {}).get("screening", ""),
                "status": item.status,
                "act": act and {"title": title(act["id"]), "strength": act["strength"]},
                "reason": reason and {"title": title(reason["id"]), "strength": reason["strength"]},
                "flags": [title(o["id"]) for o in flags],
                "exclusion": [title(o["id"]) for o in exclusion],
                "errors": [
                    {"column": e.get("question") or e.get("field") or "", "message": e.get("message", "")}
                    for e in item.errors or []
                ],
                "rank": best,
            }
        )
    return rows


def _cell(outcome) -> str:
    return f"{outcome['title']} ({_strength_words(outcome['strength'])})" if outcome else ""


def _table(rows: list[dict]) -> list[list[str]]:
    return [
        [
            str(r["row"]),
            r["reference"],
            r["screening"],
            _cell(r["act"]),
            _cell(r["reason"]),
            "; ".join(r["flags"]),
            "; ".join(r["exclusion"]),
            "; ".join(f"{e['column']}: {e['message']}" if e["column"] else e["message"] for e in r["errors"]),
        ]
        for r in rows
    ]


@login_required(login_url=LOGIN_URL)
@never_cache
@require_safe
def job_page(request, job_id):
    job = _job_for(request, job_id)
    rows = result_rows(job) if job.is_finished else []
    strength = request.GET.get("strength", "")
    if strength in STRENGTH_ORDER:
        wanted = STRENGTH_ORDER[strength]
        rows = [r for r in rows if r["rank"] == wanted]
    elif strength == "errors":
        rows = [r for r in rows if r["errors"]]
    if request.GET.get("sort") == "strength":
        rows = sorted(rows, key=lambda r: (r["rank"], r["row"]))
    for row in rows:
        row["url"] = reverse("web:tasks", args=[row["screening"]]) if row["screening"] else ""
        row["act_label"] = _cell(row["act"])
        row["reason_label"] = _cell(row["reason"])
    return render(
        request,
        "web/triage_job.html",
        {
            "job": job,
            "rows": rows,
            "strength": strength,
            "sort": request.GET.get("sort", ""),
            "refresh": REFRESH_SECONDS if not job.is_finished else None,
            "invalid": JobItemStatus.INVALID,
        },
    )


@login_required(login_url=LOGIN_URL)
@never_cache
@require_safe
def job_results(request, job_id, kind):
    job = _job_for(request, job_id)
    table = _table(result_rows(job))
    if kind == "xlsx":
        return _download(spreadsheets.results_xlsx(table), f"results-{job.id}.xlsx", XLSX)
    return _download(spreadsheets.results_csv(table), f"results-{job.id}.csv", CSV)
