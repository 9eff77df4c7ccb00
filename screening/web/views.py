"""The caseworker web interview: sign-in, the case list, a new screening, its start page, the task list, the
question pages (a section per page for a caseworker, one question per page for a claimant) and Check your
answers.

Views stay thin: which questions a page asks and where Continue goes are decided in screening.interview, every
write goes through screening.services, and every screening is fetched through access.screening_for (another
organisation's screening is a 404). Everything works without JavaScript. Answer values never appear in a URL
or a log message.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from rules.translations import translation_for

from .. import interview as iv
from .. import services
from ..country_names import country_name
from ..models import ScreeningStatus
from ..selectors import active_ruleset, country_profile_values, screening_ruleset, screening_search
from . import claimant, completion, contradictions, languages, leaving, page_notices, sessions
from .access import actor_for, screening_for
from .forms import NewScreeningForm, answer_lines, country_choices, prefill_from_profile, question_field
from .provenance import provenance_views, screening_provenance

LOGIN_URL = reverse_lazy("web:login")
PAGE_SIZE = 50

# The same text as rules.DISCLAIMER (a test keeps them equal), marked for translation.
DISCLAIMER = gettext_lazy(
    "This is a screening of candidate grounds for a caseworker to examine. It is not a decision on refugee "
    "status or any other protection: every outcome must be checked against the facts, credibility and current "
    "country information."
)
STATUS_LABELS = {ScreeningStatus.DRAFT: gettext_lazy("Draft"), ScreeningStatus.COMPLETE: gettext_lazy("Complete")}
STRENGTH_LABELS = {
    "strong": gettext_lazy("Strong"),
    "arguable": gettext_lazy("Arguable"),
    "needs_information": gettext_lazy("Needs information"),
}
SECTION_STATUS_LABELS = {
    iv.NOT_STARTED: gettext_lazy("Not started"),
    iv.IN_PROGRESS: gettext_lazy("In progress"),
    iv.COMPLETED: gettext_lazy("Completed"),
    iv.CANNOT_START_YET: gettext_lazy("Cannot start yet"),
    iv.NOT_NEEDED: gettext_lazy("Not needed"),
}
SHOWN_FIELD = "shown"  # hidden inputs naming the questions a form showed: only those can be emptied
FROM_PROFILE_FIELD = "from_profile"  # hidden inputs naming the questions prefilled with a profile suggestion
SAVE_FAILED = gettext_lazy("This answer could not be saved. Check it and try again.")

member_required = login_required(login_url=LOGIN_URL)


# ---- sign in and out ---------------------------------------------------------------------------------------


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = _("Enter your username")
        self.fields["password"].error_messages["required"] = _("Enter your password")


SESSION_ENDED = {
    sessions.IDLE: gettext_lazy("You were signed out because nothing was done on this device for a while."),
    sessions.ABSOLUTE: gettext_lazy("You were signed out because the longest time a sign-in lasts has passed."),
}


class SignInView(LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("web:case-list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = self.request.GET.get("expired")
        if reason in SESSION_ENDED:
            context["session_ended"] = SESSION_ENDED[reason]
        form = context["form"]
        errors = [{"href": "#id_username", "message": message} for message in form.non_field_errors()]
        for name in ("username", "password"):
            errors += [{"href": f"#id_{name}", "message": message} for message in form.errors.get(name, [])]
        context["page_errors"] = errors
        return context


class SignOutView(LogoutView):
    next_page = reverse_lazy("web:login")


# ---- helpers -----------------------------------------------------------------------------------------------


def screening_page(*methods: str):
    """A page of one screening: signed in, a member, the screening of the member's organisation (else 404, for
    every method), then the allowed methods (else 405). The view gets (request, actor, screening, ...)."""
    allowed = [*methods, "HEAD"] if "GET" in methods else list(methods)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, screening_id, **kwargs):
            actor, screening = screening_for(request, screening_id)
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            languages.interview_language_activate(request, screening)  # the screening's interview language
            return view(request, actor, screening, **kwargs)

        return member_required(never_cache(wrapper))

    return decorate


def _texts(screening=None):
    """The ruleset (the screening's own version; the active one for a new screening) and its translation."""
    ruleset = screening_ruleset(screening) if screening is not None else active_ruleset()
    return ruleset, translation_for(ruleset, translation.get_language())


def _reference_label(screening) -> str:
    return screening.reference or _("Screening %(short_id)s") % {"short_id": str(screening.id)[:8]}


def _url(name: str, screening, *args, returning: bool = False, anchor: str = "") -> str:
    url = reverse(f"web:{name}", args=[screening.id, *args])
    if returning:
        url += "?return=check"
    return url + (f"#{anchor}" if anchor else "")


def result_url(screening) -> str:
    """The result page (screening/web/results.py)."""
    return reverse("results:result", args=[screening.id])


def questionnaire_section(questionnaire, section_id: str) -> dict:
    return next(s for s in questionnaire.sections if s["id"] == section_id)


def _section_title(translation_, section: dict) -> str:
    return translation_.section(section["id"], section["title"])


def _record_view(actor, screening, page: str) -> None:
    """Audit that this user saw (some of) the screening's answers on `page`: every view, not once per session and
    interval as before (review D15): at ASVS Level 3 each read of special-category data leaves a record, and one
    row per page view is cheap next to rendering the page."""
    services.screening_viewed(actor=actor, screening=screening, detail={"page": page})


def _save_page(actor, screening, questions, data):
    """Save what a page's form gives. Returns (screening, errors, conflict).

    Fields that can be read are saved even when others have errors; an empty field that the form showed
    removes a saved answer (that is how an answer is taken back); a field with an error keeps its saved answer.
    On a version conflict nothing is saved and the caller shows the submitted values again."""
    parsed, errors = iv.parse_form(questions, data)
    patch = iv.answers_patch(questions, screening.answers, parsed, errors, shown=data.getlist(SHOWN_FIELD))
    by_id = {q.id: q for q in questions}
    conflict = False
    expected = _posted_version(data)
    while patch:
        try:
            screening = services.screening_save_answers(
                actor=actor,
                screening=screening,
                answers=patch,
                expected_version=expected,
                accepted_from_profile=data.getlist(FROM_PROFILE_FIELD),
            )
            break
        except services.VersionConflict:
            conflict = True
            screening.refresh_from_db()
            break
        except services.ScreeningInvalid as exc:
            refused = {e.get("question") for e in exc.errors} & set(patch)
            if not refused:  # a problem outside this page: nothing can be saved from here
                refused = set(patch)
            # a contradiction says which answers disagree, in the page's language, at each of its questions here
            ruleset, translation_ = _texts(screening)
            specific = {}
            for problem in exc.errors:
                message = contradictions.error_message(ruleset, translation_, problem)
                if message and problem.get("question") in refused:
                    specific.setdefault(problem["question"], message)
            for qid in refused:
                if qid not in {e.question for e in errors}:
                    errors.append(iv.FieldError(qid, iv.field_id(by_id[qid]), specific.get(qid, str(SAVE_FAILED))))
            patch = {qid: value for qid, value in patch.items() if qid not in refused}
    order = {q.id: i for i, q in enumerate(questions)}
    errors.sort(key=lambda e: order.get(e.question, len(order)))
    return screening, errors, conflict


def _posted_version(data) -> int:
    try:
        return int(data.get("version", ""))
    except (TypeError, ValueError):
        return 0  # never a real version: treated as a conflict, so nothing is overwritten blindly


def _fields(questions, screening, *, mode, translation_, data=None, submitted=(), errors=(), profile=None):
    """The fields of a page: submitted values for the questions that were on the submitted form, else the saved
    answer, else (caseworker mode) the country profile's suggestion."""
    language = translation.get_language() or "en"
    messages = {e.question: e.message for e in errors}
    error_parts = {e.question: e.parts for e in errors}
    fields = []
    for question in questions:
        prefill = None
        if data is not None and question.id in submitted:
            value = iv.form_value(question, screening.answers, data)
        elif question.id in screening.answers or not profile:
            value = iv.form_value(question, screening.answers)
        else:
            suggestion = prefill_from_profile(question, profile)
            if suggestion:
                value, prefill = suggestion
            else:
                value = iv.form_value(question, screening.answers)
        fields.append(
            question_field(
                question,
                translation=translation_,
                language=language,
                mode=mode,
                value=value,
                error=messages.get(question.id, ""),
                error_parts=error_parts.get(question.id, ()),
                prefill=prefill,
                country=screening.answers.get("country_of_origin"),
            )
        )
    return fields


def _page_errors(errors) -> list[dict]:
    return [{"href": f"#{e.field}", "message": e.message} for e in errors]


# ---- the case list and a new screening ---------------------------------------------------------------------


@member_required
@never_cache
@require_safe
def case_list(request):
    actor = actor_for(request)
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]  # NUL: PostgreSQL refuses it (D16)
    screenings = screening_search(organisation=actor.organisation, query=query)
    page = Paginator(screenings, PAGE_SIZE).get_page(request.GET.get("page"))
    ruleset, translation_ = _texts()
    rows = []
    for screening in page.object_list:
        rows_ = screening.outcomes.all()
        strongest = iv.strongest_outcome(
            {"outcomes": [{"id": o.outcome_id, "category": o.category, "strength": o.strength} for o in rows_]}
        )
        if strongest:
            outcome = ruleset.outcomes.get(strongest["id"])
            strongest = {
                "title": translation_.outcome(outcome)["title"] if outcome else strongest["id"],
                "strength": strongest["strength"],
                "strength_label": STRENGTH_LABELS.get(strongest["strength"], strongest["strength"]),
            }
        rows.append(
            {
                "screening": screening,
                "label": _reference_label(screening),
                "has_reference": bool(screening.reference),
                "url": reverse("web:tasks", args=[screening.id]),
                "status": STATUS_LABELS.get(screening.status, screening.status),
                "country": country_name(screening.country_of_origin, translation.get_language())
                if screening.country_of_origin
                else "",
                "strongest": strongest,
            }
        )
    # One event per page view with the ids shown: each row shows the case's strongest ground (D15).
    services.screenings_listed(actor=actor, screenings=page.object_list, detail={"view": "case_list"})
    return render(request, "web/case_list.html", {"page": page, "rows": rows, "query": query})


