"""The screening memo as a PDF (fpdf2, pure Python), with the same content as the printable memo page.

Text is set in DejaVu Sans (screening/static/fonts/, Bitstream Vera licence), embedded as a subset, so Cyrillic
and other non-Latin answers and translations print correctly. The input is results.memo_context(): plain data,
already translated into the caseworker's language.

The PDF is tagged for screen readers (review: "Tagged: no"): every heading and paragraph is a structure element
(H1-H4, P) in the structure tree, the page footer and rules are artifacts, the document carries its language
(/Lang) and title, and headings are bookmarks. fpdf2 2.8.9 has a structure tree (FPDF.struct_builder, used for
its own figures and links) but no public call to tag text, so MemoPDF.tagged() adds marked content through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.prefs import ViewerPreferences

FONT_DIR = Path(__file__).resolve().parent / "static" / "fonts"
FONT = "DejaVu"
BODY_SIZE = 9.5
LINE = 4.6  # mm per line of body text
INDENT = 5


class MemoPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)  # the title, not the file name
        self._open_tag: str | None = None

    # -- tagging (structure tree) --

    @contextmanager
    def tagged(self, struct_type: str) -> Iterator[None]:
        """What is drawn inside becomes one structure element (H1, P, ...). A page break inside ends it on one page
        and continues it as an element of the same type on the next (fpdf2's elements each belong to one page)."""
        self._begin_tag(struct_type)
        try:
            yield
        finally:
            self._end_tag()

    @contextmanager
    def artifact(self, kind: str = "Layout") -> Iterator[None]:
        """Drawn content that is not part of the text (footer, rules): screen readers skip it."""
        self._out(f"/Artifact <</Type /{kind}>> BDC")
        try:
            yield
        finally:
            self._out("EMC")

    def _begin_tag(self, struct_type: str) -> None:
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=f"/{struct_type}", mcid=mcid)
        self._out(f"/{struct_type} <</MCID {mcid}>> BDC")
        self._open_tag = struct_type

    def _end_tag(self) -> None:
        if self._open_tag:
            self._out("EMC")
            self._open_tag = None

    def _perform_page_break(self) -> None:
        open_tag = self._open_tag
        self._end_tag()
        super()._perform_page_break()
        if open_tag:
            self._begin_tag(open_tag)

    def footer(self):
        with self.artifact("Pagination"):
            self.set_y(-12)
            self.set_font(FONT, "", 7.5)
            self.set_text_color(60, 60, 60)
            page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
            self.cell(0, 4, f"{self.footer_text} · {page}", align="C")
            self.set_text_color(0, 0, 0)

    # -- building blocks --

    def keep(self, height: float):
        """Start a new page unless `height` mm fit: keeps a heading or label with what follows it."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def heading(self, text: str, size: float = 13, space_before: float = 3, level: int = 2):
        """A heading (H<level>), also a bookmark in the outline."""
        self.keep(space_before + size * 0.5 + 3 * LINE)
        self.ln(space_before)
        self.start_section(text, level=max(level - 2, 0), strict=False)
        self.set_font(FONT, "B", size)
        with self.tagged(f"H{level}"):
            self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FONT, "", BODY_SIZE)

    def para(self, text: str, *, bold: bool = False, indent: float = 0, size: float = BODY_SIZE, tag: str = "P"):
        if not text:
            return
        self.set_font(FONT, "B" if bold else "", size)
        self.set_x(self.l_margin + indent)
        with self.tagged(tag):
            self.multi_cell(self.epw - indent, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", BODY_SIZE)

    def label(self, text: str, indent: float = 0):
        self.keep(3 * LINE)
        self.ln(0.8)
        self.para(text, bold=True, indent=indent)

    def bullet(self, text: str, indent: float = INDENT):
        self.set_font(FONT, "", BODY_SIZE)
        self.set_x(self.l_margin + indent)
        with self.artifact():
            self.cell(4, LINE, "•")
        with self.tagged("P"):
            self.multi_cell(self.epw - indent - 4, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(self, name: str, value: str):
        with self.tagged("P"):
            self.set_font(FONT, "B", BODY_SIZE)
            self.cell(48, LINE, name)
            self.set_font(FONT, "", BODY_SIZE)
            self.multi_cell(self.epw - 48, LINE, value or "—", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def boxed(self, title: str, text: str):
        self.ln(1)
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.4)
        self.set_font(FONT, "B", BODY_SIZE)
        with self.tagged("P"):
            self.multi_cell(
                0, LINE, f"{title} {text}", border=1, padding=2, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.set_font(FONT, "", BODY_SIZE)
        self.ln(1)

    def rule_line(self):
        self.ln(1)
        self.set_draw_color(150, 150, 150)
        self.set_line_width(0.2)
        with self.artifact():
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)


def _outcome(pdf: MemoPDF, outcome: dict[str, Any]) -> None:
    pdf.keep(6 * LINE)
    pdf.rule_line()
    pdf.para(f"{outcome['title']}  [{outcome['strength_label']}]", bold=True, size=10.5, tag="H4")
    if outcome.get("alternative_note"):
        pdf.para(outcome["alternative_note"], bold=True)
    pdf.para(outcome["description"])
    if outcome["downgrade_note"]:
        pdf.para(outcome["downgrade_note"], bold=True)
    if outcome["citations"]:
        pdf.label(_("Citations"))
        for citation in outcome["citations"]:
            text = citation["text"]
            if citation["qr"]:
                text += " — " + _("Regulation (EU) 2024/1347: %(article)s") % {"article": citation["qr"]}
            if citation["qr_note"]:
                text += f" ({citation['qr_note']})"
            pdf.bullet(text)
    if outcome["why"]:
        pdf.label(_("Why"))
        for line in outcome["why"]:
            pdf.bullet(line["text"])
    for rule in outcome["rules"][:1]:
        pdf.para(rule["rationale"], indent=INDENT)
    if outcome["why_not_strong"]:
        pdf.label(_("Why it is not strong"))
        for line in outcome["why_not_strong"]:
            pdf.bullet(line["text"])
    if outcome["strength"] == "needs_information":
        pdf.label(_("Information still missing"))
        if outcome["missing"]:
            for question in outcome["missing"]:
                pdf.bullet(question["prompt"])
        else:
            pdf.bullet(_("This depends on other outcomes that still need information (see the conditions above)."))
    if outcome.get("would_be_strong_if"):
        pdf.label(_("Would be strong if"))
        for line in outcome["would_be_strong_if"]:
            pdf.bullet(line["text"])


def _summary(pdf: MemoPDF, memo: dict[str, Any]) -> None:
    """The result page's summary, linear: the exclusion review first (P2), then the grounds to plead in the
    order a claim is argued, then what happens next."""
    summary = memo["summary"]

    def entries(items):
        for item in items:
            text = f"{item['title']} — {item['strength_label']}"
            if item["key_missing"]:
                text += f" ({item['key_missing']})"
            pdf.bullet(text)

    pdf.heading(_("Summary"), 14, space_before=4, level=2)
    pdf.label(_("Exclusion review"))
    if summary["exclusion"]:
        pdf.para(_("Examine these before relying on any ground: they never remove a ground."), indent=INDENT)
        entries(summary["exclusion"])
    else:
        pdf.para(_("No exclusion indicator on these answers."), indent=INDENT)
    if summary["acts"] or summary["reasons"]:
        pdf.label(_("Refugee status") if summary["refugee_claim"] else _("Refugee status: incomplete"))
        pdf.para(_("Act of persecution"), bold=True, indent=INDENT)
        entries(summary["acts"])
        pdf.para(_("Convention reason (nexus)"), bold=True, indent=INDENT)
        entries(summary["reasons"])
    if summary["subsidiary"]:
        pdf.label(
            _("Subsidiary protection, in the alternative")
            if summary["in_the_alternative"]
            else _("Subsidiary protection")
        )
        entries(summary["subsidiary"])
    pdf.label(_("What happens next"))
    for number, step in enumerate(summary["next_steps"], start=1):
        pdf.bullet(f"{number}. {step}")


def _checklist(pdf: MemoPDF, memo: dict[str, Any]) -> None:
    if not memo.get("evidence_checklist"):
        return
    pdf.heading(_("Evidence to gather"), 12, level=2)
    for item in memo["evidence_checklist"]:
        pdf.bullet(f"{item['text']} ({_('for')} {'; '.join(item['outcomes'])})")


def memo_pdf(memo: dict[str, Any], *, compress: bool = True) -> bytes:
    """The memo as PDF bytes. `compress=False` leaves the content streams readable (tests)."""
    screening = memo["screening"]
    title = _("Screening memo")
    pdf = MemoPDF(footer_text=f"Refuge Screen — {title} {memo['reference_label']} — {_('Screening, not a decision')}")
    pdf.set_compression(compress)
    pdf.set_title(f"{title} {memo['reference_label']}")
    pdf.set_creator("Refuge Screen")
    pdf.set_lang(memo.get("language_code") or "en")
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    with pdf.tagged("H1"):
        pdf.multi_cell(0, 8, f"{title}: {memo['reference_label']}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.boxed(_("Screening, not a decision."), memo["disclaimer"])

    pdf.field(_("Reference"), screening.reference)
    pdf.field(_("Screening id"), str(screening.id))
    pdf.field(_("Date of this memo"), memo["printed_on"])
    pdf.field(_("Last changed"), memo["updated_on"])
    pdf.field(_("Status"), memo["status_label"])
    pdf.field(_("Ruleset"), f"{memo['ruleset_version']} (sha256 {memo['ruleset_sha12']})")
    pdf.field(_("Interview language"), memo["language_name"])
    pdf.field(_("Answered by"), memo["respondent_label"])
    if memo["ruleset_changed"]:
        pdf.para(_("The ruleset has changed since this assessment: reassess the screening to apply the current rules."))

    _summary(pdf, memo)
    _checklist(pdf, memo)

    pdf.heading(_("Grounds and flags in detail"), 14, space_before=4, level=2)
    if not memo["groups"]:
        pdf.para(_("The screening identified no candidate ground and no flag."))
    for group in memo["groups"]:
        pdf.heading(group["title"], 12, level=3)
        if group["id"] == "exclusion":
            pdf.boxed(_("Exclusion review first."), memo["exclusion_note"])
        for outcome in group["outcomes"]:
            _outcome(pdf, outcome)
    if memo.get("not_met"):
        pdf.heading(_("Considered and not met"), 12, level=3)
        for item in memo["not_met"]:
            pdf.label(item["title"])
            for line in item["failed"]:
                pdf.bullet(line["text"])
            if item.get("would_apply_if"):
                pdf.para(_("Would apply if"), indent=INDENT)
                for line in item["would_apply_if"]:
                    pdf.bullet(line["text"], indent=2 * INDENT)
    if memo["unanswered"]:
        pdf.heading(_("Questions not answered yet"), 12, level=3)
        for question in memo["unanswered"]:
            pdf.bullet(question["prompt"], indent=0)

    if screening.case_notes:
        pdf.heading(_("Case notes"), 12, level=2)
        pdf.para(screening.case_notes)

    pdf.add_page()
    pdf.heading(_("Answers"), 14, space_before=0, level=2)
    for section in memo["sections"]:
        pdf.heading(section["title"], 11, space_before=2, level=3)
        if not section["answers"]:
            pdf.para(_("No answers in this section."))
        for row in section["answers"]:
            pdf.keep(3 * LINE)
            pdf.para(row["prompt"], bold=True)
            answer = row["answer"] + (f" {row['profile']}" if row["profile"] else "")
            pdf.para(answer, indent=INDENT)
            pdf.ln(0.8)

    pdf.ln(3)
    pdf.boxed(_("Screening, not a decision."), memo["disclaimer"])
    return bytes(pdf.output())


def subject_access_pdf(data: dict[str, Any], *, compress: bool = True) -> bytes:
    """Everything stored about one screening (selectors.screening_subject_access) as a PDF: each part as a
    heading and its content as indented JSON, so nothing is summarised away."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    title = _("Everything stored about this screening")
    pdf = MemoPDF(footer_text=f"Refuge Screen — {title} — {data['screening']['id']}")
    pdf.set_compression(compress)
    pdf.set_title(title)
    pdf.set_creator("Refuge Screen")
    pdf.set_lang(get_language() or "en")
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    with pdf.tagged("H1"):
        pdf.multi_cell(0, 8, title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for part, value in data.items():
        pdf.heading(part.replace("_", " ").capitalize(), 12, level=2)
        text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        pdf.set_font(FONT, "", 8)
        with pdf.tagged("P"):
            pdf.multi_cell(0, 3.8, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
