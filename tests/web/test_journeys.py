"""Whole journeys through the web interview, submitting forms the way a browser does (what a page shows, with
the user's changes), so prefilled suggestions, hidden fields and redirects are exercised as they are used."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from rules.translations import translation_for
from screening import interview as iv
from screening import services
from screening.models import AuditAction, AuditEvent, Screening
from screening.selectors import active_ruleset
from tests.conftest import load_public_cases
from tests.web.test_views import client_in, html, member, organisation, post_value  # noqa: F401  (fixtures)

# pub-50 answers every question that applies to it (1.1.0 added questions pub-02 leaves unanswered)
CASE = next(case for case in load_public_cases() if case["id"] == "pub-50")


class FormReader(HTMLParser):
    """The fields each <form> of a page would submit as it stands (checked boxes, selected options, values)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._select: str | None = None
        self._select_fields: list[tuple[str, str]] = []
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append([])
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.forms[-1].append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.forms[-1].append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select, self._select_fields, self._first_option = a.get("name"), [], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._select_fields.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.forms[-1].extend(self._select_fields or [(self._select, self._first_option or "")])
            self._select = None


def page_form(response) -> dict[str, list[str]]:
    """The interview form of a page (the one with the version field) as a browser would submit it unchanged."""
    reader = FormReader()
    reader.feed(html(response))
    form = next(fields for fields in reader.forms if any(name == "version" for name, _ in fields))
    data: dict[str, list[str]] = {}
    for name, value in form:
        data.setdefault(name, []).append(value)
    return data


def answer(data: dict[str, list[str]], question, value) -> None:
    """Change the form as a user would to give this answer."""
    for name, field_value in post_value(question, value).items():
        data[name] = field_value if isinstance(field_value, list) else [field_value]


def without_fragment(url: str) -> str:
    return url.split("#")[0]


def version_of(response) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html(response)).group(1))


@pytest.fixture
def profiles(db):
    services.country_profiles_load()


def test_caseworker_journey_over_every_section(client_in, organisation, profiles):  # noqa: F811
    ruleset = active_ruleset()
    questionnaire = ruleset.questionnaire
    expected = CASE["answers"]
    response = client_in.post(
        reverse("web:case-new"), {"reference": CASE["id"], "language": "en", "respondent": "caseworker"}
    )
    screening = Screening.objects.get(organisation=organisation)
    assert client_in.get(response["Location"]).status_code == 200  # the start page
    tasks_url = reverse("web:tasks", args=[screening.id])
    tasks = client_in.get(tasks_url)
    url = reverse("web:section", args=[screening.id, "profile"])
    assert f'href="{url}"' in html(tasks)

    sections_seen, suggested = [], set()
    for _ in range(50):  # every section, some twice (new follow-ups); never loops
        section_id = url.rstrip("/").split("/")[-1]
        page = client_in.get(url)
        assert page.status_code == 200
        assert f'<a class="back-link" href="{tasks_url}">' in html(page)
        data = page_form(page)
        suggested |= set(re.findall(r'id="q-(\w+)-prefill"', html(page)))
        for qid in data.get("shown", []):
            if qid in expected:
                answer(data, questionnaire.by_id[qid], expected[qid])
        response = client_in.post(url, data)
        assert response.status_code == 302, [e for e in re.findall(r'href="(#q-[^"]+)"', html(response))]
        sections_seen.append(section_id)
        url = without_fragment(response["Location"])
        if url == reverse("web:check", args=[screening.id]):  # the last section's Continue: Check your answers
            break
        assert "/section/" in url
    else:
        pytest.fail("the journey did not end")

    screening.refresh_from_db()
    extra = {qid: value for qid, value in screening.answers.items() if qid not in expected}
    assert suggested and set(extra) <= suggested  # only an accepted country-profile suggestion can add an answer
    assert {qid: value for qid, value in screening.answers.items() if qid in expected} == expected
    assert extra == {}  # the case answers every COI question the profile suggests
    assert [s["id"] for s in questionnaire.sections if s["id"] in sections_seen] == [
        s["id"] for s in questionnaire.sections
    ]
    outcomes = {o["id"]: o["strength"] for o in screening.assessment["outcomes"]}
    assert sorted(outcomes) == sorted(CASE["expected"]["present"])
    assert {k: outcomes[k] for k in CASE["expected"]["strength"]} == CASE["expected"]["strength"]

    tasks = html(client_in.get(tasks_url))
    statuses = iv.section_statuses(questionnaire, screening.answers, iv.CASEWORKER)
    completed, needed = iv.completed_count(statuses)
    assert completed == needed and f"You have completed {needed} of {needed} sections." in tasks
    check = client_in.get(reverse("web:check", args=[screening.id]))
    assert check.status_code == 200
    for outcome_id in outcomes:
        assert escape(ruleset.outcomes[outcome_id].title) in html(check)
    assert AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.CHANGED).exists()