@member_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def case_new(request):
    actor = actor_for(request)
    if request.method == "POST":
        form = NewScreeningForm(request.POST)
        if form.is_valid():
            language = form.cleaned_data["language"]
            screening = services.screening_create(
                actor=actor,
                answers={},
                reference=form.cleaned_data["reference"],
                language=language,
                respondent=form.cleaned_data["respondent"],
            )
            if screening.respondent == iv.CLAIMANT:  # the device goes to the claimant: claimant mode
                return claimant.claimant_mode_start(request, screening)
            translation.activate(language)
            response = redirect("web:case-start", screening_id=screening.id)
            claimant.set_language_cookie(response, language)
            return response
    else:
        current = (translation.get_language() or "en").split("-")[0]
        form = NewScreeningForm(initial={"language": current if current in dict(settings.LANGUAGES) else "en"})
    errors = []
    for name in ("reference", "language", "respondent"):
        target = f"#id_{name}_0" if name != "reference" else "#id_reference"
        errors += [{"href": target, "message": message} for message in form.errors.get(name, [])]
    return render(request, "web/case_new.html", {"form": form, "page_errors": errors})


# ---- one screening -----------------------------------------------------------------------------------------


@screening_page("GET")
def case_start(request, actor, screening):
    mode = iv.mode_for(screening.respondent)
    return render(
        request,
        "web/start.html",
        {
            "screening": screening,
            "reference_label": _reference_label(screening),
            "claimant_mode": mode == iv.CLAIMANT,
            "locked": claimant.locked_screening_id(request) is not None,
            "disclaimer": DISCLAIMER,
            "tasks_url": reverse("web:tasks", args=[screening.id]),
            "claimant_start_url": reverse("web:claimant-start", args=[screening.id]),
        },
    )


