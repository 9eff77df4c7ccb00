"""In the browser, for three public cases: the result page's summary lists the strongest act with its
Convention reason, the page text has no notation, rule id or repeated condition, a not-met outcome shows its
deciding answer, an arguable outcome its what-if, and Confirm and complete works. Screenshots at desktop width
and at 375 px are kept in test-output/e2e/<test>/; axe-core checks the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from screening import selectors, services
from screening.auth import Actor
from tests.conftest import load_public_cases

from .conftest import new_page, orm
from .pages import sign_in, submit

CASES = {case["id"]: case for case in load_public_cases()}
STRENGTH = {"strong": 0, "arguable": 1, "needs_information": 2}

# The visible text of <main> without the closed "Technical details" disclosures (where rule ids belong).
VISIBLE_TEXT = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("details.rs-technical").forEach((d) => d.remove());
  return main.textContent;
}"""
# Every explanation list of every outcome card, as lists of line texts.
CARD_LISTS = """() => Array.from(document.querySelectorAll(
  ".rs-outcome__why, .rs-outcome__why-not, .rs-what-if")).map(
  (ul) => Array.from(ul.querySelectorAll(":scope > li")).map((li) => li.textContent.trim()))"""


def _strongest(assessment, category):
    present = [o for o in assessment["outcomes"] if o["category"] == category]
    return min(present, key=lambda o: STRENGTH[o["strength"]])


@pytest.mark.parametrize("case_id", ["pub-02", "pub-03", "pub-23"])
def test_result_page_summary_explanations_and_completion(browser, live_server, people, recorder, case_id):
    with orm():
        actor = Actor(organisation=people["organisation"], user=people["user"])
        screening = services.screening_create(actor=actor, answers=CASES[case_id]["answers"], reference=case_id)
        assessment = selectors.full_assessment(screening)
        from rules import load_ruleset

        ruleset = load_ruleset()
    act = _strongest(assessment, "persecution_act")
    reason = _strongest(assessment, "convention_ground")
    page = new_page(browser, live_server.url)
    page.goto(f"/cases/{screening.id}/result/")
    sign_in(page, people["username"], people["password"])

    summary = page.locator("#summary")
    inclusion = summary.locator(".rs-summary__inclusion")
    expect(inclusion.locator("dd.rs-summary__entry a").first).to_have_text(ruleset.outcomes[act["id"]].title)
    reasons = inclusion.locator("dt:has-text('Convention reason (nexus)') ~ dd.rs-summary__entry a")
    expect(reasons.first).to_have_text(ruleset.outcomes[reason["id"]].title)
    exclusion = summary.locator(".rs-summary__exclusion")
    flags = [o["id"] for o in assessment["outcomes"] if o["id"].startswith("flag_exclusion_review_")]
    for flag in flags:
        expect(exclusion).to_contain_text(ruleset.outcomes[flag].title)
    expect(summary).to_contain_text("What happens next")
    # side by side on a desktop: the exclusion column starts level with the inclusion column, to its right
    left, right = inclusion.bounding_box(), exclusion.bounding_box()
    assert right["x"] > left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 2
    recorder.shot(page, f"{case_id}-result-desktop")
    recorder.a11y(page, "result")

    text = page.evaluate(VISIBLE_TEXT)
    assert "not:" not in text and "only:" not in text
    assert not re.search(r"\bR\d+[a-z]?\b", text) and "decision model rule" not in text
    for lines in page.evaluate(CARD_LISTS):
        assert len(lines) == len(set(lines)), lines

    page.set_viewport_size({"width": 375, "height": 812})
    left, right = inclusion.bounding_box(), exclusion.bounding_box()
    assert right["y"] >= left["y"] + left["height"] - 1  # stacked on a phone
    recorder.shot(page, f"{case_id}-result-375px")
    page.set_viewport_size({"width": 1280, "height": 900})

    # a not-met outcome, with the answer that decided it
    not_met = next(n for n in assessment["not_met"] if any(f.get("answer") is not None for f in n["failed"]))
    page.locator("#not-met summary").click()
    item = page.locator(f"#not-met-{not_met['id']}")
    failed = next(f for f in not_met["failed"] if f.get("answer") is not None)
    expect(item).to_contain_text(ruleset.questionnaire.by_id[failed["question"]].caseworker_prompt)
    # an arguable outcome's what-if
    arguable = next(o for o in assessment["outcomes"] if o["would_be_strong_if"])
    card = page.locator(f"#outcome-{arguable['id']}")
    expect(card).to_contain_text("Would be strong if")

    # Back goes to Check your answers, which ends with Confirm and complete
    submit(page, page.get_by_role("link", name="Back"))
    expect(page.locator("h1")).to_have_text("Check your answers")
    submit(page, page.get_by_role("button", name="Confirm and complete"))
    expect(page.locator("main")).to_contain_text("Screening complete")
    expect(page.locator(".rs-meta")).to_contain_text("Complete")
    recorder.shot(page, f"{case_id}-completed")
