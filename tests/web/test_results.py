"""The result page, the printable memo and its PDF: every outcome shown with its reasons, exclusion review first,
missing questions linked back to the interview, organisation-scoped and audited."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from rules.translations import translation_for
from screening import services
from screening.models import AuditAction, AuditEvent
from screening.pdf import memo_pdf
from screening.selectors import full_assessment
from screening.web import results
from tests.conftest import load_public_cases

pytestmark = pytest.mark.django_db

CASES = {case["id"]: case for case in load_public_cases()}
SPARSE = {"country_of_origin": "RU", "military_situation": "summoned_did_not_report"}


def make(actor, case_id=None, *, answers=None, **fields):
    answers = answers if answers is not None else CASES[case_id]["answers"]
    fields.setdefault("reference", case_id or "case")
    return services.screening_create(actor=actor, answers=answers, **fields)


def urls(screening):
    return [reverse(f"results:{name}", args=[screening.id]) for name in ("result", "memo", "memo_pdf")]


def html_of(client, screening, name="result", **headers) -> str:
    response = client.get(reverse(f"results:{name}", args=[screening.id]), **headers)
    assert response.status_code == 200
    return response.content.decode()


# ---- the result page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", ["pub-01", "pub-03", "pub-18", "pub-29"])
def test_every_outcome_of_the_stored_assessment_is_shown(member, actor, ruleset, case_id):
    screening = make(actor, case_id)
    html = html_of(member, screening)
    outcomes = full_assessment(screening)["outcomes"]
    assert outcomes
    for outcome in outcomes:
        assert f'id="outcome-{outcome["id"]}"' in html
        assert escape(ruleset.outcomes[outcome["id"]].title) in html
    assert "Screening, not a decision." in html
    assert escape(full_assessment(screening)["disclaimer"]) in html
    assert html.index("Screening, not a decision.") < html.index('id="outcome-')
    assert f"sha256 <code>{ruleset.sha256[:12]}</code>" in html


def test_every_strength_has_a_text_tag(member, actor):
    html = html_of(member, make(actor, "pub-01"))
    assert '<strong class="rs-tag rs-tag--strong">Strong</strong>' in html
    assert '<strong class="rs-tag rs-tag--arguable">Arguable</strong>' in html
    html = html_of(member, make(actor, answers=SPARSE))
    assert '<strong class="rs-tag rs-tag--needs_information">Needs information</strong>' in html


def test_viewing_the_result_is_audited(member, actor):
    screening = make(actor, "pub-01")
    html_of(member, screening)
    events = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.VIEWED)
    assert [e.actor_label for e in events] == ["user:amira"]


def test_exclusion_review_comes_before_every_ground(member, actor, ruleset):
    case = next(c for c in CASES.values() if "flag_exclusion_review_international_crimes" in c["expected"]["present"])
    screening = make(actor, case["id"])
    html = html_of(member, screening)
    ids = {o["id"]: o["category"] for o in full_assessment(screening)["outcomes"]}
    assert "flag_exclusion_review_international_crimes" in ids
    exclusion_at = html.index('id="outcome-flag_exclusion_review_international_crimes"')
    grounds = [oid for oid, category in ids.items() if category != "flag"]
    assert grounds
    for oid in grounds:
        assert exclusion_at < html.index(f'id="outcome-{oid}"'), oid
    note = "The grounds below cannot be relied on until exclusion is cleared."
    assert note in html
    assert html.index('id="group-exclusion"') < html.index(note) < html.index('id="group-convention_ground"')
    order = [m.group(1) for m in re.finditer(r'<section class="rs-group rs-group--(\w+)"', html)]
    assert order[0] == "exclusion"
    assert order == [g for g in results.GROUPS if g in order]


def test_no_exclusion_note_without_an_exclusion_flag(member, actor):
    html = html_of(member, make(actor, "pub-01"))
    assert "cannot be relied on until exclusion is cleared" not in html


def test_reasons_are_plain_sentences_with_prompt_and_answer_labels(member, actor, ruleset):
    screening = make(actor, "pub-01")
    html = html_of(member, screening)
    question = ruleset.questionnaire.by_id["military_situation"]
    option = next(o for o in question.options if o.id == "summoned_did_not_report")
    assert escape(question.caseworker_prompt) in html
    assert f"— <strong>{escape(option.caseworker_label)}</strong>" in html
    # conditions the rule needs false read as the answer given, never as notation
    outcomes = full_assessment(screening)["outcomes"]
    negated = [r for o in outcomes for r in o["why"] if r["negated"] and "q" in r["condition"]]
    assert negated
    assert escape(ruleset.questionnaire.by_id[negated[0]["question"]].caseworker_prompt) in html
    page = visible_text(html)
    for notation in ("not:", "only:", "any of:", "Outcome:"):
        assert notation not in page
    # an earlier outcome as a condition is named by its title and its strength in words
    chained = [(o, r) for o in full_assessment(screening)["outcomes"] for r in o["why"] if r.get("outcome")]
    assert chained
    first = chained[0][1]["outcome"].split(",")[0]
    strength = next(o["strength"] for o in full_assessment(screening)["outcomes"] if o["id"] == first)
    words = {"strong": "strong", "arguable": "arguable", "needs_information": "needs information"}[strength]
    assert escape(f"{ruleset.outcomes[first].title} ({words})") in html
    # booleans read Yes / No, and the citations name the Regulation's article
    assert "— <strong>Yes</strong>" in html
    assert "QR Art " in html  # 1.1.0 cites the Regulation first, the Directive in brackets


def visible_text(html: str) -> str:
    """The page text outside the "technical details" disclosures."""
    html = re.sub(r'<details class="rs-technical">.*?</details>', "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_rule_ids_are_only_in_the_technical_details(member, actor, ruleset):
    screening = make(actor, "pub-01")
    html = html_of(member, screening)
    outcome = full_assessment(screening)["outcomes"][0]
    rule = ruleset.rule_by_id[outcome["rules"][0]]
    assert escape(rule.rationale) in html
    assert re.search(r'<details class="rs-technical">.*?Rule ' + rule.id + r"\b", html, flags=re.S)
    assert not re.search(r"\bR\d+[a-z]?\b", visible_text(html))
    assert "decision model rule" not in visible_text(html)
    for item in full_assessment(screening)["evidence_checklist"]:
        assert escape(item["text"]) in html


def test_why_not_strong_and_considered_not_met_are_shown(member, actor, ruleset):
    """pub-02: the country profile's "punishment proportionate" rules out Art 9(2)(c); the page says so."""
    screening = make(actor, "pub-02")
    assessment = full_assessment(screening)
    not_met = {n["id"]: n for n in assessment["not_met"]}
    act_c = not_met["act_9_2_c_disproportionate_or_discriminatory_punishment"]
    assert [r["question"] for r in act_c["failed"]] == ["coi_penalty_assessment"]
    assert act_c["failed"][0]["holds"] == "false"
    html = html_of(member, screening)
    prompt = escape(ruleset.questionnaire.by_id["coi_penalty_assessment"].caseworker_prompt)
    section = html[html.index('id="not-met-act_9_2_c_disproportionate_or_discriminatory_punishment"') :]
    section = section[: section.index("</li>\n")]
    assert prompt in section
    value = CASES["pub-02"]["answers"]["coi_penalty_assessment"]
    label = ruleset.questionnaire.by_id["coi_penalty_assessment"]
    label = next(o for o in label.options if o.id == value)
    assert escape(label.caseworker_label or label.label) in section
    arguable = [o for o in assessment["outcomes"] if o["why_not_strong"]]
    assert arguable and all(o["strength"] != "strong" for o in arguable)
    assert "Why it is not strong" in html


