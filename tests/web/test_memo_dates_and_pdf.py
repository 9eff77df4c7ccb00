"""Memo and PDF (issue 9 item 7): dates in the language's long format, a tagged PDF that carries its language, and
subsidiary protection "in the alternative" when a Convention reason is present."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from screening.dates import long_date
from screening.pdf import memo_pdf
from screening.web import results
from screening.web.alternatives import alternative_note
from tests.web.test_results import CASES, make, pdf_text

pytestmark = pytest.mark.django_db

LONG_DATES = {
    "en": (dt.date(2026, 12, 6), "6 December 2026"),
    "ru": (dt.date(2026, 12, 6), "6 декабря 2026\u202fг."),  # CLDR: a narrow no-break space before the year mark
    "uk": (dt.date(2026, 12, 6), "6 грудня 2026\u202fр."),
}


@pytest.mark.parametrize("language", sorted(LONG_DATES))
def test_long_dates_in_each_language(language):
    day, text = LONG_DATES[language]
    assert long_date(day, language) == text
    assert long_date(day.isoformat(), language) == text
    assert long_date(dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC), language) == text  # local date (UTC)
    assert long_date(None, language) == "" and long_date("not a date", language) == "not a date"


@pytest.mark.parametrize("language", sorted(LONG_DATES))
def test_memo_and_pdf_dates_are_long_and_never_us_abbreviations(member, actor, language):  # noqa: F811
    screening = make(actor, "pub-02")
    today = long_date(timezone.localdate(), language)
    memo = member.get(reverse("results:memo", args=[screening.id]), HTTP_ACCEPT_LANGUAGE=language)
    html = memo.content.decode()
    assert f"<dd>{today}</dd>" in html  # date of this memo, and last changed (today too)
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\. \d", html)
    with translation.override(language):
        text = pdf_text(memo_pdf(results.memo_context(screening), compress=False))
    assert re.sub(r"\s+", " ", today) in re.sub(r"\s+", " ", text)
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\. \d", text)


def test_date_answers_are_long_on_check_answers_and_in_the_memo(member, actor):  # noqa: F811
    date_qids = [
        qid for qid, value in CASES["pub-02"]["answers"].items() if re.fullmatch(r"\d{4}-\d\d-\d\d", str(value))
    ]
    assert date_qids, "pub-02 has a date answer"
    for language in ("en", "ru"):
        screening = make(actor, "pub-02", language=language)  # the interview is in the screening's language
        expected = long_date(screening.answers[date_qids[0]], language)
        check = member.get(reverse("web:check", args=[screening.id]), HTTP_ACCEPT_LANGUAGE=language)
        assert expected in check.content.decode()
        memo = member.get(reverse("results:memo", args=[screening.id]), HTTP_ACCEPT_LANGUAGE=language)
        assert expected in memo.content.decode()


# ---- the tagged PDF ---------------------------------------------------------------------------------------------


def structure(data: bytes) -> dict:
    """What a screen reader relies on, read from an uncompressed PDF: the catalog's entries and the elements."""
    catalog = next(obj for obj in data.split(b"endobj") if b"/Type /Catalog" in obj)
    return {
        "lang": re.search(rb"/Lang \((.*?)\)", catalog),
        "struct_tree_root": re.search(rb"/StructTreeRoot \d+ 0 R", catalog),
        "marked": re.search(rb"/MarkInfo <</Marked true>>", catalog),
        "outlines": re.search(rb"/Outlines \d+ 0 R", catalog),
        "types": [  # the structure elements under /Document, in reading order
            re.search(rb"/S /(\w+)", obj).group(1)
            for obj in data.split(b"endobj")
            if b"/Type /StructElem" in obj and b"/S /Document" not in obj
        ],
        "bdc": len(re.findall(rb"\bBDC\b", data)),
        "emc": len(re.findall(rb"\bEMC\b", data)),
        "artifacts": len(re.findall(rb"/Artifact <</Type /Pagination>> BDC", data)),
        "pages": len(re.findall(rb"/Type /Page\b", data)),
        "struct_parents": len(re.findall(rb"/StructParents \d+", data)),
        "display_title": re.search(rb"/DisplayDocTitle true", data),
    }


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_the_pdf_is_tagged_and_carries_its_language(actor, language):  # noqa: F811
    screening = make(actor, "pub-03", language=language)
    with translation.override(language):
        data = memo_pdf(results.memo_context(screening), compress=False)
    found = structure(data)
    assert found["lang"] and found["lang"].group(1).decode() == language
    assert found["struct_tree_root"] and found["marked"] and found["outlines"] and found["display_title"]
    types = [t.decode() for t in found["types"]]
    assert types.count("H1") >= 1 and "H2" in types and "H3" in types and "H4" in types
    assert types.count("P") > 20
    assert found["bdc"] == found["emc"]  # every marked-content sequence is closed
    assert found["artifacts"] == found["pages"] > 1  # the footer of every page is an artifact
    assert found["struct_parents"] == found["pages"]  # every page's content belongs to the tree


def test_a_long_paragraph_across_a_page_break_stays_tagged():
    from screening.pdf import MemoPDF

    pdf = MemoPDF(footer_text="x")
    pdf.set_compression(False)
    pdf.add_page()
    pdf.para("A long paragraph. " * 900)
    found = structure(bytes(pdf.output()))
    assert found["pages"] > 1 and found["bdc"] == found["emc"]
    assert [t.decode() for t in found["types"]] == ["P"] * found["pages"]  # one part per page


# ---- subsidiary protection in the alternative --------------------------------------------------------------------


def outcome_categories(screening) -> set[str]:
    return {o["category"] for o in screening.assessment["outcomes"]}


def test_subsidiary_protection_is_in_the_alternative_when_a_convention_reason_is_present(member, actor, ruleset):  # noqa: F811
    with translation.override("en"):
        note = alternative_note()
    both = neither = None
    for case_id in sorted(CASES):
        screening = make(actor, case_id)
        categories = outcome_categories(screening)
        if "subsidiary_protection" not in categories:
            continue
        if "convention_ground" in categories and both is None:
            both = screening
        if "convention_ground" not in categories and neither is None:
            neither = screening
        if both and neither:
            break
    assert both is not None, "a public case with a Convention reason and subsidiary protection"

    context = results.result_context(both, language="en")
    cards = [o for g in context["groups"] for o in g["outcomes"]]
    assert all(bool(o["alternative_note"]) == (o["category"] == "subsidiary_protection") for o in cards)
    for name in ("result", "memo"):
        html = member.get(reverse(f"results:{name}", args=[both.id]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        sp = [o for o in cards if o["category"] == "subsidiary_protection"]
        for outcome in sp:
            card = html.split(f'id="outcome-{outcome["id"]}"')[1].split("</article>")[0]
            assert escape(note) in card, (name, outcome["id"])
    text = re.sub(r"\s+", " ", pdf_text(memo_pdf(results.memo_context(both, language="en"), compress=False)))
    assert note in text

    if neither is not None:  # no Convention reason: nothing to be in the alternative to
        html = member.get(reverse("results:result", args=[neither.id]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert escape(note) not in html
