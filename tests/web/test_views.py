"""The caseworker web interview's pages: access, rendering, saving, errors, navigation, prefill, conflicts."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

import rules
from screening import interview as iv
from screening import services
from screening.auth import Actor
from screening.models import AuditAction, AuditEvent, Screening
from screening.selectors import active_ruleset
from screening.web import views

PASSWORD = "a-long-test-password"


# ---- shared fixtures and helpers (test_journeys.py imports these) ------------------------------------------


@pytest.fixture
def organisation(db):
    return services.organisation_create(name="Helping Hands")


@pytest.fixture
def member(organisation):
    return services.user_create(organisation=organisation, username="casey", password=PASSWORD)


@pytest.fixture
def actor(organisation, member):
    return Actor(organisation=organisation, user=member)


@pytest.fixture
def client_in(member):
    client = Client()
    client.force_login(member)
    return client


def make_screening(actor, answers=None, **fields) -> Screening:
    return services.screening_create(actor=actor, answers=answers or {}, **fields)


def post_value(question, value) -> dict:
    """The form fields a browser sends for one answer."""
    if question.type == "boolean":
        return {question.id: "true" if value else "false"}
    if question.type == "date":
        year, month, day = value.split("-")
        return {f"{question.id}-day": day, f"{question.id}-month": month, f"{question.id}-year": year}
    if question.type == "multi_choice":
        return {question.id: list(value)}
    return {question.id: str(value)}


def form_data(answers: dict, version: int, questions=None) -> dict:
    """POST data for a page: every given answer (a page reads only its own fields) and the version read."""
    questionnaire = active_ruleset().questionnaire
    data: dict = {"version": str(version)}
    for qid, value in answers.items():
        if questions is None or qid in questions:
            data.update(post_value(questionnaire.by_id[qid], value))
    return data


def html(response) -> str:
    return response.content.decode()


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", html(response), re.S).group(1).strip()


def h1_count(response) -> int:
    return len(re.findall(r"<h1[ >]", html(response)))


def screening_urls(screening_id) -> list[str]:
    return [
        reverse("web:case-start", args=[screening_id]),
        reverse("web:tasks", args=[screening_id]),
        reverse("web:section", args=[screening_id, "profile"]),
        reverse("web:question", args=[screening_id, "country_of_origin"]),
        reverse("web:check", args=[screening_id]),
    ]


# ---- access ------------------------------------------------------------------------------------------------


def test_every_page_renders_for_a_member_with_one_h1(client_in, actor):
    caseworker = make_screening(actor, {"country_of_origin": "RU"}, reference="CW-1")
    claimant = make_screening(actor, {"country_of_origin": "RU"}, reference="CL-1", respondent="claimant")
    urls = [
        reverse("web:case-list"),
        reverse("web:case-new"),
        *screening_urls(caseworker.id)[:3],
        reverse("web:check", args=[caseworker.id]),
        reverse("web:question", args=[claimant.id, "country_of_origin"]),
        reverse("web:check", args=[claimant.id]),
    ]
    for url in urls:
        response = client_in.get(url)
        assert response.status_code == 200, url
        assert h1_count(response) == 1, url
        page = html(response)
        assert '<html lang="en">' in page
        assert 'href="#main"' in page and 'id="main"' in page  # skip link
        assert 'action="/i18n/setlang/"' in page or '/language/"' in page  # the language switcher
        assert "Русский" in page and "Українська" in page


def test_signed_out_visitors_are_sent_to_sign_in(db, actor):
    screening = make_screening(actor)
    client = Client()
    for url in [reverse("web:case-list"), reverse("web:case-new"), *screening_urls(screening.id)]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("web:login") + "?next=")


def test_a_user_without_an_organisation_is_refused(db, actor):
    screening = make_screening(actor)
    user = get_user_model().objects.create_user(username="nobody", password=PASSWORD)
    client = Client()
    client.force_login(user)
    for url in [reverse("web:case-list"), reverse("web:case-new"), *screening_urls(screening.id)]:
        assert client.get(url).status_code == 403, url


def test_another_organisations_screening_does_not_exist(client_in, db):
    other = services.organisation_create(name="Elsewhere")
    theirs = make_screening(Actor(organisation=other), {"country_of_origin": "RU"})
    for url in screening_urls(theirs.id):
        assert client_in.get(url).status_code == 404, url
        assert client_in.post(url, {"version": "1", "country_of_origin": "DE"}).status_code == 404, url
    assert client_in.get(screening_urls(uuid.uuid4())[0]).status_code == 404
    theirs.refresh_from_db()
    assert theirs.answers == {"country_of_origin": "RU"} and theirs.version == 1


def test_a_post_without_the_csrf_token_is_refused(member, actor):
    screening = make_screening(actor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("web:section", args=[screening.id, "profile"]), {"version": "1", "age": "30"})
    assert response.status_code == 403
    screening.refresh_from_db()
    assert screening.answers == {}


def test_pages_that_only_show_refuse_other_methods(client_in, actor):
    screening = make_screening(actor)
    assert client_in.post(reverse("web:tasks", args=[screening.id])).status_code == 405
    assert client_in.post(reverse("web:case-list")).status_code == 405


# ---- sign in and out ---------------------------------------------------------------------------------------


def test_sign_in_goes_to_the_case_list_and_sign_out_is_a_post(member):
    client = Client()
    assert f'href="{reverse("web:login")}"' in html(client.get("/"))  # the header offers to sign in
    response = client.get(reverse("web:login"))
    assert response.status_code == 200 and h1_count(response) == 1
    assert 'for="id_username"' in html(response) and 'autocomplete="current-password"' in html(response)
    response = client.post(reverse("web:login"), {"username": "casey", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:case-list")
    assert client.get(reverse("web:case-list")).status_code == 200
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    assert client.get(reverse("web:case-list")).status_code == 302


def test_a_failed_sign_in_shows_the_error_summary(member):
    response = Client().post(reverse("web:login"), {"username": "casey", "password": "wrong"})
    assert response.status_code == 200
    assert title(response).startswith("Error:")
    assert 'class="error-summary"' in html(response) and 'href="#id_username"' in html(response)
    response = Client().post(reverse("web:login"), {"username": "", "password": ""})
    assert "Enter your username" in html(response) and 'href="#id_password"' in html(response)


# ---- case list and a new screening -------------------------------------------------------------------------


def test_case_list_shows_the_organisations_screenings_only(client_in, actor):
    ours = make_screening(
        actor, {"country_of_origin": "RU", "military_situation": "deserted_or_awol"}, reference="NGO-2026-001"
    )
    other = services.organisation_create(name="Elsewhere")
    make_screening(Actor(organisation=other), reference="THEIRS-1")
    page = html(client_in.get(reverse("web:case-list")))
    assert "NGO-2026-001" in page and "THEIRS-1" not in page
    assert reverse("web:tasks", args=[ours.id]) in page
    assert "Russia" in page and "Draft" in page
    assert "Start a new screening" in page and reverse("web:case-new") in page
    strongest = iv.strongest_outcome(ours.assessment)
    title_ = active_ruleset().outcomes[strongest["id"]].title
    assert escape(title_) in page
    assert str(views.STRENGTH_LABELS[strongest["strength"]]) in page


def test_strongest_outcome_prefers_strength_then_id():
    assessment = {
        "outcomes": [
            {"id": "flag_sur_place", "category": "flag", "strength": "strong"},
            {"id": "b_ground", "category": "convention_ground", "strength": "arguable"},
            {"id": "a_act", "category": "persecution_act", "strength": "arguable"},
            {"id": "c_sp", "category": "subsidiary_protection", "strength": "needs_information"},
        ]
    }
    assert iv.strongest_outcome(assessment)["id"] == "a_act"
    assert iv.strongest_outcome({"outcomes": assessment["outcomes"][:1]}) is None
    assert iv.strongest_outcome(None) is None


def test_case_list_search_and_pagination(client_in, actor, organisation):
    Screening.objects.bulk_create(
        [Screening(organisation=organisation, reference=f"BULK-{i:03d}") for i in range(views.PAGE_SIZE + 5)]
    )
    make_screening(actor, reference="Needle-42")
    first = html(client_in.get(reverse("web:case-list")))
    assert first.count('<th scope="row">') == views.PAGE_SIZE
    assert "Page 1 of 2" in first and "page=2" in first
    second = html(client_in.get(reverse("web:case-list"), {"page": 2}))
    assert second.count('<th scope="row">') == 6
    found = html(client_in.get(reverse("web:case-list"), {"q": "needle"}))
    assert found.count('<th scope="row">') == 1 and "Needle-42" in found
    none = html(client_in.get(reverse("web:case-list"), {"q": "nothing-like-this"}))
    assert "No screening has a reference containing that text." in none


def test_new_screening_is_created_and_its_language_activated(client_in, organisation):
    response = client_in.post(
        reverse("web:case-new"), {"reference": " NGO-7 ", "language": "ru", "respondent": "claimant"}
    )
    screening = Screening.objects.get(organisation=organisation)
    # answered by the claimant: the device is handed over (claimant mode, tests/web/test_claimant_mode.py)
    handover = reverse("web:claimant-handover", args=[screening.id])
    assert response.status_code == 302 and response["Location"] == handover
    assert (screening.reference, screening.language, screening.respondent) == ("NGO-7", "ru", "claimant")
    assert screening.answers == {} and screening.assessment is not None
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = client_in.get(response["Location"])
    assert '<html lang="ru">' in html(page)
    assert AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.CREATED).count() == 1


def test_new_screening_form_errors(client_in, organisation):
    response = client_in.post(reverse("web:case-new"), {"reference": "x" * 101, "language": "en"})
    assert response.status_code == 200
    assert title(response).startswith("Error:")
    page = html(response)
    assert 'href="#id_reference"' in page and 'href="#id_respondent_0"' in page
    assert 'id="id_respondent_0"' in page and 'id="id_reference"' in page
    assert "Select who is answering the questions." in page
    assert not Screening.objects.filter(organisation=organisation).exists()


# ---- start page and task list ------------------------------------------------------------------------------


def test_the_disclaimer_is_the_rules_disclaimer():
    assert str(views.DISCLAIMER) == rules.DISCLAIMER


def test_start_page(client_in, actor):
    screening = make_screening(actor, reference="NGO-1")
    page = html(client_in.get(reverse("web:case-start", args=[screening.id])))
    assert "NGO-1" in page and rules.DISCLAIMER in page
    assert "About 10 minutes" in page and "audit trail" in page and "retention period" in page
    assert reverse("web:tasks", args=[screening.id]) in page and "Start now" in page
    claimant = make_screening(actor, respondent="claimant")
    page = html(client_in.get(reverse("web:case-start", args=[claimant.id])))
    assert "15 to 25 minutes" in page and "Your answers" in page


def test_task_list_statuses_and_links(client_in, actor):
    screening = make_screening(actor, {"country_of_origin": "RU"})
    response = client_in.get(reverse("web:tasks", args=[screening.id]))
    page = html(response)
    statuses = iv.section_statuses(active_ruleset().questionnaire, screening.answers, iv.CASEWORKER)
    completed, needed = iv.completed_count(statuses)
    assert f"You have completed {completed} of {needed} sections." in page
    assert needed == sum(1 for _, s in statuses if s != iv.NOT_NEEDED)
    assert "In progress" in page and "Cannot start yet" in page and "Not started" in page
    assert reverse("web:section", args=[screening.id, "profile"]) in page
    assert reverse("web:section", args=[screening.id, "service_conditions"]) not in page  # cannot start yet
    assert reverse("web:check", args=[screening.id]) in page
    assert f"/cases/{screening.id}/result/" in page


def test_task_list_counts_completed_sections_and_leaves_out_those_not_needed(client_in, actor):
    ruleset = active_ruleset()
    answers = {"military_situation": "none_of_these", "has_served": False}
    screening = make_screening(actor, answers, respondent="claimant")
    statuses = iv.section_statuses(ruleset.questionnaire, screening.answers, iv.CLAIMANT)
    assert ("military_status", iv.COMPLETED) in [(s["id"], st) for s, st in statuses]
    completed, needed = iv.completed_count(statuses)
    assert completed == 1 and needed < len(statuses)
    page = html(client_in.get(reverse("web:tasks", args=[screening.id])))
    assert f"You have completed 1 of {needed} sections." in page and "Not needed" in page
    # claimant mode: a section's link opens its first unanswered question
    assert reverse("web:question", args=[screening.id, "country_of_origin"]) in page


# ---- question pages ----------------------------------------------------------------------------------------


def test_section_page_shows_each_question_as_a_field(client_in, actor):
    screening = make_screening(actor, {"has_other_nationality": True})
    page = html(client_in.get(reverse("web:section", args=[screening.id, "profile"])))
    questionnaire = active_ruleset().questionnaire
    for question in iv.section_questions(questionnaire, screening.answers, "profile", iv.CASEWORKER):
        assert f'id="{iv.field_id(question)}"' in page, question.id
        assert escape(question.caseworker_prompt) in page
    shown = iv.section_questions(questionnaire, screening.answers, "profile", iv.CASEWORKER)
    grouped = [q for q in shown if q.type in ("boolean", "single_choice", "multi_choice")]
    assert page.count("<fieldset") == len(grouped)  # choice questions; the others have a label
    assert '<label class="label label--m" for="q-age">' in page
    assert 'inputmode="numeric"' in page
    assert '<option value="">Select a country</option>' in page
    countries = re.findall(
        r'<option value="([A-Z]{2})"', page.split('id="q-country_of_origin"')[1].split("</select>")[0]
    )
    assert len(countries) == len(rules.countries.COUNTRIES)
    assert 'value="prefer_not_to_say"' in page  # gender, religion, lgbtiq offer it
    assert 'aria-describedby="q-age-hint"' in page
    assert '<input type="hidden" name="version" value="1">' in page
    assert 'value="true" checked' in page  # the saved answer is shown


def test_multi_choice_checkboxes_separate_exclusive_options(client_in, actor):
    screening = make_screening(actor, {"military_situation": "summoned_did_not_report", "has_served": True})
    page = html(client_in.get(reverse("web:section", args=[screening.id, "service_conditions"])))
    block = page.split('id="question-ill_treatment_in_service"')[1].split("</fieldset>")[0]
    assert 'type="checkbox"' in block
    assert block.index('class="checkboxes__divider"') < block.index('value="none"')
    assert 'value="none" data-exclusive' in block


def test_date_question_is_three_inputs_in_a_fieldset(client_in, actor):
    screening = make_screening(actor, {"date_left_country": "2022-09-27"}, respondent="claimant")
    response = client_in.get(reverse("web:question", args=[screening.id, "date_left_country"]))
    page = html(response)
    block = page.split('id="question-date_left_country"')[1]
    assert "<fieldset" in block.split('id="q-date_left_country-day"')[0]
    for part, value in (("day", "27"), ("month", "9"), ("year", "2022")):
        assert f'name="date_left_country-{part}"' in block
        assert f'id="q-date_left_country-{part}"' in block
        assert f'value="{value}"' in block
    assert re.search(r"<legend[^>]*>\s*<h1", page)  # claimant mode: the question is the page's heading


def test_claimant_single_input_question_has_the_label_as_heading(client_in, actor):
    screening = make_screening(actor, respondent="claimant")
    response = client_in.get(reverse("web:question", args=[screening.id, "age"]))
    assert h1_count(response) == 1
    assert re.search(r'<h1 class="label-wrapper"><label [^>]*for="q-age"', html(response))
    assert "How old are you now?" in html(response)  # claimant wording
    assert "How old are you now?" in title(response)


def test_an_unreadable_answer_is_not_saved_and_the_others_are(client_in, actor):
    screening = make_screening(actor)
    url = reverse("web:section", args=[screening.id, "profile"])
    response = client_in.post(
        url, {"version": "1", "country_of_origin": "RU", "age": "nineteen", "gender": "male", "ethnic_minority": "true"}
    )
    assert response.status_code == 200
    assert title(response).startswith("Error:")
    page = html(response)
    opening = re.search(r'<div class="error-summary"[^>]*>', page).group(0)
    assert 'role="alert"' in opening and 'tabindex="-1"' in opening and "autofocus" in opening
    summary = page.split(opening)[1].split("</div>")[0]
    assert "<h2" in summary and "There is a problem" in summary
    assert '<a href="#q-age">Enter a whole number, like 19.</a>' in summary
    assert page.index(opening) < page.index("<h1")  # at the top
    assert 'id="q-age-error"' in page and 'aria-describedby="q-age-hint q-age-error"' in page
    assert 'value="nineteen"' in page  # what was typed is shown again
    assert 'name="ethnic_group_name"' in page  # the saved answer made a follow-up appear
    screening.refresh_from_db()
    assert screening.answers == {"country_of_origin": "RU", "gender": "male", "ethnic_minority": True}
    assert f'name="version" value="{screening.version}"' in page
    assert "nineteen" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_an_error_on_a_claimant_question_page(client_in, actor):
    screening = make_screening(actor, respondent="claimant")
    url = reverse("web:question", args=[screening.id, "age"])
    response = client_in.post(url, {"version": "1", "age": "nineteen"})
    assert title(response).startswith("Error:") and 'href="#q-age"' in html(response)
    screening.refresh_from_db()
    assert screening.answers == {} and screening.version == 1


def test_continue_without_answers_is_allowed(client_in, actor):
    screening = make_screening(actor, respondent="claimant")
    response = client_in.post(reverse("web:question", args=[screening.id, "country_of_origin"]), {"version": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:question", args=[screening.id, "has_other_nationality"])
    screening.refresh_from_db()
    assert screening.version == 1  # nothing to save


def test_emptying_a_field_removes_the_answer(client_in, actor):
    screening = make_screening(actor, {"ethnic_minority": True, "ethnic_group_name": "Buryat", "age": 30})
    url = reverse("web:section", args=[screening.id, "profile"])
    client_in.post(url, {"version": "1", "shown": ["ethnic_group_name", "age"], "ethnic_group_name": "", "age": ""})
    screening.refresh_from_db()
    assert screening.answers == {"ethnic_minority": True}
    # a field the form did not show is never emptied
    client_in.post(url, {"version": "2", "shown": ["age"], "ethnic_group_name": "", "age": "30"})
    screening.refresh_from_db()
    assert screening.answers == {"ethnic_minority": True, "age": 30}


def test_caseworker_continue_shows_new_follow_ups_then_the_next_section(client_in, actor):
    screening = make_screening(actor)
    url = reverse("web:section", args=[screening.id, "profile"])
    response = client_in.post(url, {"version": "1", "country_of_origin": "RU", "has_other_nationality": "true"})
    assert response["Location"] == url + "#follow-ups"
    page = html(client_in.get(url))
    assert 'id="question-other_nationality_country"' in page
    banner = page.split('id="follow-ups"')[1].split("</div>\n</div>")[0]
    assert 'role="region"' in page.split('id="follow-ups"')[0][-80:] + page.split('id="follow-ups"')[1][:40]
    assert "Your answers added 2 questions to this page:" in banner
    assert '<a class="notification-banner__link" href="#question-other_nationality_country">' in banner
    assert 'href="#question-coi_other_nationality_protection"' in banner
    assert 'id="follow-ups"' not in html(client_in.get(url))  # said once
    response = client_in.post(url, {"version": "2", "other_nationality_country": "KZ"})
    assert response["Location"] == reverse("web:section", args=[screening.id, "military_status"])
    screening.refresh_from_db()
    assert screening.answers == {
        "country_of_origin": "RU",
        "has_other_nationality": True,
        "other_nationality_country": "KZ",
    }


def test_the_last_section_goes_to_check_your_answers(client_in, actor):
    screening = make_screening(actor)
    response = client_in.post(
        reverse("web:section", args=[screening.id, "journey_and_timing"]), {"version": "1", "exit_manner": "legal_exit"}
    )
    assert response["Location"] == reverse("web:check", args=[screening.id])


def test_claimant_continue_goes_to_the_next_unanswered_question_then_check_your_answers(client_in, actor):
    ruleset = active_ruleset()
    answers = {q.id: None for q in ruleset.questionnaire.questions}
    screening = make_screening(actor, {"country_of_origin": "RU"}, respondent="claimant")
    response = client_in.post(reverse("web:question", args=[screening.id, "host_country"]), {"version": "1"})
    assert response["Location"] == reverse("web:question", args=[screening.id, "age"])
    last = iv.all_questions_in_order(ruleset.questionnaire, screening.answers, iv.CLAIMANT)[-1]
    assert answers  # every question id is known
    response = client_in.post(reverse("web:question", args=[screening.id, last.id]), {"version": "1"})
    assert response["Location"] == reverse("web:check", args=[screening.id])


def test_back_links(client_in, actor):
    claimant = make_screening(actor, {"has_other_nationality": True}, respondent="claimant")
    first = html(client_in.get(reverse("web:question", args=[claimant.id, "country_of_origin"])))
    assert f'<a class="back-link" href="{reverse("web:tasks", args=[claimant.id])}">' in first
    follow_up = html(client_in.get(reverse("web:question", args=[claimant.id, "other_nationality_country"])))
    assert f'<a class="back-link" href="{reverse("web:question", args=[claimant.id, "has_other_nationality"])}">' in (
        follow_up
    )
    host = html(client_in.get(reverse("web:question", args=[claimant.id, "host_country"])))
    assert reverse("web:question", args=[claimant.id, "other_nationality_country"]) + '">Back' in host
    returning = html(client_in.get(reverse("web:question", args=[claimant.id, "age"]) + "?return=check"))
    assert f'<a class="back-link" href="{reverse("web:check", args=[claimant.id])}">' in returning
    caseworker = make_screening(actor)
    page = html(client_in.get(reverse("web:section", args=[caseworker.id, "military_status"])))
    assert f'<a class="back-link" href="{reverse("web:tasks", args=[caseworker.id])}">' in page


def test_return_to_check_your_answers(client_in, actor):
    claimant = make_screening(actor, {"age": 30}, respondent="claimant")
    response = client_in.post(
        reverse("web:question", args=[claimant.id, "age"]) + "?return=check", {"version": "1", "age": "31"}
    )
    assert response["Location"] == reverse("web:check", args=[claimant.id])
    caseworker = make_screening(actor, {"age": 30})
    url = reverse("web:section", args=[caseworker.id, "profile"]) + "?return=check"
    response = client_in.post(url, {"version": "1", "age": "31"})
    assert response["Location"] == reverse("web:check", args=[caseworker.id])
    # new follow-ups are asked first, still on the way back to Check your answers
    response = client_in.post(url, {"version": "2", "has_other_nationality": "true"})
    assert response["Location"] == url + "#follow-ups"


def test_questions_not_asked_now_redirect_to_the_task_list(client_in, actor):
    claimant = make_screening(actor, {"military_situation": "summoned_did_not_report"}, respondent="claimant")
    tasks = reverse("web:tasks", args=[claimant.id])
    for qid in ("coi_evaders_treated_as_disloyal", "other_nationality_country"):  # caseworker-only; not shown
        assert client_in.get(reverse("web:question", args=[claimant.id, qid]))["Location"] == tasks
        response = client_in.post(reverse("web:question", args=[claimant.id, qid]), {"version": "1", qid: "yes"})
        assert response["Location"] == tasks
    assert client_in.get(reverse("web:question", args=[claimant.id, "no_such_question"])).status_code == 404
    assert client_in.get(reverse("web:section", args=[claimant.id, "no_such_section"])).status_code == 404
    # modes: a claimant's section link opens its first question; a caseworker's question link opens its section
    response = client_in.get(reverse("web:section", args=[claimant.id, "profile"]))
    assert response["Location"] == reverse("web:question", args=[claimant.id, "country_of_origin"])
    caseworker = make_screening(actor)
    response = client_in.get(reverse("web:question", args=[caseworker.id, "age"]))
    assert response["Location"] == reverse("web:section", args=[caseworker.id, "profile"]) + "#question-age"
    response = client_in.get(reverse("web:section", args=[caseworker.id, "service_conditions"]))
    assert response["Location"] == reverse("web:tasks", args=[caseworker.id])
    claimant.refresh_from_db()
    assert claimant.version == 1


def test_changing_has_served_to_no_and_back_restores_the_service_answers(client_in, actor):
    served = {
        "has_served": True,
        "rank_level": "nco",
        "roles_in_service": ["medical"],
        "deployed_to_conflict_zone": False,
    }
    screening = make_screening(actor, {"military_situation": "deserted_or_awol", **served})
    url = reverse("web:section", args=[screening.id, "military_status"])
    page = html(client_in.get(url))
    assert 'name="rank_level"' in page
    data = form_data({"military_situation": "deserted_or_awol", **served, "has_served": False}, 1)
    client_in.post(url, data)
    screening.refresh_from_db()
    assert screening.answers == {"military_situation": "deserted_or_awol", "has_served": False}
    assert screening.set_aside_answers == {k: v for k, v in served.items() if k != "has_served"}
    assert 'name="rank_level"' not in html(client_in.get(url))
    response = client_in.post(url, {"version": "2", "military_situation": "deserted_or_awol", "has_served": "true"})
    screening.refresh_from_db()
    assert screening.answers == {"military_situation": "deserted_or_awol", **served}
    assert screening.set_aside_answers == {}
    assert response["Location"] == reverse("web:section", args=[screening.id, "service_conditions"])
    page = html(client_in.get(url))
    assert 'value="nco" checked' in page


@pytest.fixture
def profiles(db):
    services.country_profiles_load()


def test_coi_prefill_shows_its_source_and_date_and_is_saved_only_on_continue(client_in, actor, profiles):
    from screening.models import CountryProfile

    values = CountryProfile.objects.get(code="RU").values
    screening = make_screening(actor, {"country_of_origin": "RU", "military_situation": "summoned_did_not_report"})
    url = reverse("web:section", args=[screening.id, "conflict"])
    page = html(client_in.get(url))
    suggested = values["home_area_violence_level"]
    block = page.split('id="question-home_area_violence_level"')[1].split("</fieldset>")[0]
    assert "Suggested from the country profile:" in block
    for source in suggested["sources"]:  # each source: title, publisher and date, in the long format
        assert escape(source["title"]) in block and escape(source["publisher"]) in block
        year, month, day = source["date"].split("-")
        assert re.search(rf"{int(day)} \w+ {year}", block)
    assert f'value="{suggested["value"]}" checked' in block
    assert 'aria-describedby="q-home_area_violence_level-prefill"' in block or "-prefill" in block
    screening.refresh_from_db()
    assert "home_area_violence_level" not in screening.answers and screening.version == 1
    # the caseworker changes one suggestion and accepts the other
    response = client_in.post(
        url,
        {
            "version": "1",
            "armed_conflict_involvement": values["armed_conflict_involvement"]["value"],
            "home_area_violence_level": "unknown",
        },
    )
    screening.refresh_from_db()
    assert screening.answers["armed_conflict_involvement"] == values["armed_conflict_involvement"]["value"]
    assert screening.answers["home_area_violence_level"] == "unknown"
    assert response["Location"] == url + "#follow-ups"
    assert 'href="#question-coi_use_of_force_unlawful"' in html(client_in.get(url))
    page = html(client_in.get(url))
    assert 'id="q-home_area_violence_level-prefill"' not in page  # answered: no suggestion any more
    assert 'id="q-coi_use_of_force_unlawful-prefill"' in page  # the new follow-up is suggested too


def test_a_version_conflict_keeps_the_submitted_answers(client_in, actor):
    screening = make_screening(actor)
    url = reverse("web:section", args=[screening.id, "profile"])
    assert 'name="version" value="1"' in html(client_in.get(url))
    services.screening_save_answers(actor=actor, screening=screening, answers={"age": 40})  # someone else
    response = client_in.post(url, {"version": "1", "age": "41", "country_of_origin": "UA"})
    assert response.status_code == 200
    page = html(response)
    assert "Someone else changed this screening" in page
    assert 'value="41"' in page and '<option value="UA" selected' in page
    assert 'name="version" value="2"' in page
    screening.refresh_from_db()
    assert screening.answers == {"age": 40} and screening.version == 2
    client_in.post(url, {"version": "2", "age": "41", "country_of_origin": "UA"})
    screening.refresh_from_db()
    assert screening.answers == {"age": 41, "country_of_origin": "UA"}


def test_a_version_conflict_lists_the_answers_the_other_person_changed(client_in, actor):
    screening = make_screening(actor, {"age": 30, "gender": "male"})
    url = reverse("web:section", args=[screening.id, "profile"])
    seen = re.search(r'name="seen" value="([^"]*)"', html(client_in.get(url))).group(1)
    seen = seen.replace("&quot;", '"')
    services.screening_save_answers(  # someone else, meanwhile
        actor=actor, screening=screening, answers={"age": 40, "country_of_origin": "RU"}, expected_version=1
    )
    response = client_in.post(url, {"version": "1", "seen": seen, "age": "41", "gender": "male"})
    page = html(response)
    changes = page.split("Answers the other person changed")[1].split("</dl>")[0]
    age = changes.split("How old is the person now?")[1].split("</dd>")[0]
    assert "Before:</span> 30" in age and "Now:</span> 40" in age
    country = changes.split("</dt>")[1:]
    assert any("Before:</span> Not answered" in c and "Now:</span> Russia" in c for c in country)
    assert "gender" not in changes.lower() or "Male" not in changes  # unchanged answers are not listed
    screening.refresh_from_db()
    assert screening.answers == {"age": 40, "gender": "male", "country_of_origin": "RU"}  # nothing overwritten
    assert 'value="41"' in page  # what was typed is still there, to save with Continue


def test_a_missing_version_is_never_saved_blindly(client_in, actor):
    screening = make_screening(actor)
    response = client_in.post(reverse("web:section", args=[screening.id, "profile"]), {"age": "41"})
    assert "Someone else changed this screening" in html(response)
    screening.refresh_from_db()
    assert screening.answers == {}


def test_check_your_answers(client_in, actor):
    answers = {
        "country_of_origin": "RU",
        "has_other_nationality": False,
        "age": 33,
        "gender": "male",
        "military_situation": "summoned_did_not_report",
        "date_left_country": "2022-09-27",
        "feared_consequences": ["criminal_prosecution", "imprisonment"],
    }
    screening = make_screening(actor, answers, reference="NGO-9")
    response = client_in.get(reverse("web:check", args=[screening.id]))
    page = html(response)
    assert h1_count(response) == 1
    for text in ("Russia", "No", "33", "Male", "27 September 2022", "Criminal prosecution", "Prison"):
        assert text in page, text
    change = reverse("web:section", args=[screening.id, "profile"]) + "?return=check#question-age"
    assert f'href="{change}"' in page
    assert "About the person" in page and "Consequences of return" in page
    assert "Armed conflict" not in page  # nothing answered there
    ruleset = active_ruleset()
    for outcome in screening.assessment["outcomes"]:
        assert escape(ruleset.outcomes[outcome["id"]].title) in page
    assert f"/cases/{screening.id}/result/" in page
    claimant = make_screening(actor, answers, respondent="claimant")
    page = html(client_in.get(reverse("web:check", args=[claimant.id])))
    assert reverse("web:question", args=[claimant.id, "age"]) + "?return=check" in page
    assert "How old are you now?" in page


def test_check_your_answers_follows_changes(client_in, actor):
    screening = make_screening(actor, {"country_of_origin": "RU"})
    before = html(client_in.get(reverse("web:check", args=[screening.id]))).split("Provisional outcomes")[1]
    client_in.post(
        reverse("web:section", args=[screening.id, "military_status"]),
        {"version": "1", "military_situation": "deserted_or_awol"},
    )
    screening.refresh_from_db()
    after = html(client_in.get(reverse("web:check", args=[screening.id]))).split("Provisional outcomes")[1]
    assert before != after
    for outcome in screening.assessment["outcomes"]:
        assert escape(active_ruleset().outcomes[outcome["id"]].title) in after


def test_viewing_answers_is_audited_without_values(client_in, actor):
    screening = make_screening(actor, {"age": 33})
    client_in.get(reverse("web:section", args=[screening.id, "profile"]))
    client_in.get(reverse("web:check", args=[screening.id]))
    client_in.get(reverse("web:check", args=[screening.id]))  # every view, however soon after the last (D15)
    client_in.get(reverse("web:tasks", args=[screening.id]))
    events = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.VIEWED).order_by("id")
    assert [e.detail for e in events] == [{"page": p} for p in ("section:profile", "check", "check", "tasks")]
    assert all(e.actor_user == actor.user for e in events)
    client_in.post(reverse("web:section", args=[screening.id, "profile"]), {"version": "1", "age": "34"})
    changed = AuditEvent.objects.get(screening_id=screening.id, action=AuditAction.CHANGED)
    assert changed.detail == {"version": 2, "questions": ["age"]}


# ---- language ----------------------------------------------------------------------------------------------


def test_language_switcher_posts_to_set_language_and_comes_back(client_in, actor):
    # the caseworker's own pages: Django's set_language (the cookie)
    url = reverse("web:case-list")
    page = html(client_in.get(url))
    assert f'<input type="hidden" name="next" value="{url}">' in page
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="ru"' in page
    response = client_in.post(reverse("set_language"), {"language": "uk", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = html(client_in.get(url))
    assert '<html lang="uk">' in page
    assert 'aria-current="true" lang="uk"' in page


def test_interview_pages_use_the_screenings_language_and_the_switcher_changes_it(client_in, actor):
    screening = make_screening(actor, language="ru")
    url = reverse("web:tasks", args=[screening.id])
    client_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"  # the caseworker's own language
    page = html(client_in.get(url))
    assert '<html lang="ru">' in page  # reopened: the screening's language, not the cookie's
    switch = reverse("web:interview-language", args=[screening.id])
    assert f'action="{switch}"' in page and f'<input type="hidden" name="next" value="{url}">' in page
    assert '<html lang="uk">' in html(client_in.get(reverse("web:case-list")))  # the caseworker's pages
    response = client_in.post(switch, {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    screening.refresh_from_db()
    assert screening.language == "en"
    assert '<html lang="en">' in html(client_in.get(url))
    assert '<html lang="uk">' in html(client_in.get(reverse("web:case-list")))
    # an unknown language or a foreign "next" changes nothing and goes back to the task list
    response = client_in.post(switch, {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == url
    screening.refresh_from_db()
    assert screening.language == "en"


def test_question_texts_follow_the_active_language(client_in, actor):
    from rules.translations import translation_for

    screening = make_screening(actor, respondent="claimant", language="uk")
    client_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"  # the screening's language wins on its pages
    page = html(client_in.get(reverse("web:question", args=[screening.id, "gender"])))
    texts = translation_for(active_ruleset(), "uk").question(active_ruleset().questionnaire.by_id["gender"])
    assert escape(texts["prompt"]) in page
    for option in texts["options"].values():
        assert escape(option["label"]) in page
    assert '<html lang="uk">' in page


def test_no_answer_values_in_redirects(client_in, actor):
    screening = make_screening(actor, respondent="claimant")
    response = client_in.post(reverse("web:question", args=[screening.id, "age"]), {"version": "1", "age": "57"})
    assert response["Location"] == reverse("web:question", args=[screening.id, "gender"])  # ids only, no values


def test_a_change_from_check_your_answers_asks_new_follow_ups_first(client_in, actor):
    screening = make_screening(actor, {"has_other_nationality": False}, respondent="claimant")
    url = reverse("web:question", args=[screening.id, "has_other_nationality"]) + "?return=check"
    response = client_in.post(url, {"version": "1", "has_other_nationality": "true"})
    follow_up = reverse("web:question", args=[screening.id, "other_nationality_country"]) + "?return=check"
    assert response["Location"] == follow_up
    response = client_in.post(follow_up, {"version": "2", "other_nationality_country": "KZ"})
    assert response["Location"] == reverse("web:check", args=[screening.id])


# ---- the interview logic the pages use (screening/interview.py) --------------------------------------------


def test_navigation_helpers(ruleset):
    questionnaire = ruleset.questionnaire
    assert iv.mode_for("claimant") == iv.CLAIMANT and iv.mode_for("caseworker") == iv.CASEWORKER
    answers = {"has_other_nationality": True}
    assert iv.previous_question(questionnaire, answers, iv.CLAIMANT, "country_of_origin") is None
    assert iv.previous_question(questionnaire, answers, iv.CLAIMANT, "host_country").id == "other_nationality_country"
    assert iv.previous_question(questionnaire, {}, iv.CLAIMANT, "host_country").id == "has_other_nationality"
    assert iv.asked_now(questionnaire, answers, "other_nationality_country", iv.CLAIMANT)
    assert not iv.asked_now(questionnaire, {}, "other_nationality_country", iv.CLAIMANT)
    assert not iv.asked_now(questionnaire, {}, "home_area_violence_level", iv.CLAIMANT)  # caseworker only
    assert iv.asked_now(questionnaire, {}, "home_area_violence_level", iv.CASEWORKER)
    assert not iv.asked_now(questionnaire, {}, "no_such_question", iv.CASEWORKER)
    assert iv.section_entry(questionnaire, {"country_of_origin": "RU"}, "profile", iv.CLAIMANT).id == (
        "has_other_nationality"
    )
    everything = {q.id: "x" for q in iv.section_questions(questionnaire, {}, "profile", iv.CLAIMANT)}
    assert iv.section_entry(questionnaire, everything, "profile", iv.CLAIMANT).id == "country_of_origin"
    assert iv.section_entry(questionnaire, {}, "service_conditions", iv.CLAIMANT) is None
    # military_status asks questions; service_conditions and conflict wait for military_situation / has_served
    assert iv.next_section(questionnaire, {}, iv.CASEWORKER, "profile") == "military_status"
    assert iv.next_section(questionnaire, {}, iv.CASEWORKER, "military_status") == "conflict"  # COI question
    assert iv.next_section(questionnaire, {}, iv.CLAIMANT, "military_status") == "consequences"
    assert iv.next_section(questionnaire, {}, iv.CASEWORKER, "journey_and_timing") is None
    new = iv.new_follow_ups(questionnaire, answers, "profile", iv.CASEWORKER, ["has_other_nationality"])
    assert "other_nationality_country" in [q.id for q in new]
    assert iv.new_questions(questionnaire, answers, iv.CLAIMANT, [q.id for q in questionnaire.questions]) == []
    assert [q.id for q in iv.new_questions(questionnaire, answers, iv.CLAIMANT, ["country_of_origin"])][:2] == [
        "other_nationality_country",  # has_other_nationality is answered
        "host_country",
    ]


def test_answers_patch(ruleset):
    by_id = ruleset.questionnaire.by_id
    questions = [by_id[q] for q in ("age", "gender", "ethnic_group_name", "country_of_origin")]
    answers = {"age": 30, "gender": "male", "ethnic_group_name": "Buryat", "country_of_origin": "RU"}
    parsed = {"age": 31, "gender": "male"}
    errors = [iv.FieldError("country_of_origin", "q-country_of_origin", "Select a country from the list.")]
    patch = iv.answers_patch(questions, answers, parsed, errors, shown=["age", "gender", "ethnic_group_name"])
    assert patch == {"age": 31, "ethnic_group_name": None}  # unchanged and failed fields left out
    assert iv.answers_patch(questions, answers, parsed, errors) == {"age": 31}  # nothing shown: nothing emptied
    statuses = [({"id": "a"}, iv.COMPLETED), ({"id": "b"}, iv.NOT_NEEDED), ({"id": "c"}, iv.IN_PROGRESS)]
    assert iv.completed_count(statuses) == (1, 2)


def test_ids_are_unique_and_every_reference_resolves(client_in, actor):
    from tests.conftest import load_public_cases

    answers = next(case for case in load_public_cases() if case["id"] == "pub-02")["answers"]
    caseworker = make_screening(actor, answers)
    claimant = make_screening(actor, answers, respondent="claimant")
    questionnaire = active_ruleset().questionnaire
    urls = [reverse("web:section", args=[caseworker.id, s["id"]]) for s in questionnaire.sections]
    urls += [reverse("web:question", args=[claimant.id, q.id]) for q in questionnaire.questions if q.id in answers]
    urls += [reverse(name, args=[caseworker.id]) for name in ("web:case-start", "web:tasks", "web:check")]
    urls += [reverse("web:case-list"), reverse("web:case-new")]
    for url in urls:
        response = client_in.get(url)
        if response.status_code == 302:  # a caseworker-only question of the claimant's screening
            continue
        page = html(response)
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), url
        references = [ref for refs in re.findall(r'aria-describedby="([^"]+)"', page) for ref in refs.split()]
        references += re.findall(r'href="#([^"]+)"', page) + re.findall(r'<label[^>]*\sfor="([^"]+)"', page)
        assert set(references) <= set(ids), url
        assert h1_count(response) == 1, url


def test_a_long_single_choice_is_a_select(ruleset):
    from django.template.loader import render_to_string

    from rules.model import Option, Question
    from rules.translations import translation_for
    from screening.web.forms import RADIOS_MAX_OPTIONS, question_field

    options = tuple(Option(f"o{i}", f"Option {i}") for i in range(RADIOS_MAX_OPTIONS + 1))
    question = Question(
        "long", "profile", "single_choice", "claimant", "Which one?", "", "Which one?", "", options=options
    )
    field = question_field(
        question, translation=translation_for(ruleset, "en"), language="en", mode=iv.CLAIMANT, value="o3"
    )
    assert field.widget == "select" and not field.grouped
    page = render_to_string("web/_field.html", {"field": field, "as_heading": True})
    assert f'<select class="select" id="{iv.field_id(question)}" name="long"' in page
    assert '<option value="o3" selected>Option 3</option>' in page
    assert f'<label class="label label--l" for="{iv.field_id(question)}"' in page


def test_a_claimant_screening_is_handed_over_to_the_caseworker(client_in, actor):
    screening = make_screening(
        actor, {"country_of_origin": "BY", "military_situation": "summoned_did_not_report"}, respondent="claimant"
    )
    check_page = html(client_in.get(f"/cases/{screening.id}/check/"))
    assert f'action="/cases/{screening.id}/handover/"' in check_page
    response = client_in.post(f"/cases/{screening.id}/handover/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{screening.id}/tasks/"
    screening.refresh_from_db()
    assert screening.respondent == "caseworker"
    assert screening.answers == {"country_of_origin": "BY", "military_situation": "summoned_did_not_report"}
    # the caseworker now gets the section pages, with the country-information questions
    page = html(client_in.get(f"/cases/{screening.id}/section/consequences/"))
    assert "coi_evaders_treated_as_disloyal" in page
    assert client_in.get(f"/cases/{screening.id}/handover/").status_code == 405


# ---- leaving a question page keeps what was typed (screening/web/leaving.py) --------------------------------


def test_header_buttons_on_a_question_page_belong_to_its_form(client_in, actor):
    screening = make_screening(actor)
    page = html(client_in.get(reverse("web:section", args=[screening.id, "profile"])))
    assert '<form method="post" id="answers-form" novalidate>' in page
    for value in ("cases", "sign-out", "language:ru", "language:uk", "tasks"):
        assert f'form="answers-form" name="leave" value="{value}"' in page, value
    assert f'href="{reverse("web:case-list")}"' not in page  # no plain link that would drop the typed answers
    other = html(client_in.get(reverse("web:tasks", args=[screening.id])))  # not a form page: plain links
    assert 'form="answers-form"' not in other and f'href="{reverse("web:case-list")}"' in other


@pytest.mark.parametrize(
    "leave, target",
    [("cases", "/cases/"), ("tasks", "tasks"), ("sign-out", "/accounts/login/"), ("language:uk", "here")],
)
def test_leaving_a_section_page_saves_what_was_typed_first(client_in, actor, leave, target):
    screening = make_screening(actor)
    url = reverse("web:section", args=[screening.id, "profile"])
    response = client_in.post(url, {"version": "1", "age": "41", "country_of_origin": "UA", "leave": leave})
    expected = {"tasks": reverse("web:tasks", args=[screening.id]), "here": url}.get(target, target)
    assert response.status_code == 302 and response["Location"] == expected
    screening.refresh_from_db()
    assert screening.answers == {"age": 41, "country_of_origin": "UA"}
    assert screening.language == ("uk" if leave == "language:uk" else "en")
    if leave == "language:uk":
        assert '<html lang="uk">' in html(client_in.get(url))
    if leave == "sign-out":
        assert client_in.get(reverse("web:case-list")).status_code == 302  # signed out


def test_leaving_with_an_unreadable_answer_stays_with_what_was_typed(client_in, actor):
    screening = make_screening(actor)
    url = reverse("web:section", args=[screening.id, "profile"])
    response = client_in.post(url, {"version": "1", "age": "nineteen", "gender": "male", "leave": "language:ru"})
    assert response.status_code == 200 and 'value="nineteen"' in html(response)
    screening.refresh_from_db()
    assert screening.answers == {"gender": "male"} and screening.language == "en"
    # a conflict: nothing saved, nothing left behind
    services.screening_save_answers(actor=actor, screening=screening, answers={"age": 50})
    response = client_in.post(url, {"version": "2", "age": "41", "leave": "cases"})
    assert response.status_code == 200 and "Someone else changed this screening" in html(response)
    screening.refresh_from_db()
    assert screening.answers["age"] == 50


def test_a_claimant_question_page_switches_language_after_saving(client_in, actor):
    screening = make_screening(actor, respondent="claimant", language="en")
    url = reverse("web:question", args=[screening.id, "age"])
    response = client_in.post(url, {"version": "1", "age": "33", "leave": "language:ru"})
    assert response["Location"] == url
    screening.refresh_from_db()
    assert screening.answers == {"age": 33} and screening.language == "ru"