@pytest.mark.parametrize("respondent", ["caseworker", "claimant"])
def test_missing_questions_link_back_to_the_interview(member, actor, ruleset, respondent):
    screening = make(actor, answers=SPARSE, respondent=respondent)
    html = html_of(member, screening)
    needing = [o for o in full_assessment(screening)["outcomes"] if o["missing_questions"]]
    assert needing
    for outcome in needing:
        for qid in outcome["missing_questions"]:
            if respondent == "claimant" and ruleset.questionnaire.by_id[qid].audience == "caseworker":
                url = f"/cases/{screening.id}/check/#handover"  # the caseworker answers it after hand-over
            elif respondent == "claimant":
                url = f"/cases/{screening.id}/question/{qid}/"
            else:
                url = f"/cases/{screening.id}/section/{ruleset.questionnaire.by_id[qid].section}/#q-{qid}"
            prompt = escape(ruleset.questionnaire.by_id[qid].caseworker_prompt)
            assert f'<a href="{url}">{prompt}</a>' in html


def test_reasons_from_the_country_profile_are_marked_with_source_and_date(member, actor):
    services.country_profiles_load()
    answers = {
        k: v
        for k, v in CASES["pub-01"]["answers"].items()
        if not k.startswith("coi_") and k != "armed_conflict_involvement"
    }
    screening = make(actor, answers=answers, apply_country_profile=True)
    used = full_assessment(screening)["country_profile_used"]
    assert used
    from_profile = [
        r for o in full_assessment(screening)["outcomes"] for r in o["why"] if r.get("source") == "country_profile"
    ]
    assert from_profile
    html = html_of(member, screening)
    qid = from_profile[0]["question"]
    assert escape(f"(from the country profile: {used[qid]['source']},") in html
    # and the memo lists the defaults with the answers, with their source (the memo has no per-outcome reasons)
    memo = html_of(member, screening, "memo")
    answers = memo[memo.index('id="memo-answers"') :]
    assert escape(used[qid]["sources"][0]["title"]) in answers


