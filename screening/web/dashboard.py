"""The supervisor dashboard: the organisation's screenings over a date range, by status, month, country of origin,
outcome and strength, and the share flagged for exclusion review; and the export of its screening list.

Supervisors and organisation admins of the organisation only (a caseworker gets 403), and only that organisation's
screenings. Everything is counted in SQL from the stored compact data (status, created_at, country_of_origin and
the ScreeningOutcome rows: outcome id, category, strength), never from the encrypted answers or assessment, so a
page over 10,000 screenings decrypts nothing. The charts are SVG drawn on the server (no script; the CSP allows
no inline style, so sizes are SVG attributes and colours come from refuge.css); each has its data table, which is
what a screen reader reads (the picture is hidden from it).

Exports (`export.csv`, `export.xlsx`): reference, status, dates, country and the strongest candidate ground, no
answers, audited as `listed` like the case list (outcomes are special-category inferences). With answers: only
through the POST form, audited as `exported` with the format and every screening id (the answers are decrypted
row by row).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, Min, OuterRef, Value, When
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from .. import services, spreadsheets
from ..country_names import country_name
from ..interview import PROTECTION_CATEGORIES, STRENGTH_ORDER
from ..models import SCREENING_ENCRYPTED_FIELDS, Role, Screening, ScreeningOutcome, ScreeningStatus
from ..selectors import active_ruleset
from .access import actor_for
from .account import form_errors

LOGIN_URL = "web:login"
SUPERVISORS = (Role.SUPERVISOR, Role.ORG_ADMIN)
EXCLUSION_PREFIX = "flag_exclusion_review_"
MAX_MONTHS = 60  # a range of at most five years: the month chart stays readable
EARLIEST = dt.date(2000, 1, 1)
COUNTRY_BARS = 12  # the chart shows the most frequent countries, the rest as one bar; the table lists all
MAX_ANSWER_EXPORT_ROWS = 10_000  # answers are decrypted row by row: a narrower range beyond this
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

# SVG geometry (viewBox units; the picture scales to the page width).
CHART_WIDTH = 640
BAR_AREA = 520  # the longest bar; the count is written after it
ROW_HEIGHT = 44  # a label line above each bar
BAR_HEIGHT = 18
LABEL_CHARS = 80


def _strength_words() -> dict[str, str]:
    return {"strong": _("Strong"), "arguable": _("Arguable"), "needs_information": _("Needs information")}


def _status_words() -> dict[str, str]:
    return {ScreeningStatus.DRAFT: _("Draft"), ScreeningStatus.COMPLETE: _("Complete")}


# ---- the date range ----------------------------------------------------------------------------------------


class RangeForm(forms.Form):
    """GET ?start=YYYY-MM-DD&end=YYYY-MM-DD, both days included (UTC). Empty: the last 12 months."""

    start = forms.DateField(
        label=gettext_lazy("From"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "invalid": gettext_lazy("Enter the start date as YYYY-MM-DD, for example 2026-01-31."),
            "required": gettext_lazy("Enter a start date."),
        },
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "invalid": gettext_lazy("Enter the end date as YYYY-MM-DD, for example 2026-12-31."),
            "required": gettext_lazy("Enter an end date."),
        },
    )

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start < EARLIEST:
            raise forms.ValidationError(_("The start date must be in 2000 or later."))
        return start

    def clean_end(self):
        end = self.cleaned_data["end"]
        if end < EARLIEST:
            raise forms.ValidationError(_("The end date must be in 2000 or later."))
        return end

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date must be the same as or after the start date."))
            elif _months_between(start, end) > MAX_MONTHS:
                self.add_error("end", _("Choose a range of at most five years (60 months)."))
        return data


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.now().date()
    first = today.replace(day=1)
    year, month = divmod(first.year * 12 + first.month - 1 - 11, 12)
    return dt.date(year, month + 1, 1), today


def range_form(request) -> RangeForm:
    if "start" not in request.GET and "end" not in request.GET:
        start, end = default_range()
        return RangeForm({"start": start.isoformat(), "end": end.isoformat()})
    return RangeForm(request.GET)


def supervisor_actor(request):
    actor = actor_for(request)
    if actor.role not in SUPERVISORS:
        raise PermissionDenied("Only a supervisor or an organisation admin can see the dashboard.")
    return actor


def screenings_in(organisation, start: dt.date, end: dt.date):
    """The organisation's screenings created from `start` to `end` inclusive (UTC days)."""
    low = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return Screening.objects.filter(organisation=organisation, created_at__gte=low, created_at__lt=high)


