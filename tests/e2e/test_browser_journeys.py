"""Two whole interviews in a real browser (Debian's Chromium, headless), with axe-core on every page type.

1. A caseworker answers for a Russian deserter (public case pub-53) in English, a section per page.
2. A Belarusian evader (public case pub-46, the questions a claimant is asked) answers in Russian, a question
   per page.

Both include a validation error, the Back link, a browser closed entirely and relaunched mid-way (the answers
saved by Continue are all there after signing in again), and keyboard-only answering with visible focus.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

import rules
from rules.countries import COUNTRIES
from rules.translations import translation_for
from screening import interview as iv
from screening.models import Screening
from screening.selectors import active_ruleset
from tests.conftest import load_public_cases

from .conftest import new_page, orm
from .pages import (
    answer,
    answer_page_by_keyboard,
    choose_country,
    continue_button,
    expect_answer_shown,
    shown_questions,
    sign_in,
    submit,
)

CASES = {case["id"]: case for case in load_public_cases()}
# Cases of the active ruleset (1.1.0) that answer every question that applies to them
DESERTER = CASES["pub-53"]  # Russian, deserted_or_awol
EVADER = CASES["pub-46"]  # Belarusian, summoned_did_not_report
STRENGTHS = {"strong": "Strong", "arguable": "Arguable", "needs_information": "Needs information"}


def ui(text: str, language: str) -> str:
    """A page text as the UI shows it in a language (from locale/<language>/LC_MESSAGES)."""
    with translation.override(language):
        return gettext(text)


def normalised(answers: dict) -> dict:
    """Answers with multi-choice values in a set (the app stores them in questionnaire order)."""
    return {qid: frozenset(value) if isinstance(value, list) else value for qid, value in answers.items()}


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def test_caseworker_answers_for_a_russian_deserter_in_english(browser, live_server, people, recorder):
    assert DESERTER["answers"]["country_of_origin"] == "RU"
    assert DESERTER["answers"]["military_situation"] == "deserted_or_awol"
    ruleset = active_ruleset()
    questionnaire = ruleset.questionnaire
    expected = DESERTER["answers"]
    english = translation_for(ruleset, "en")
    page = new_page(browser, live_server.url)

    # Sign in: the case list asks for it first.
    page.goto("/cases/")
    expect(page).to_have_title(re.compile(r"^Sign in"))
    recorder.shot(page, "sign-in")
    recorder.a11y(page, "login")
    sign_in(page, people["username"], people["password"])
    expect(page.locator("h1")).to_have_text("Cases")
    recorder.shot(page, "case-list-empty")
    recorder.a11y(page, "case list (empty)")

    # A new screening: English, answered by a caseworker.
    page.get_by_role("button", name="Start a new screening").click()
    expect(page.locator("main")).to_contain_text("Who is answering the questions?")
    recorder.a11y(page, "new screening")
    page.get_by_label("Reference (optional)").fill("E2E-pub-53")
    page.get_by_label("English").check()
    page.get_by_label("A caseworker on the claimant's behalf, a section per page").check()
    recorder.shot(page, "new-screening")
    submit(page, continue_button(page))

    # The start page, then the task list.
    expect(page.locator("h1")).to_have_text("Screening interview: protection claims related to military service")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    recorder.shot(page, "start-page")
    recorder.a11y(page, "start page")
    page.get_by_role("button", name="Start now").click()
    expect(page.locator("h1")).to_have_text("Screening interview")
    with orm():
        screening = Screening.objects.get(organisation=people["organisation"])
    tasks_path = f"/cases/{screening.id}/tasks/"
    check_path = f"/cases/{screening.id}/check/"
    expect(page.locator("main")).to_contain_text("You have completed 0 of")
    recorder.shot(page, "task-list")
    recorder.a11y(page, "task list")
    page.get_by_role("link", name="About the person").click()

    # The sections, one per page, answered with their controls. A page comes back when an answer opens
    # follow-up questions; Continue then goes to the next section.
    sections_seen: list[str] = []
    back_checked = restarted = typed_error = by_keyboard = False
    for _ in range(40):
        if path_of(page) == check_path:  # the last section's Continue goes to Check your answers
            break
        section_id = path_of(page).rstrip("/").split("/")[-1]
        assert "/section/" in page.url, page.url
        shown = shown_questions(page)
        assert shown and set(shown) <= set(expected), shown
        sections_seen.append(section_id)
        recorder.a11y(page, "section page")

        if section_id == "military_status" and not back_checked:
            # The Back link goes to the task list; the section answered before still shows its answers.
            back_checked = True
            page.locator("a.back-link").click()
            expect(page).to_have_url(re.compile(re.escape(tasks_path) + "$"))
            expect(page.locator("#status-profile")).to_have_text("Completed")
            page.get_by_role("link", name="About the person").click()
            expect(page.locator("h1")).to_have_text("About the person")
            for qid in shown_questions(page):
                expect_answer_shown(page, questionnaire.by_id[qid], expected[qid])
            recorder.shot(page, "back-to-about-the-person")
            submit(page, continue_button(page))
            continue

        if section_id == "consequences" and not restarted:
            # Close the browser entirely mid-way, relaunch it, sign in again, open the case from the list.
            restarted = True
            page.locator("#q-feared_consequences-0").check()  # typed, never continued: not saved
            recorder.shot(page, "before-browser-restart")
            browser.restart()
            page = new_page(browser, live_server.url)
            page.goto("/cases/")
            expect(page).to_have_title(re.compile(r"^Sign in"))
            sign_in(page, people["username"], people["password"])
            expect(page.get_by_role("link", name="E2E-pub-53")).to_be_visible()
            recorder.shot(page, "case-list-after-restart")
            recorder.a11y(page, "case list")
            page.get_by_role("link", name="E2E-pub-53").click()
            expect(page.locator("h1")).to_have_text("Screening interview")
            for done in sections_seen[:-1]:
                expect(page.locator(f"#status-{done}")).to_have_text("Completed")
            expect(page.locator("#status-consequences")).to_have_text("Not started")
            page.get_by_role("link", name="Armed conflict").click()
            for qid in shown_questions(page):  # every answer continued before the restart is there
                expect_answer_shown(page, questionnaire.by_id[qid], expected[qid])
            recorder.shot(page, "saved-answers-after-restart")
            page.locator("a.back-link").click()
            page.locator("main a.button").click()  # the task list's Continue: the next section to answer
            expect(page.locator("h1")).to_have_text("Consequences of return")
            expect(page.locator("#q-feared_consequences-0")).not_to_be_checked()
            continue

        if section_id == "profile" and not typed_error:
            # One validation error: an age in words. The error summary takes focus and links to the field.
            typed_error = True
            choose_country(page, "country_of_origin", "RU")
            page.locator("#q-age").fill("nineteen")
            submit(page, continue_button(page))
            expect(page).to_have_title(re.compile(r"^Error: "))
            summary = page.locator(".error-summary")
            expect(summary).to_be_focused()
            assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
            link = summary.get_by_role("link", name="Enter a whole number, like 19.")
            expect(link).to_have_attribute("href", "#q-age")
            expect(page.locator("#q-age-error")).to_contain_text("Enter a whole number, like 19.")
            expect(page.locator("#q-age")).to_have_value("nineteen")
            recorder.shot(page, "section-profile-error")
            recorder.a11y(page, "error state")
            link.click()
            expect(page.locator("#q-age")).to_be_focused()
            # the page's other answer was saved: the form's <select> and the type-ahead over it show it
            expect(page.locator('main select[name="country_of_origin"]')).to_have_value("RU")
            expect(page.locator("#q-country_of_origin")).to_have_value(COUNTRIES["RU"])

        if section_id == "service_conditions" and not by_keyboard:
            # This whole section with the keyboard only; every focused element shows its focus.
            by_keyboard = True
            targets = {qid: expected[qid] for qid in shown}
            trail = answer_page_by_keyboard(
                page, questionnaire.by_id, targets, before_submit=lambda p: recorder.shot(p, "keyboard-section")
            )
            kinds = {(element["tag"], element["type"]) for element in trail}
            assert {("a", ""), ("input", "checkbox"), ("input", "radio"), ("button", "submit")} <= kinds, kinds
            continue

        for qid in shown:
            answer(page, questionnaire.by_id[qid], expected[qid])
        recorder.shot(page, f"section-{section_id}")
        submit(page, continue_button(page))
    else:
        raise AssertionError(f"the interview did not end: {sections_seen}")
    assert back_checked and restarted and typed_error and by_keyboard, sections_seen
    assert [s["id"] for s in questionnaire.sections if s["id"] in sections_seen] == [
        s["id"] for s in questionnaire.sections
    ]

    # Every section is completed; Check your answers, with one Change link and back.
    with orm():
        screening.refresh_from_db()
    assert normalised(screening.answers) == normalised(expected)
    completed, needed = iv.completed_count(iv.section_statuses(questionnaire, screening.answers, iv.CASEWORKER))
    expect(page.locator("h1")).to_have_text("Check your answers")
    page.goto(tasks_path)
    expect(page.locator("main")).to_contain_text(f"You have completed {needed} of {needed} sections.")
    assert completed == needed
    recorder.shot(page, "task-list-complete")
    page.get_by_role("link", name="Check your answers").click()
    expect(page.locator("h1")).to_have_text("Check your answers")
    recorder.shot(page, "check-your-answers")
    recorder.a11y(page, "check answers")
    page.locator('a[href$="/section/profile/?return=check#question-age"]').click()
    expect(page).to_have_url(re.compile(r"/section/profile/\?return=check#question-age$"))
    expect(page.locator("#q-age")).to_have_value(str(expected["age"]))
    page.locator("#q-age").fill(str(expected["age"] + 1))
    recorder.shot(page, "change-age")
    submit(page, continue_button(page))
    expect(page.locator("h1")).to_have_text("Check your answers")
    assert path_of(page) == check_path  # (the browser keeps the #question-age of the form's URL: harmless)
    row = page.locator(".summary-list__row", has=page.locator('a[href*="#question-age"]'))
    expect(row.locator(".summary-list__value")).to_have_text(str(expected["age"] + 1))
    recorder.shot(page, "check-your-answers-changed")

    # The result: the public case's expected outcomes, with their strengths, and the "not a decision" notice.
    page.get_by_role("button", name="See the screening result").click()
    expect(page.locator("h1")).to_have_text("Screening result: E2E-pub-53")
    notice = page.locator("main .rs-disclaimer").first
    expect(notice).to_contain_text("Screening, not a decision.")
    expect(notice).to_contain_text(rules.DISCLAIMER)
    for outcome_id in DESERTER["expected"]["present"]:
        card = page.locator(f"#outcome-{outcome_id}")
        expect(card.locator("h3")).to_have_text(english.outcome(ruleset.outcomes[outcome_id])["title"])
        strength = DESERTER["expected"]["strength"].get(outcome_id)
        if strength:
            expect(card.locator(".rs-outcome__strength strong")).to_have_text(STRENGTHS[strength])
    for outcome_id in DESERTER["expected"]["absent"]:
        expect(page.locator(f"#outcome-{outcome_id}")).to_have_count(0)
    # P2: the exclusion review comes first among the grounds in detail, and beside them in the summary.
    expect(page.locator("main [id^=group-]").first).to_have_id("group-exclusion")
    expect(page.locator("#summary .rs-summary__exclusion")).to_contain_text(
        english.outcome(ruleset.outcomes["flag_exclusion_review_international_crimes"])["title"]
    )
    recorder.shot(page, "result")
    recorder.a11y(page, "result")

    # The printable memo.
    page.get_by_role("link", name="Printable memo").click()
    expect(page.locator("h1")).to_have_text("Screening memo: E2E-pub-53")
    memo = page.locator("main")
    expect(memo).to_contain_text("Screening, not a decision.")
    expect(memo.locator("#outcome-ground_political_opinion")).to_be_visible()
    expect(memo.locator(".rs-answers").first).to_contain_text(COUNTRIES["RU"])
    recorder.shot(page, "memo")
    recorder.a11y(page, "memo")
    assert browser.launches == 2


def test_claimant_answers_in_russian_one_question_per_page(browser, live_server, people, recorder):
    assert EVADER["answers"]["country_of_origin"] == "BY"
    ruleset = active_ruleset()
    questionnaire = ruleset.questionnaire
    russian = translation_for(ruleset, "ru")
    expected = {qid: v for qid, v in EVADER["answers"].items() if questionnaire.by_id[qid].audience != "caseworker"}
    continue_ru = ui("Continue", "ru")
    assert continue_ru != "Continue", "the Russian UI catalogue (locale/ru) does not translate Continue"
    page = new_page(browser, live_server.url)

    # The caseworker signs in (in English) and starts the screening in Russian for the claimant.
    page.goto("/accounts/login/")
    sign_in(page, people["username"], people["password"])
    page.get_by_role("button", name="Start a new screening").click()
    page.get_by_label("Reference (optional)").fill("E2E-pub-46")
    page.locator("#id_language_1").check()  # Русский
    expect(page.locator('label[for="id_language_1"]')).to_have_text("Русский")
    page.get_by_label("The claimant, one question per page").check()
    submit(page, continue_button(page))

    # From here on the pages are in Russian (the interview language), first the hand-over page of claimant mode
    # (tests/e2e/test_claimant_mode.py follows claimant mode through; here the claimant starts answering).
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text(ui("Answering the questions yourself", "ru"))
    page.get_by_role("button", name=ui("Start or continue your answers", "ru")).click()
    expect(page.locator("h1")).to_have_text(
        ui("Screening interview: protection claims related to military service", "ru")
    )
    recorder.shot(page, "start-page-ru")
    recorder.a11y(page, "start page (ru)")
    page.get_by_role("button", name=ui("Start now", "ru")).click()
    expect(page.locator("h1")).to_have_text(ui("Screening interview", "ru"))
    recorder.shot(page, "task-list-ru")
    recorder.a11y(page, "task list (ru)")
    page.get_by_role("button", name=continue_ru).click()

    asked: list[str] = []
    typed_error = back_checked = restarted = by_keyboard = False
    for _ in range(len(questionnaire.questions) + 10):
        if "/check/" in page.url:
            break
        qid = path_of(page).rstrip("/").split("/")[-1]
        question = questionnaire.by_id[qid]
        assert "/question/" in page.url and qid in expected, page.url
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.locator("h1")).to_have_text(russian.question(question)["prompt"])  # the question is the heading
        expect(continue_button(page)).to_have_text(continue_ru)
        assert shown_questions(page) == [qid]  # one question per page
        recorder.a11y(page, "question page")

        if qid == "feared_consequences" and not restarted:
            # Close the browser entirely, relaunch, sign in again, open the case from the list: all saved.
            restarted = True
            browser.restart()
            page = new_page(browser, live_server.url)
            page.goto("/cases/")
            sign_in(page, people["username"], people["password"])
            expect(page.locator("html")).to_have_attribute("lang", "en")  # a new browser: the case list in English
            page.get_by_role("link", name="E2E-pub-46").click()
            # reopened: the screening's own interview language, though the browser's is English
            expect(page.locator("html")).to_have_attribute("lang", "ru")
            expect(page.locator(".language-switcher__current")).to_have_text("Русский")
            recorder.a11y(page, "task list reopened (ru)")
            expect(page.locator("h1")).to_have_text(ui("Screening interview", "ru"))
            expect(page.locator("#status-profile")).to_have_text(ui("Completed", "ru"))
            recorder.shot(page, "task-list-after-restart")
            page.get_by_role("button", name=continue_ru).click()
            expect(page).to_have_url(re.compile(r"/question/feared_consequences/$"))
            page.locator("a.back-link").click()  # the question before: its answer is there
            previous = questionnaire.by_id[asked[-1]]
            expect(page).to_have_url(re.compile(rf"/question/{previous.id}/$"))
            expect_answer_shown(page, previous, expected[previous.id])
            recorder.shot(page, f"saved-after-restart-{previous.id}")
            submit(page, continue_button(page))
            continue

        if qid == "ethnic_minority" and not back_checked:
            # Back goes to the previous question, which shows the answer given.
            back_checked = True
            page.locator("a.back-link").click()
            expect(page).to_have_url(re.compile(r"/question/gender/$"))
            expect_answer_shown(page, questionnaire.by_id["gender"], expected["gender"])
            recorder.shot(page, "back-to-gender")
            submit(page, continue_button(page))
            continue

        if qid == "age" and not typed_error:
            typed_error = True
            page.locator("#q-age").fill("тридцать восемь")
            submit(page, continue_button(page))
            expect(page).to_have_title(re.compile("^" + re.escape(ui("Error:", "ru")) + " "))
            summary = page.locator(".error-summary")
            expect(summary).to_be_focused()
            expect(summary.locator("h2")).to_have_text(ui("There is a problem", "ru"))
            link = summary.get_by_role("link", name=ui("Enter a whole number, like 19.", "ru"))
            expect(link).to_have_attribute("href", "#q-age")
            recorder.shot(page, "question-age-error")
            recorder.a11y(page, "question error state")
            link.click()
            expect(page.locator("#q-age")).to_be_focused()

        if qid == "religion" and not by_keyboard:
            by_keyboard = True
            trail = answer_page_by_keyboard(
                page,
                questionnaire.by_id,
                {qid: expected[qid]},
                before_submit=lambda p: recorder.shot(p, "keyboard-religion"),
            )
            assert any(element["type"] == "radio" for element in trail)
            asked.append(qid)
            continue

        answer(page, question, expected[qid])
        recorder.shot(page, f"question-{qid}")
        submit(page, continue_button(page))
        asked.append(qid)
    else:
        raise AssertionError(f"the interview did not reach Check your answers: {asked}")
    assert typed_error and back_checked and restarted and by_keyboard

    with orm():
        screening = Screening.objects.get(organisation=people["organisation"])
    assert normalised(screening.answers) == normalised(expected)
    assert asked == [q.id for q in iv.all_questions_in_order(questionnaire, expected, iv.CLAIMANT)]

    # Check your answers, in Russian.
    expect(page.locator("h1")).to_have_text(ui("Check your answers", "ru"))
    main = page.locator("main")
    expect(main).to_contain_text(russian.question(questionnaire.by_id["military_situation"])["prompt"])
    situation = russian.question(questionnaire.by_id["military_situation"])["options"]["summoned_did_not_report"]
    expect(main).to_contain_text(situation["label"])
    recorder.shot(page, "check-your-answers-ru")
    recorder.a11y(page, "check answers (ru)")

    # The result in Russian: each outcome's translated title and strength, and the notice.
    page.get_by_role("button", name=ui("See the screening result", "ru")).click()
    # the result is the caseworker's page, in the caseworker's language (English since the new browser)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("main .rs-disclaimer").first).to_contain_text(ui("Screening, not a decision.", "ru"))
    outcomes = rules.evaluate(expected).as_dict()["outcomes"]
    assert {o["id"]: o["strength"] for o in outcomes} == {
        o["id"]: o["strength"] for o in screening.assessment["outcomes"]
    }
    assert outcomes  # the claimant's own answers already give candidate grounds
    for outcome in outcomes:
        card = page.locator(f"#outcome-{outcome['id']}")
        expect(card.locator("h3")).to_have_text(russian.outcome(ruleset.outcomes[outcome["id"]])["title"])
        expect(card.locator(".rs-outcome__strength strong")).to_have_text(ui(STRENGTHS[outcome["strength"]], "ru"))
    recorder.shot(page, "result-ru")
    recorder.a11y(page, "result (ru)")
    page.get_by_role("link", name=ui("Printable memo", "ru")).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("main")).to_contain_text(ui("Screening, not a decision.", "ru"))
    recorder.shot(page, "memo-ru")
    recorder.a11y(page, "memo (ru)")