def test_p1_downgrade_is_explained(member, actor):
    screening = make(actor, "pub-18")
    downgraded = [o["id"] for o in full_assessment(screening)["outcomes"] if o["downgraded_by"] == "P1"]
    assert downgraded
    html = html_of(member, screening)
    assert html.count("Downgraded from strong to arguable: the feared actor") == len(downgraded)


def test_no_candidate_ground_is_said_plainly(member, actor, ruleset):
    case = next(c for c in CASES.values() if "flag_no_candidate_ground_identified" in c["expected"]["present"])
    screening = make(actor, case["id"])
    html = html_of(member, screening)
    assert escape(ruleset.outcomes["flag_no_candidate_ground_identified"].title) in html
    assert "No Convention reason, act of persecution or subsidiary-protection ground was identified" in html


def test_a_screening_without_outcomes_has_an_empty_state(member, actor):
    screening = make(actor, answers=SPARSE)
    # an assessment stored in full (as before compact storage) is shown as stored
    screening.assessment = {**full_assessment(screening), "outcomes": []}
    screening._full_assessment = None
    screening.save(update_fields=["assessment"])
    html = html_of(member, screening)
    assert "The screening identified no candidate ground and no flag" in html


def test_russian_uses_translated_prompts_and_outcome_titles(member, actor, ruleset):
    screening = make(actor, "pub-01", language="ru")
    html = html_of(member, screening, HTTP_ACCEPT_LANGUAGE="ru")
    ru = translation_for(ruleset, "ru")
    assert ru.language == "ru"
    prompt = ru.question(ruleset.questionnaire.by_id["military_situation"])["caseworker_prompt"]
    assert prompt != ruleset.questionnaire.by_id["military_situation"].caseworker_prompt
    assert escape(prompt) in html
    with translation.override("ru"):
        context = results.result_context(screening)
    titles = {o["id"]: o["title"] for g in context["groups"] for o in g["outcomes"]}
    translated = {oid: ru.document.get("outcomes", {}).get(oid, {}).get("title") for oid in titles}
    if not all(translated.values()):
        pytest.skip("rules/rulesets/military_service/1.0.0/translations/ru.yaml has no outcome titles yet")
    assert titles == translated
    for title in translated.values():
        assert escape(title) in html


