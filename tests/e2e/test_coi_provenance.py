"""In the browser: a caseworker accepts a country-profile suggestion, and Check your answers, the result page and the
PDF show where it came from (profile, source and date, who accepted it), with axe-core checks of those pages."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from screening import services
from screening.auth import Actor
from screening.dates import long_date
from screening.models import CountryProfile

from .conftest import new_page, orm
from .pages import continue_button, sign_in, submit

QID = "armed_conflict_involvement"


def test_an_accepted_coi_suggestion_shows_its_source_on_every_page(browser, live_server, people, recorder):
    with orm():
        actor = Actor(organisation=people["organisation"], user=people["user"])
        screening = services.screening_create(
            actor=actor,
            answers={"country_of_origin": "RU", "military_situation": "summoned_did_not_report"},
            reference="E2E-COI",
        )
        entry = CountryProfile.objects.get(code="RU").values[QID]
    source = entry["sources"][0]
    page = new_page(browser, live_server.url)
    page.goto(f"/cases/{screening.id}/section/conflict/")
    sign_in(page, people["username"], people["password"])

    suggestion = page.locator(f"#q-{QID}-prefill")
    expect(suggestion).to_contain_text("Suggested from the country profile:")
    expect(suggestion).to_contain_text(source["title"])
    expect(suggestion).to_contain_text(long_date(source["date"], "en"))
    recorder.shot(page, "suggestion")
    recorder.a11y(page, "section with suggestions")
    submit(page, continue_button(page))  # accept the suggestions as they are

    page.goto(f"/cases/{screening.id}/check/")
    row = page.locator("#section-conflict + dl")
    expect(row).to_contain_text("From the country profile Russia (RU), reviewed")
    expect(row).to_contain_text(source["title"])
    expect(row).to_contain_text(re.compile(r"Accepted by casey on \d{1,2} \w+ \d{4}\."))
    recorder.shot(page, "check-answers")
    recorder.a11y(page, "check answers with provenance")

    page.goto(f"/cases/{screening.id}/result/")
    section = page.locator("#coi-from-profile-section")
    expect(section).to_contain_text("Country information from the country profile")
    expect(section).to_contain_text(source["title"])
    expect(section).to_contain_text(long_date(source["date"], "en"))
    recorder.shot(page, "result")
    recorder.a11y(page, "result with provenance")

    pdf = page.request.get(f"/cases/{screening.id}/memo.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert b"/StructTreeRoot" in pdf.body() and b"/Lang (en)" in pdf.body()  # tagged, in the memo's language