# ---- figures (SQL only) --------------------------------------------------------------------------------------


@dataclass
class Figures:
    total: int
    by_status: list[tuple[str, int]]
    by_month: list[tuple[dt.date, int]]
    by_country: list[tuple[str, int]]  # (code or "", count), most first
    by_strongest: list[tuple[str, int]]  # strongest candidate ground of each screening: strength or "none"
    by_outcome: list[dict] = field(default_factory=list)  # {"id", "category", "counts": {strength: n}, "total"}
    exclusion: int = 0


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def figures(organisation, start: dt.date, end: dt.date) -> Figures:
    screenings = screenings_in(organisation, start, end)
    total = screenings.count()
    statuses = dict(screenings.order_by().values_list("status").annotate(n=Count("id")))
    by_status = [(status, statuses.get(status, 0)) for status in ScreeningStatus.values]

    per_month = {}
    for month, n in (
        screenings.order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=dt.UTC))
        .values_list("month")
        .annotate(n=Count("id"))
    ):
        key = month.date() if isinstance(month, dt.datetime) else month
        per_month[key.replace(day=1)] = per_month.get(key.replace(day=1), 0) + n
    by_month = [(month, per_month.get(month, 0)) for month in _months(start, end)]

    by_country = sorted(
        screenings.order_by().values_list("country_of_origin").annotate(n=Count("id")),
        key=lambda row: (-row[1], row[0]),
    )

    outcomes = ScreeningOutcome.objects.filter(screening__in=screenings)
    table: dict[str, dict] = {}
    for outcome_id, category, strength, n in (
        outcomes.order_by()
        .values_list("outcome_id", "category", "strength")
        .annotate(n=Count("screening_id", distinct=True))
    ):
        row = table.setdefault(outcome_id, {"id": outcome_id, "category": category, "counts": {}, "total": 0})
        row["counts"][strength] = row["counts"].get(strength, 0) + n
        row["total"] += n
    by_outcome = sorted(table.values(), key=lambda row: (-row["total"], row["id"]))

    flagged = ScreeningOutcome.objects.filter(screening=OuterRef("pk"), outcome_id__startswith=EXCLUSION_PREFIX)
    exclusion = screenings.filter(Exists(flagged)).count()

    # The strongest candidate ground of each screening: the best rank among its protection outcomes, one number
    # per screening from the database (grouped by screening), counted here.
    rank = Case(*(When(strength=s, then=Value(r)) for s, r in STRENGTH_ORDER.items()), default=Value(9))
    best = Counter(
        outcomes.filter(category__in=PROTECTION_CATEGORIES)
        .order_by()
        .values("screening_id")
        .annotate(best=Min(rank))
        .values_list("best", flat=True)
    )
    names = {r: s for s, r in STRENGTH_ORDER.items()}
    by_strongest = [(s, best.get(r, 0)) for s, r in STRENGTH_ORDER.items()]
    by_strongest.append(("none", total - sum(n for r, n in best.items() if r in names)))

    return Figures(
        total=total,
        by_status=by_status,
        by_month=by_month,
        by_country=by_country,
        by_strongest=by_strongest,
        by_outcome=by_outcome,
        exclusion=exclusion,
    )


# ---- charts --------------------------------------------------------------------------------------------------


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(rows: list[tuple[str, list[tuple[str, int]]]]) -> dict:
    """SVG geometry of a horizontal bar chart: one bar per (label, [(css class, count), ...]) row, the segments of
    a bar side by side (stacked). Sizes are attributes (the CSP allows no inline style)."""
    peak = max((sum(n for _cls, n in segments) for _label, segments in rows), default=0) or 1
    bars = []
    for index, (label, segments) in enumerate(rows):
        y = index * ROW_HEIGHT
        x = 0.0
        parts = []
        for css, n in segments:
            width = BAR_AREA * n / peak
            if n:
                parts.append({"css": css, "x": round(x, 1), "width": round(max(width, 1.5), 1)})
            x += width
        total = sum(n for _cls, n in segments)
        bars.append(
            {
                "label": _short(label),
                "label_y": y + 14,
                "bar_y": y + 20,
                "segments": parts,
                "value": total,
                "value_x": round(x + 6, 1),
                "value_y": y + 34,
            }
        )
    return {"width": CHART_WIDTH, "height": max(len(rows), 1) * ROW_HEIGHT, "bar_height": BAR_HEIGHT, "bars": bars}