def test_rationales_and_citations_are_in_the_page_language_with_english_kept_for_english(member, actor, ruleset):
    screening = make(actor, "pub-01", language="ru")
    outcome = ruleset.outcomes[full_assessment(screening)["outcomes"][0]["id"]]
    rule = ruleset.rule_by_id[full_assessment(screening)["outcomes"][0]["rules"][0]]
    for language in ("ru", "uk"):
        texts = translation_for(ruleset, language)
        rationale = texts.rule_rationale(rule)
        citations = [texts.citation_texts(outcome)[c.text] for c in outcome.citations]
        assert rationale != rule.rationale
        html = html_of(member, screening, "result", HTTP_ACCEPT_LANGUAGE=language)
        assert escape(rationale) in html and escape(rule.rationale) not in html, language
        for citation in citations:
            assert escape(citation) in html, (language, citation)
    html = html_of(member, screening, HTTP_ACCEPT_LANGUAGE="en")
    assert escape(rule.rationale) in html and escape(outcome.citations[0].text) in html


# ---- the memo and its PDF ----------------------------------------------------------------------------------


def test_memo_has_the_header_the_result_and_every_answer_by_section(member, actor, ruleset):
    screening = make(actor, "pub-02", respondent="claimant")
    html = html_of(member, screening, "memo")
    assert "pub-02" in html
    assert f"sha256 <code>{ruleset.sha256[:12]}</code>" in html and ruleset.version in html
    assert "The claimant" in html and "English" in html
    assert 'media="print"' in html and "screening/print.css" in html
    for outcome in full_assessment(screening)["outcomes"]:
        assert f'id="outcome-{outcome["id"]}"' in html
    answers_at = html.index('id="memo-answers"')
    for qid in screening.answers:
        question = ruleset.questionnaire.by_id[qid]
        assert html.index(escape(question.caseworker_prompt), answers_at) > answers_at
    sections = [s["title"] for s in ruleset.questionnaire.sections]
    positions = [html.index(escape(title), answers_at) for title in sections]
    assert positions == sorted(positions)
    assert html.count(escape(full_assessment(screening)["disclaimer"])) == 2


def test_memo_and_pdf_are_audited_as_exports(member, actor):
    screening = make(actor, "pub-01")
    html_of(member, screening, "memo")
    response = member.get(reverse("results:memo_pdf", args=[screening.id]))
    assert response.status_code == 200
    events = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.EXPORTED)
    assert events.count() == 2
    assert not AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.VIEWED).exists()