@screening_page("GET")
def tasks(request, actor, screening):
    ruleset, translation_ = _texts(screening)
    questionnaire = ruleset.questionnaire
    mode = iv.mode_for(screening.respondent)
    statuses = iv.section_statuses(questionnaire, screening.answers, mode)
    sections = []
    for section, status in statuses:
        url = None
        if status in iv.STARTABLE:
            if mode == iv.CASEWORKER:
                url = reverse("web:section", args=[screening.id, section["id"]])
            else:
                entry = iv.section_entry(questionnaire, screening.answers, section["id"], mode)
                url = reverse("web:question", args=[screening.id, entry.id]) if entry else None
        sections.append(
            {
                "id": section["id"],
                "title": _section_title(translation_, section),
                "status": status,
                "status_label": SECTION_STATUS_LABELS[status],
                "url": url,
            }
        )
    completed, needed = iv.completed_count(statuses)
    _record_view(actor, screening, "tasks")  # which sections are answered says something about the claim
    if mode == iv.CLAIMANT:
        following = iv.next_unanswered(questionnaire, screening.answers, mode)
        continue_url = reverse("web:question", args=[screening.id, following.id]) if following else None
    else:
        following = next((s for s in sections if s["url"] and s["status"] != iv.COMPLETED), None)
        continue_url = following["url"] if following else None
    return render(
        request,
        "web/tasks.html",
        {
            "screening": screening,
            "reference_label": _reference_label(screening),
            "sections": sections,
            "completed": completed,
            "needed": needed,
            "continue_url": continue_url,
            "check_url": reverse("web:check", args=[screening.id]),
            "result_url": result_url(screening),
            "claimant_mode": mode == iv.CLAIMANT,
            "locked": claimant.locked_screening_id(request) is not None,
        },
    )


