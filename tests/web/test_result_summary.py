"""The result page's summary (act → reason, subsidiary protection in the alternative, exclusion side by side,
what happens next), the one evidence checklist and the what-if lines, checked against the stored assessment."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from rules import conditions as c
from rules import explain as x
from rules.validation import check_answers
from screening.selectors import full_assessment
from tests.web.test_results import CASES, html_of, make, visible_text

pytestmark = pytest.mark.django_db
STRENGTH = {"strong": 0, "arguable": 1, "needs_information": 2}


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def _strongest(assessment: dict, category: str) -> dict:
    present = [o for o in assessment["outcomes"] if o["category"] == category]
    return min(present, key=lambda o: STRENGTH[o["strength"]])


@pytest.mark.parametrize("case_id", ["pub-02", "pub-03", "pub-23"])
def test_summary_lists_the_strongest_act_with_its_reason_and_exclusion_beside(member, actor, ruleset, case_id):
    screening = make(actor, case_id)
    assessment = full_assessment(screening)
    html = html_of(member, screening)
    summary = _section(html, "summary")
    inclusion = summary[summary.index("rs-summary__inclusion") : summary.index("rs-summary__exclusion")]
    exclusion = summary[summary.index("rs-summary__exclusion") :]
    act = _strongest(assessment, "persecution_act")
    reason = _strongest(assessment, "convention_ground")
    # the strongest act comes first under "Act of persecution", the strongest reason first under "nexus"
    acts = inclusion[inclusion.index("Act of persecution") : inclusion.index("Convention reason (nexus)")]
    reasons = inclusion[inclusion.index("Convention reason (nexus)") :]
    assert re.search(r'<dd class="rs-summary__entry"><a href="#outcome-([a-z0-9_]+)"', acts).group(1) == act["id"]
    assert re.search(r'<dd class="rs-summary__entry"><a href="#outcome-([a-z0-9_]+)"', reasons).group(1) == reason["id"]
    flags = [o["id"] for o in assessment["outcomes"] if o["id"].startswith("flag_exclusion_review_")]
    for flag in flags:
        assert f'href="#outcome-{flag}"' in exclusion and f'href="#outcome-{flag}"' not in inclusion
    if not flags:
        assert "No exclusion indicator on these answers." in exclusion
    if any(o["category"] == "subsidiary_protection" for o in assessment["outcomes"]):
        assert "Subsidiary protection, in the alternative" in inclusion
    assert "What happens next" in summary
    # the page text: no notation, no rule ids, no decision-model numbers outside the technical details
    text = visible_text(re.sub(r'<details class="rs-technical.*?</details>', "", html, flags=re.S))
    assert "not:" not in text and "only:" not in text
    assert not re.search(r"\bR\d+[a-z]?\b", text) and "decision model rule" not in text and "P1" not in text


def test_no_condition_is_listed_twice_within_an_outcome(member, actor):
    screening = make(actor, "pub-02")
    html = html_of(member, screening)
    for outcome in full_assessment(screening)["outcomes"]:
        card = html[html.index(f'id="outcome-{outcome["id"]}"') :]
        card = card[: card.index("</article>")]
        for block in re.findall(r'<ul class="rs-outcome__(?:why|why-not)">(.*?)</ul>', card, flags=re.S):
            lines = [visible_text(li).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", block, flags=re.S)]
            assert len(lines) == len(set(lines)), lines


def test_what_if_line_for_an_arguable_outcome(member, actor, ruleset):
    screening = make(actor, "pub-02")
    html = html_of(member, screening)
    arguable = [o for o in full_assessment(screening)["outcomes"] if o["would_be_strong_if"]]
    assert arguable
    for outcome in arguable:
        card = html[html.index(f'id="outcome-{outcome["id"]}"') :]
        card = card[: card.index("</article>")]
        assert "Would be strong if" in card
        for step in outcome["would_be_strong_if"]:
            if "question" in step:
                assert escape(ruleset.questionnaire.by_id[step["question"]].caseworker_prompt) in card


def test_not_met_outcome_is_listed_with_its_deciding_answer_and_what_would_make_it_apply(member, actor, ruleset):
    screening = make(actor, "pub-02")
    html = html_of(member, screening)
    for not_met in full_assessment(screening)["not_met"]:
        item = html[html.index(f'id="not-met-{not_met["id"]}"') :]
        ends = [i for i in (item.find('id="not-met-', 10), item.find("</details>")) if i > 0]
        item = item[: min(ends)]
        for failed in not_met["failed"]:
            if failed.get("question") and failed.get("answer") is not None:
                assert escape(ruleset.questionnaire.by_id[failed["question"]].caseworker_prompt) in item
        if not_met["would_apply_if"]:
            assert "Would apply if" in item


def test_evidence_checklist_is_one_list_without_repeats_or_items_the_answers_rule_out(member, actor, ruleset):
    screening = make(actor, "pub-02")
    html = html_of(member, screening)
    checklist = _section(html, "evidence")
    items = [visible_text(li) for li in re.findall(r"<li>(.*?)</li>", checklist, flags=re.S)]
    texts = [i["text"] for i in full_assessment(screening)["evidence_checklist"]]
    assert len(items) == len(texts) == len(set(texts))
    # the items whose condition is false on these answers are left out, unless another outcome lists them freely
    answers, _, statuses = check_answers(ruleset.questionnaire, CASES["pub-02"]["answers"])
    value = x.question_leaf_values(statuses, answers)
    present = [ruleset.outcomes[o["id"]] for o in full_assessment(screening)["outcomes"]]
    ruled_out = {
        text
        for outcome in present
        for text, when in zip(outcome.evidence, outcome.evidence_when, strict=True)
        if when is not None and x.node_value(when, value) == c.FALSE
    }
    kept = {
        text
        for outcome in present
        for text, when in zip(outcome.evidence, outcome.evidence_when, strict=True)
        if when is None or x.node_value(when, value) != c.FALSE
    }
    assert ruled_out - kept, "pub-02 should rule out at least one evidence item"
    for text in ruled_out - kept:
        assert text not in texts and escape(text) not in html
    # no per-outcome evidence lists any more: one checklist only
    assert 'class="rs-outcome__evidence"' not in html


def test_checklist_drops_protest_records_when_the_person_attended_no_protest(actor):
    answers = dict(CASES["pub-02"]["answers"])
    with_protest = make(actor, answers={**answers, "political_activities": ["protests"]}, reference="p")
    without = make(actor, answers={**answers, "political_activities": ["social_media_posts"]}, reference="n")
    protest = "Protest detention records (administrative protocols, fines)"
    assert "ground_political_opinion" in {o["id"] for o in full_assessment(with_protest)["outcomes"]}
    assert protest in [i["text"] for i in full_assessment(with_protest)["evidence_checklist"]]
    methods = answers.get("recruitment_methods") or []
    assert "summons_at_protest_or_detention" not in methods
    assert protest not in [i["text"] for i in full_assessment(without)["evidence_checklist"]]


def test_result_page_has_back_and_change_answers_links(member, actor):
    screening = make(actor, "pub-02")
    html = html_of(member, screening)
    assert f'href="{reverse("web:check", args=[screening.id])}"' in html
    assert f'href="{reverse("web:tasks", args=[screening.id])}">Change answers' in html


def test_pdf_has_the_summary_the_checklist_and_the_case_notes(actor, ruleset):
    from screening import services
    from screening.pdf import memo_pdf
    from screening.web import results
    from tests.web.test_results import pdf_text

    screening = make(actor, "pub-02")
    screening = services.screening_notes_save(actor=actor, screening=screening, notes="Interpreter: Dari")
    text = pdf_text(memo_pdf(results.memo_context(screening, language="en"), compress=False))
    assert text.index("Summary") < text.index("Evidence to gather") < text.index("Grounds and flags in detail")
    act = _strongest(full_assessment(screening), "persecution_act")
    assert ruleset.outcomes[act["id"]].title in text[text.index("Act of persecution") :]
    for item in full_assessment(screening)["evidence_checklist"]:
        assert item["text"][:40] in text.replace("\n", " ") or item["text"][:40] in text
    assert "Interpreter: Dari" in text and "What happens next" in text