def _titles():
    from rules.translations import translation_for

    ruleset = active_ruleset()
    texts = translation_for(ruleset, translation.get_language())

    def title(outcome_id: str) -> str:
        outcome = ruleset.outcomes.get(outcome_id)
        return texts.outcome(outcome)["title"] if outcome else outcome_id

    return title


def _percent(part: int, whole: int) -> str:
    return formats.number_format(100 * part / whole, 1) if whole else formats.number_format(0, 1)


def dashboard_context(organisation, start: dt.date, end: dt.date) -> dict:
    data = figures(organisation, start, end)
    language = translation.get_language() or "en"
    statuses = _status_words()
    strengths = _strength_words()
    title = _titles()

    status_rows = [(statuses.get(s, s), n) for s, n in data.by_status]
    month_rows = [(formats.date_format(m, "YEAR_MONTH_FORMAT"), n) for m, n in data.by_month]
    country_rows = [(country_name(code, language) if code else _("Not answered"), n) for code, n in data.by_country]
    chart_countries = country_rows[:COUNTRY_BARS]
    if len(country_rows) > COUNTRY_BARS:
        chart_countries.append((_("Other countries"), sum(n for _label, n in country_rows[COUNTRY_BARS:])))
    strongest_rows = [(strengths.get(s, _("No candidate ground")), n) for s, n in data.by_strongest]
    outcome_rows = [
        {
            "title": title(row["id"]),
            "counts": [row["counts"].get(s, 0) for s in STRENGTH_ORDER],
            "other": row["total"] - sum(row["counts"].get(s, 0) for s in STRENGTH_ORDER),
            "total": row["total"],
        }
        for row in data.by_outcome
    ]

    def simple(rows, css="chart__bar"):
        return bar_chart([(label, [(css, n)]) for label, n in rows])

    return {
        "figures": data,
        "exclusion_percent": _percent(data.exclusion, data.total),
        "status_rows": status_rows,
        "status_chart": simple(status_rows),
        "month_rows": month_rows,
        "month_chart": simple(month_rows),
        "country_rows": country_rows,
        "country_chart": simple(chart_countries),
        "strongest_rows": strongest_rows,
        "strongest_chart": bar_chart(
            [
                (strengths.get(s, label), [(f"chart__bar--{s}", n)])
                for (s, n), (label, _n) in zip(data.by_strongest, strongest_rows, strict=True)
            ]
        ),
        "outcome_rows": outcome_rows,
        "outcome_chart": bar_chart(
            [
                (row["title"], [(f"chart__bar--{s}", n) for s, n in zip(STRENGTH_ORDER, row["counts"], strict=True)])
                for row in outcome_rows
            ]
        ),
        "strength_legend": [(s, strengths[s]) for s in STRENGTH_ORDER],
    }


# ---- views ---------------------------------------------------------------------------------------------------