@screening_page("GET", "POST")
def section(request, actor, screening, section_id):
    ruleset, translation_ = _texts(screening)
    questionnaire = ruleset.questionnaire
    sections = {s["id"]: s for s in questionnaire.sections}
    if section_id not in sections:
        raise Http404("No such section.")
    returning = request.GET.get("return") == "check"
    mode = iv.mode_for(screening.respondent)
    if mode == iv.CLAIMANT:  # a claimant answers one question per page
        entry = iv.section_entry(questionnaire, screening.answers, section_id, mode)
        if entry is None:
            return redirect("web:tasks", screening_id=screening.id)
        return HttpResponseRedirect(_url("question", screening, entry.id, returning=returning))
    questions = iv.section_questions(questionnaire, screening.answers, section_id, mode)
    if not questions:
        return redirect("web:tasks", screening_id=screening.id)

    data, submitted, errors, conflict, changed = None, (), [], False, []
    if request.method == "POST":
        warned_before = contradictions.unconfirmed_ids(screening, ruleset)
        screening, errors, conflict = _save_page(actor, screening, questions, request.POST)
        if conflict:
            changed = page_notices.changed_by_others(
                questions, request.POST, screening.answers, translation=translation_, mode=mode
            )
        asked = [q.id for q in questions]
        current = iv.section_questions(questionnaire, screening.answers, section_id, mode)
        errors = [e for e in errors if e.question in {q.id for q in current}]
        if not errors and not conflict and leaving.requested(request):
            return leaving.leave(request, actor, screening, request.get_full_path())
        if not errors and not conflict:
            raised = contradictions.warnings_for(screening, translation_, questions=asked, ruleset=ruleset)
            if any(not w["confirmed"] and w["id"] not in warned_before for w in raised):
                # a warning-level contradiction this save raised: the page comes back once to show it
                return HttpResponseRedirect(
                    _url("section", screening, section_id, returning=returning, anchor="warnings")
                )
            follow_ups = iv.new_follow_ups(questionnaire, screening.answers, section_id, mode, asked)
            if follow_ups:
                page_notices.remember_follow_ups(request, screening, follow_ups)
                anchor = "follow-ups"  # the banner naming them, each linked to its question
                return HttpResponseRedirect(_url("section", screening, section_id, returning=returning, anchor=anchor))
            if returning:
                return redirect("web:check", screening_id=screening.id)
            following = iv.next_section(questionnaire, screening.answers, mode, section_id)
            if following:
                return redirect("web:section", screening_id=screening.id, section_id=following)
            return redirect("web:check", screening_id=screening.id)  # the last section: Check your answers
        data, submitted, questions = request.POST, set(asked), current
    else:
        _record_view(actor, screening, f"section:{section_id}")

    profile = country_profile_values(code=screening.answers.get("country_of_origin"))
    fields = _fields(
        questions,
        screening,
        mode=mode,
        translation_=translation_,
        data=data,
        submitted=submitted,
        errors=errors,
        profile=profile,
    )
    back_url = reverse("web:check" if returning else "web:tasks", args=[screening.id])
    return render(
        request,
        "web/section.html",
        {
            "screening": screening,
            "reference_label": _reference_label(screening),
            "section_title": _section_title(translation_, sections[section_id]),
            "fields": fields,
            "countries": country_choices(),
            "conflict": conflict,
            "changed": changed,
            "seen": page_notices.seen_json(questions, screening.answers),
            "follow_ups": page_notices.follow_ups_opened(request, screening, fields) if not data else [],
            "warnings": [
                w
                for w in contradictions.warnings_for(
                    screening, translation_, questions=[q.id for q in questions], ruleset=ruleset
                )
                if not w["confirmed"]
            ],
            "answers_form": True,
            "page_errors": _page_errors(errors),
            "back_url": back_url,
        },
    )


