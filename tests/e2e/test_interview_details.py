"""Interview details in a real browser (issue 11 item 6): the banner naming the follow-up questions an answer
opened, the conflict notice listing the other person's changes, the header and the language switch keeping what
was typed, and the case list and the memo on a 375 px phone without scrolling sideways. axe-core checks each."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from screening import services
from screening.auth import Actor
from screening.models import Screening

from .conftest import new_page, orm
from .pages import choose_country, continue_button, sign_in, submit

PHONE = {"width": 375, "height": 812}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= 375"


def signed_in(browser, live_server, people, **context):
    page = new_page(browser, live_server.url)
    if context:
        page.set_viewport_size(context["viewport"])
    page.goto("/accounts/login/")
    sign_in(page, people["username"], people["password"])
    return page


def test_the_follow_up_banner_names_the_new_questions(browser, live_server, people, recorder):
    with orm():
        screening = services.screening_create(actor=Actor(organisation=people["organisation"]), answers={})
    page = signed_in(browser, live_server, people)
    page.goto(f"/cases/{screening.id}/section/profile/")
    choose_country(page, "country_of_origin", "RU")
    page.locator('main input[name="has_other_nationality"][value="true"]').check()
    submit(page, continue_button(page))
    expect(page).to_have_url(re.compile(r"/section/profile/#follow-ups$"))
    banner = page.get_by_role("region", name="Important")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Your answers added 2 questions to this page:")
    links = banner.locator("a")
    expect(links).to_have_count(2)
    expect(links.first).to_have_attribute("href", "#question-other_nationality_country")
    recorder.shot(page, "follow-up-banner")
    recorder.a11y(page, "section with the follow-up banner")
    links.first.click()
    expect(page).to_have_url(re.compile(r"#question-other_nationality_country$"))
    page.reload()
    expect(page.get_by_role("region", name="Important")).to_have_count(0)  # said once


def test_the_conflict_notice_lists_the_other_persons_changes(browser, live_server, people, recorder):
    with orm():
        screening = services.screening_create(
            actor=Actor(organisation=people["organisation"]), answers={"age": 30, "gender": "male"}
        )
    page = signed_in(browser, live_server, people)
    page.goto(f"/cases/{screening.id}/section/profile/")
    page.locator("main #q-age").fill("31")
    with orm():  # a colleague saves meanwhile
        services.screening_save_answers(
            actor=Actor(organisation=people["organisation"]),
            screening=Screening.objects.get(id=screening.id),
            answers={"age": 45, "country_of_origin": "UA"},
        )
    submit(page, continue_button(page))
    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("Your answers on this page have not been saved yet")
    changes = notice.locator(".conflict-changes")
    age = changes.locator(".summary-list__row", has_text="How old is the person now?")
    expect(age).to_contain_text("Before: 30")
    expect(age).to_contain_text("Now: 45")
    country = changes.locator(".summary-list__row", has_text="Ukraine")
    expect(country).to_contain_text("Before: Not answered")
    expect(changes.locator(".summary-list__row")).to_have_count(2)  # gender did not change
    expect(page.locator("main #q-age")).to_have_value("31")  # what was typed, not yet saved
    with orm():
        assert Screening.objects.get(id=screening.id).answers["age"] == 45
    recorder.shot(page, "conflict-notice")
    recorder.a11y(page, "section with the conflict notice")
    submit(page, continue_button(page))
    with orm():
        assert Screening.objects.get(id=screening.id).answers["age"] == 31


def test_the_header_and_the_language_switch_keep_what_was_typed(browser, live_server, people, recorder):
    with orm():
        screening = services.screening_create(actor=Actor(organisation=people["organisation"]), answers={})
    page = signed_in(browser, live_server, people)
    page.goto(f"/cases/{screening.id}/section/profile/")
    page.locator("main #q-age").fill("33")
    submit(page, page.locator("header").get_by_role("button", name="Українська"))
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page).to_have_url(re.compile(r"/section/profile/$"))
    expect(page.locator("main #q-age")).to_have_value("33")
    recorder.a11y(page, "section after the language switch (uk)")
    page.locator("main #q-age").fill("34")
    submit(page, page.locator("header").get_by_role("button", name="Справи"))
    expect(page).to_have_url(re.compile(r"/cases/$"))
    with orm():
        saved = Screening.objects.get(id=screening.id)
        assert saved.answers == {"age": 34} and saved.language == "uk"


def test_the_case_list_and_the_memo_fit_a_phone(browser, live_server, people, recorder):
    with orm():
        actor = Actor(organisation=people["organisation"])
        screening = services.screening_create(
            actor=actor,
            answers={"country_of_origin": "RU", "military_situation": "summoned_did_not_report", "age": 30},
            reference="A-LONG-REFERENCE-2026-000123",
        )
        services.screening_create(actor=actor, answers={}, reference="UX-2")
    page = signed_in(browser, live_server, people, viewport=PHONE)
    page.goto("/cases/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    row = page.locator("tbody tr", has_text="A-LONG-REFERENCE-2026-000123")
    expect(row.locator("td[data-label='Status']")).to_have_text("Draft")
    outcome = row.locator("td[data-label='Strongest outcome'] .tag")
    expect(outcome).to_be_visible()
    box = outcome.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    recorder.shot(page, "case-list-375")
    recorder.a11y(page, "case list (375 px)")
    page.goto(f"/cases/{screening.id}/memo/")
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    recorder.shot(page, "memo-375")
    recorder.a11y(page, "memo (375 px)")