@login_required(login_url=LOGIN_URL)
@never_cache
@require_safe
def dashboard(request):
    actor = supervisor_actor(request)
    form = range_form(request)
    context = {"form": form, "max_rows": MAX_ANSWER_EXPORT_ROWS}
    if not form.is_valid():
        context["page_errors"] = form_errors(form, ["start", "end"])
        return render(request, "web/dashboard.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    context.update(dashboard_context(actor.organisation, start, end))
    context.update({"start": start, "end": end, "query": f"start={start.isoformat()}&end={end.isoformat()}"})
    return render(request, "web/dashboard.html", context)


EXPORT_COLUMNS = [
    "reference",
    "screening",
    "status",
    "created",
    "updated",
    "country_of_origin",
    "country_name",
    "strongest_ground",
    "strongest_strength",
    "exclusion_review",
]


def export_rows(screenings: list[Screening], *, with_answers: bool) -> tuple[list[str], list[list]]:
    """The export's header and rows: one row per screening, newest first. The strongest ground comes from the
    ScreeningOutcome rows (plain columns); answers, when asked for, are decrypted row by row."""
    language = translation.get_language() or "en"
    title = _titles()
    statuses = _status_words()
    outcomes = defaultdict(list)
    for screening_id, outcome_id, category, strength in ScreeningOutcome.objects.filter(
        screening_id__in=[s.id for s in screenings]
    ).values_list("screening_id", "outcome_id", "category", "strength"):
        outcomes[screening_id].append({"id": outcome_id, "category": category, "strength": strength})
    strengths = _strength_words()
    questions = spreadsheets.columns(active_ruleset())[1:] if with_answers else []  # the template's question ids
    header = EXPORT_COLUMNS + [f"answer:{q}" for q in questions]
    rows = []
    for s in screenings:
        found = outcomes.get(s.id, [])
        grounds = [o for o in found if o["category"] in PROTECTION_CATEGORIES]
        best = min(grounds, key=lambda o: (STRENGTH_ORDER.get(o["strength"], 9), o["id"]), default=None)
        row = [
            s.reference,
            str(s.id),
            statuses.get(s.status, s.status),
            s.created_at.date().isoformat(),
            s.updated_at.date().isoformat(),
            s.country_of_origin,
            country_name(s.country_of_origin, language) if s.country_of_origin else "",
            title(best["id"]) if best else "",
            strengths.get(best["strength"], best["strength"]) if best else "",
            _("yes") if any(o["id"].startswith(EXCLUSION_PREFIX) for o in found) else _("no"),
        ]
        if with_answers:
            answers = s.answers or {}
            row += [_answer_cell(answers.get(q)) for q in questions]
        rows.append(row)
    return header, rows


def _answer_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return spreadsheets.SEPARATOR.join(str(v) for v in value)
    return str(value)


def _download(request, *, kind: str, with_answers: bool):
    actor = supervisor_actor(request)
    form = range_form(request) if request.method == "GET" else RangeForm(request.POST)
    if kind not in ("csv", "xlsx"):
        return HttpResponse(_("Choose the export format: csv or xlsx."), status=400, content_type="text/plain")
    if not form.is_valid():
        messages = [f"{form.fields[name].label}: {error}" for name, errors in form.errors.items() for error in errors]
        return HttpResponse("\n".join(messages), status=400, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    queryset = screenings_in(actor.organisation, start, end).order_by("-created_at", "id")
    if with_answers:
        if queryset.count() > MAX_ANSWER_EXPORT_ROWS:
            message = _("An export with answers holds at most %(max)s screenings: choose a shorter date range.") % {
                "max": MAX_ANSWER_EXPORT_ROWS
            }
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        # Only the answers are decrypted: the assessment is far larger (5 ms of JSON per row against 0.2 ms).
        screenings = list(queryset.defer(*(f for f in SCREENING_ENCRYPTED_FIELDS if f != "answers")))
    else:
        screenings = list(queryset.defer(*SCREENING_ENCRYPTED_FIELDS))
    header, rows = export_rows(screenings, with_answers=with_answers)
    detail = {"format": kind, "start": start.isoformat(), "end": end.isoformat()}
    if with_answers:
        services.screenings_exported(actor=actor, screenings=screenings, detail=detail)
    else:
        services.screenings_listed(actor=actor, screenings=screenings, detail={"export": kind, **detail})
    name = f"screenings-{start.isoformat()}-{end.isoformat()}{'-with-answers' if with_answers else ''}.{kind}"
    if kind == "xlsx":
        content, content_type = spreadsheets.table_xlsx(header, rows, title="screenings"), XLSX
    else:
        content, content_type = spreadsheets.table_csv(header, rows), CSV
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required(login_url=LOGIN_URL)
@never_cache
@require_safe
def export(request, kind):
    return _download(request, kind=kind, with_answers=False)


@login_required(login_url=LOGIN_URL)
@never_cache
@require_POST
def export_with_answers(request):
    return _download(request, kind=request.POST.get("format", ""), with_answers=True)