@screening_page("GET", "POST")
def question(request, actor, screening, question_id):
    ruleset, translation_ = _texts(screening)
    questionnaire = ruleset.questionnaire
    question_ = questionnaire.by_id.get(question_id)
    if question_ is None:
        raise Http404("No such question.")
    returning = request.GET.get("return") == "check"
    mode = iv.mode_for(screening.respondent)
    if mode == iv.CASEWORKER:  # a caseworker answers a section per page
        if iv.asked_now(questionnaire, screening.answers, question_id, mode):
            url = _url("section", screening, question_.section, returning=returning, anchor=f"question-{question_id}")
            return HttpResponseRedirect(url)
        return redirect("web:tasks", screening_id=screening.id)
    if not iv.asked_now(questionnaire, screening.answers, question_id, mode):
        return redirect("web:tasks", screening_id=screening.id)

    data, errors, conflict, changed = None, [], False, []
    if request.method == "POST":
        asked_before = [q.id for q in iv.all_questions_in_order(questionnaire, screening.answers, mode)]
        screening, errors, conflict = _save_page(actor, screening, [question_], request.POST)
        if conflict:
            changed = page_notices.changed_by_others(
                [question_], request.POST, screening.answers, translation=translation_, mode=mode
            )
        if not errors and not conflict and leaving.requested(request):
            return leaving.leave(request, actor, screening, request.get_full_path())
        if not errors and not conflict:
            if returning:  # a changed answer may ask new follow-ups first, then back to Check your answers
                follow_ups = iv.new_questions(questionnaire, screening.answers, mode, asked_before)
                if follow_ups:
                    return HttpResponseRedirect(_url("question", screening, follow_ups[0].id, returning=True))
                return redirect("web:check", screening_id=screening.id)
            following = iv.next_unanswered(questionnaire, screening.answers, mode, after=question_id)
            if following:
                return redirect("web:question", screening_id=screening.id, question_id=following.id)
            return redirect("web:check", screening_id=screening.id)
        data = request.POST
    else:
        _record_view(actor, screening, f"question:{question_id}")

    fields = _fields(
        [question_],
        screening,
        mode=mode,
        translation_=translation_,
        data=data,
        submitted={question_id},
        errors=errors,
    )
    if returning:
        back_url = reverse("web:check", args=[screening.id])
    else:
        previous = iv.previous_question(questionnaire, screening.answers, mode, question_id)
        back_url = (
            reverse("web:question", args=[screening.id, previous.id])
            if previous
            else reverse("web:tasks", args=[screening.id])
        )
    return render(
        request,
        "web/question.html",
        {
            "screening": screening,
            "reference_label": _reference_label(screening),
            "section_title": _section_title(translation_, questionnaire_section(questionnaire, question_.section)),
            "field": fields[0],
            "countries": country_choices(),
            "conflict": conflict,
            "changed": changed,
            "seen": page_notices.seen_json([question_], screening.answers),
            "answers_form": True,
            "page_errors": _page_errors(errors),
            "back_url": back_url,
        },
    )


@screening_page("POST")
def handover(request, actor, screening):
    """Claimant mode ends: the caseworker continues in caseworker mode (country information, checks)."""
    services.screening_update(actor=actor, screening=screening, respondent="caseworker")
    return redirect("web:tasks", screening.id)


@screening_page("POST")
def interview_language(request, actor, screening):
    return languages.screening_language_set(request, actor, screening)


@screening_page("POST")
def claimant_start(request, actor, screening):
    """Hand the device to the claimant: one question per page for this screening only (claimant mode)."""
    if screening.respondent != iv.CLAIMANT:
        screening = services.screening_update(actor=actor, screening=screening, respondent=iv.CLAIMANT)
    return claimant.claimant_mode_start(request, screening)


@screening_page("GET")
def claimant_handover(request, actor, screening):
    return claimant.handover(request, actor, screening)