def test_pdf_is_a_download_named_after_the_reference(member, actor):
    screening = make(actor, "pub-01", reference="DEMO/pub 01")
    response = member.get(reverse("results:memo_pdf", args=[screening.id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="memo-DEMO-pub-01.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 10_000  # two embedded font subsets and several pages
    nameless = make(actor, "pub-01", reference="")
    response = member.get(reverse("results:memo_pdf", args=[nameless.id]))
    assert response["Content-Disposition"] == f'attachment; filename="memo-{nameless.id}.pdf"'


def _unescape_pdf_string(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    simple = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}
    while i < len(raw):
        ch = raw[i : i + 1]
        if ch != b"\\":
            out += ch
            i += 1
            continue
        nxt = raw[i + 1 : i + 2]
        if nxt in simple:
            out += simple[nxt]
            i += 2
        elif nxt.isdigit():
            digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4]).group()
            out.append(int(digits, 8))
            i += 1 + len(digits)
        else:  # a line continuation or an unknown escape: dropped
            i += 2
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text shown by an uncompressed fpdf2 PDF, decoded through each font's ToUnicode map.

    Enough for fpdf2's output (Type0 fonts, Identity-H, `(…) Tj`); not a general PDF parser."""
    objects = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)}
    fonts: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            font = objects.get(int(ref), b"")
            cmap_ref = re.search(rb"/ToUnicode (\d+) 0 R", font)
            if not cmap_ref or name in fonts:
                continue
            cmap = objects[int(cmap_ref.group(1))]
            mapping: dict[int, str] = {}
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
                for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
            for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
                for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    start = int(dst, 16)
                    for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                        mapping[code] = chr(start + k)
            fonts[name] = mapping
    assert fonts, "no ToUnicode maps: is the font embedded?"
    pieces: list[str] = []
    for body in objects.values():
        stream = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        if not stream or b"BT" not in stream.group(1):
            continue
        current: dict[int, str] = {}
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", stream.group(1), re.S):
            if token.group(1):
                current = fonts.get(token.group(1), {})
                continue
            raw = _unescape_pdf_string(token.group(2))
            codes = [int.from_bytes(raw[k : k + 2], "big") for k in range(0, len(raw) - 1, 2)]
            pieces.append("".join(current.get(code, "\ufffd") for code in codes))
    return re.sub(r"\s+", " ", " ".join(pieces))


def test_pdf_contains_the_memo_text(actor, ruleset):
    screening = make(actor, "pub-03")
    data = memo_pdf(results.memo_context(screening, language="en"), compress=False)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Screening memo: pub-03" in text
    assert "Screening, not a decision." in text
    for outcome in full_assessment(screening)["outcomes"]:
        assert ruleset.outcomes[outcome["id"]].title in text, outcome["id"]
    assert text.index(ruleset.outcomes["flag_exclusion_review_international_crimes"].title) < text.index(
        ruleset.outcomes["ground_political_opinion"].title
    )
    assert ruleset.questionnaire.by_id["military_situation"].caseworker_prompt in text
    assert ruleset.sha256[:12] in text


def test_pdf_prints_cyrillic(actor, ruleset):
    screening = make(actor, "pub-01", language="ru")
    with translation.override("ru"):
        data = memo_pdf(results.memo_context(screening), compress=False)
    prompt = translation_for(ruleset, "ru").question(ruleset.questionnaire.by_id["military_situation"])
    assert re.search("[А-Яа-я]", prompt["caseworker_prompt"])
    assert prompt["caseworker_prompt"] in pdf_text(data)


# ---- access ------------------------------------------------------------------------------------------------


def test_another_organisation_gets_404_everywhere(client, actor):
    screening = make(actor, "pub-01")
    other = services.organisation_create(name="Beta Aid")
    outsider = services.user_create(organisation=other, username="boris", password="x-unused-x")
    client.force_login(outsider)
    for url in urls(screening):
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(screening_id=screening.id).exclude(action=AuditAction.CREATED).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, actor):
    screening = make(actor, "pub-01")
    for url in urls(screening):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "next=" in response["Location"]


def test_unknown_screening_is_404(member):
    assert member.get("/cases/00000000-0000-0000-0000-000000000000/result/").status_code == 404


def test_an_assessment_under_another_ruleset_says_so(member, actor):
    screening = make(actor, "pub-01")
    screening.ruleset_sha256 = "0" * 64
    screening.save(update_fields=["ruleset_sha256"])
    html = html_of(member, screening)
    assert "The rules of this version have been edited since this assessment" in html
    assert "sha256 <code>000000000000</code>" in html


def test_the_same_condition_text_is_listed_once(actor):
    screening = make(actor, "pub-03")
    for group in results.result_context(screening, language="en")["groups"]:
        for outcome in group["outcomes"]:
            for kind in ("why", "why_not_strong"):
                texts = [r["text"] for r in outcome[kind]]
                assert len(texts) == len(set(texts)), outcome["id"]
                questions = [r["question"] for r in outcome[kind] if r.get("question")]
                assert len(questions) == len(set(questions)), outcome["id"]