def test_claimant_journey_in_russian_one_question_per_page(client_in, organisation):  # noqa: F811
    ruleset = active_ruleset()
    questionnaire = ruleset.questionnaire
    russian = translation_for(ruleset, "ru")
    claimant_answers = {
        qid: value for qid, value in CASE["answers"].items() if questionnaire.by_id[qid].audience != "caseworker"
    }
    response = client_in.post(reverse("web:case-new"), {"reference": "", "language": "ru", "respondent": "claimant"})
    screening = Screening.objects.get(organisation=organisation)
    assert client_in.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    start = client_in.get(response["Location"])
    assert '<html lang="ru">' in html(start)
    tasks_url = reverse("web:tasks", args=[screening.id])
    first = reverse("web:question", args=[screening.id, "country_of_origin"])
    assert f'href="{first}"' in html(client_in.get(tasks_url))

    check_url = reverse("web:check", args=[screening.id])
    url, previous, asked = first, tasks_url, []
    for _ in range(len(questionnaire.questions) + 1):
        page = client_in.get(url)
        assert page.status_code == 200 and '<html lang="ru">' in html(page)
        qid = url.rstrip("/").split("/")[-1]
        question = questionnaire.by_id[qid]
        assert question.audience != "caseworker"
        assert len(re.findall(r"<h1[ >]", html(page))) == 1
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", html(page), re.S).group(1)
        assert escape(russian.question(question)["prompt"]) in heading  # the prompt is the heading
        assert f'<a class="back-link" href="{previous}">' in html(page)
        data = page_form(page)
        assert data["shown"] == [qid]  # one question per page
        if qid in claimant_answers:
            answer(data, question, claimant_answers[qid])
        response = client_in.post(url, data)
        assert response.status_code == 302
        asked.append(qid)
        previous, url = url, response["Location"]
        if url == check_url:
            break
    else:
        pytest.fail("the journey did not reach Check your answers")

    screening.refresh_from_db()
    assert screening.answers == claimant_answers
    assert asked == [q.id for q in iv.all_questions_in_order(questionnaire, screening.answers, iv.CLAIMANT)]
    check = client_in.get(check_url)
    assert check.status_code == 200 and '<html lang="ru">' in html(check)
    page = html(check)
    for qid in ("age", "military_situation", "feared_consequences"):
        assert escape(russian.question(questionnaire.by_id[qid])["prompt"]) in page
        assert reverse("web:question", args=[screening.id, qid]) + "?return=check" in page
    situation = CASE["answers"]["military_situation"]
    military = russian.question(questionnaire.by_id["military_situation"])["options"][situation]
    assert escape(military["label"]) in page


def test_a_change_from_check_your_answers_returns_there(client_in, organisation):  # noqa: F811
    from screening.auth import Actor

    actor = Actor(organisation=organisation)
    screening = services.screening_create(actor=actor, answers={"age": 30}, respondent="claimant")
    check_url = reverse("web:check", args=[screening.id])
    change = re.search(r'href="([^"]*/question/age/\?return=check)"', html(client_in.get(check_url))).group(1)
    page = client_in.get(change)
    data = page_form(page)
    data["age"] = ["31"]
    response = client_in.post(change, data)
    assert response["Location"] == check_url
    assert version_of(client_in.get(change)) == 2
    assert ">31<" in html(client_in.get(check_url))