@screening_page("POST")
def complete(request, actor, screening):
    return completion.complete(request, actor, screening)


@screening_page("POST")
def warning_confirm(request, actor, screening, check_id):
    return contradictions.confirm(request, actor, screening, check_id)


@screening_page("POST")
def case_notes(request, actor, screening):
    return completion.notes(request, actor, screening)


@screening_page("GET")
def claimant_end(request, actor, screening):
    return claimant.end(request, actor, screening)


@screening_page("GET", "POST")
def claimant_leave(request, actor, screening):
    return claimant.leave(request, actor, screening)


@screening_page("GET")
def check(request, actor, screening):
    ruleset, translation_ = _texts(screening)
    questionnaire = ruleset.questionnaire
    mode = iv.mode_for(screening.respondent)
    answers = screening.answers
    asked_in_mode = {q.id for q in iv.all_questions_in_order(questionnaire, answers, mode)}
    from_profile = provenance_views(screening) if mode == iv.CASEWORKER else {}
    defaults = {qid: e["value"] for qid, e in screening_provenance(screening).items() if qid not in answers}
    shown = {**answers, **{qid: v for qid, v in defaults.items() if qid in from_profile}}
    listed = [q for q in iv.all_questions_in_order(questionnaire, shown, iv.CASEWORKER) if q.id in shown]
    # A default may fill a question that only might apply (its condition is still unknown): listed all the same.
    listed += [q for q in questionnaire.questions if q.id in shown and q not in listed]
    sections = []
    for section_ in questionnaire.sections:
        rows = []
        for question_ in (q for q in listed if q.section == section_["id"]):
            texts = translation_.question(question_)
            if question_.id not in asked_in_mode:
                change_url = None
            elif mode == iv.CLAIMANT:
                change_url = _url("question", screening, question_.id, returning=True)
            else:
                change_url = _url(
                    "section", screening, section_["id"], returning=True, anchor=f"question-{question_.id}"
                )
            rows.append(
                {
                    "id": question_.id,
                    "prompt": texts["caseworker_prompt"] if mode == iv.CASEWORKER else texts["prompt"],
                    "lines": answer_lines(question_, shown[question_.id], translation=translation_, mode=mode),
                    "change_url": change_url,
                    "provenance": from_profile.get(question_.id),
                }
            )
        if rows:
            sections.append({"id": section_["id"], "title": _section_title(translation_, section_), "rows": rows})
    locked = claimant.locked_screening_id(request) is not None
    outcomes = []  # never in claimant mode: which answers make a ground strong is for the caseworker
    stored = (
        []
        if locked
        else sorted(
            (screening.assessment or {}).get("outcomes", []),
            key=lambda o: (iv.STRENGTH_ORDER.get(o.get("strength"), 9), o["id"]),
        )
    )
    for outcome in stored:
        known = ruleset.outcomes.get(outcome["id"])
        outcomes.append(
            {
                "id": outcome["id"],
                "title": translation_.outcome(known)["title"] if known else outcome.get("title", outcome["id"]),
                "strength": outcome["strength"],
                "strength_label": STRENGTH_LABELS.get(outcome["strength"], outcome["strength"]),
            }
        )
    unanswered = sum(1 for qid in asked_in_mode if qid not in answers)
    # warnings are the caseworker's to confirm: a claimant's Check your answers shows answers only
    warnings = [] if mode == iv.CLAIMANT else contradictions.warnings_for(screening, translation_, ruleset=ruleset)
    _record_view(actor, screening, "check")
    return render(
        request,
        "web/check.html",
        {
            "screening": screening,
            "reference_label": _reference_label(screening),
            "sections": sections,
            "outcomes": outcomes,
            "unanswered": unanswered,
            "warnings": warnings,
            "warnings_unconfirmed": [w for w in warnings if not w["confirmed"]],
            "required_missing": [
                translation_.question(q)["caseworker_prompt"]
                for q in questionnaire.questions
                if q.required and q.id not in answers
            ],
            "tasks_url": reverse("web:tasks", args=[screening.id]),
            "result_url": result_url(screening),
            "disclaimer": DISCLAIMER,
            "claimant_mode": mode == iv.CLAIMANT,
            "locked": locked,
            "end_url": reverse("web:claimant-end", args=[screening.id]),
            "handover_url": reverse("web:handover", args=[screening.id]),
        },
    )
