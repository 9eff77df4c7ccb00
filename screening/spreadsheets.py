"""Triage spreadsheets: the template generated from the questionnaire, and reading a filled CSV, XLSX or JSON
Lines file into job items (screening/jobs.py), each with its row number.

The template has a `reference` column and one column per question id, in questionnaire order. A cell holds an
option id or the option's label in the template's language (or English), several options separated by `;`,
yes/no for yes/no questions, a number, a date (YYYY-MM-DD, or YYYY-MM where the question is approximate) or a
country code. An empty cell is no answer. The template's second sheet (XLSX) or companion `options` file (CSV)
lists every option with its label.

A cell that cannot be read is passed on as it is, so the rules' validation names the row's question and why:
an invalid row never stops the job. A file is refused as a whole only when it cannot be read at all, or has an
unknown column, or is over the limits (TRIAGE_MAX_BYTES, TRIAGE_MAX_ROWS).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from rules.model import Question, Ruleset
from rules.translations import translation_for

TRIAGE_MAX_BYTES = 10 * 1024 * 1024
TRIAGE_MAX_ROWS = 10_000
REFERENCE = "reference"
SEPARATOR = ";"
YES = {"yes", "true", "1", "y", "да", "так"}
NO = {"no", "false", "0", "n", "нет", "ні"}


class UploadError(Exception):
    """The file as a whole cannot be used (a clear message for the person who uploaded it)."""


@dataclass
class Parsed:
    items: list[dict] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


# ---- the template ------------------------------------------------------------------------------------------------


def columns(ruleset: Ruleset) -> list[str]:
    return [REFERENCE, *(q.id for q in ruleset.questionnaire.questions)]


def option_rows(ruleset: Ruleset, language: str) -> list[list[str]]:
    """[question id, option id, label in the language] for every option (yes/no questions included)."""
    translation = translation_for(ruleset, language)
    rows = [["question", "option", "label"]]
    for question in ruleset.questionnaire.questions:
        if question.type == "boolean":
            rows += [[question.id, "yes", "yes"], [question.id, "no", "no"]]
        for option_id, texts in translation.question(question)["options"].items():
            rows.append([question.id, option_id, texts.get("caseworker_label") or texts.get("label") or option_id])
    return rows


def template_csv(ruleset: Ruleset) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(columns(ruleset))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes spreadsheet programs read UTF-8


def options_csv(ruleset: Ruleset, language: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(option_rows(ruleset, language))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(ruleset: Ruleset, language: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "screenings"
    sheet.append(columns(ruleset))
    sheet.freeze_panes = "A2"
    options = book.create_sheet("options")
    for row in option_rows(ruleset, language):
        options.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- reading a filled file ---------------------------------------------------------------------------------------


class CellReader:
    """Turns a cell into an answer for one ruleset, accepting option ids and labels (in `language` and English)."""

    def __init__(self, ruleset: Ruleset, language: str):
        self.questions = ruleset.questionnaire.by_id
        self.labels: dict[str, dict[str, str]] = {}
        for lang in dict.fromkeys([language, "en"]):
            translation = translation_for(ruleset, lang)
            for question in ruleset.questionnaire.questions:
                known = self.labels.setdefault(question.id, {})
                for option_id, texts in translation.question(question)["options"].items():
                    for text in (texts.get("label"), texts.get("caseworker_label"), option_id):
                        if text:
                            known.setdefault(text.strip().casefold(), option_id)

    def value(self, question: Question, raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if question.type == "integer":
            if isinstance(raw, int | float) and float(raw).is_integer():
                return int(raw)
            text = str(raw).strip()
            return int(text) if text.lstrip("-").isdigit() else text  # not a number: validation says so
        if question.type == "boolean":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().casefold()
            return True if text in YES else False if text in NO else text
        if question.type == "date":
            return raw.date().isoformat() if hasattr(raw, "date") else str(raw).strip()
        if question.type == "single_choice":
            return self._option(question, raw)
        if question.type == "multi_choice":
            return [self._option(question, part) for part in str(raw).split(SEPARATOR) if part.strip()]
        if question.type == "country":
            return str(raw).strip().upper()
        return str(raw).strip()

    def _option(self, question: Question, raw: Any) -> str:
        text = str(raw).strip()
        return self.labels.get(question.id, {}).get(text.casefold(), text)


def _item(reader: CellReader, header: list[str], cells: list[Any]) -> dict:
    answers: dict[str, Any] = {}
    reference = ""
    for name, raw in zip(header, cells, strict=False):
        if name == REFERENCE:
            reference = "" if raw is None else str(raw).strip()[:100]
            continue
        value = reader.value(reader.questions[name], raw)
        if value is not None and value != []:
            answers[name] = value
    item: dict[str, Any] = {"answers": answers, "respondent": "caseworker"}
    if reference:
        item["reference"] = reference
    return item


def _check_header(ruleset: Ruleset, header: list[Any]) -> list[str]:
    names = ["" if h is None else str(h).strip().lstrip("\ufeff") for h in header]
    known = set(columns(ruleset))
    unknown = [n for n in names if n and n not in known]
    if unknown:
        raise UploadError(
            f"Unknown column(s) {', '.join(unknown[:10])}: use the template's column names (question ids)."
        )
    if not any(names):
        raise UploadError("The first row must name the columns (download the template).")
    return names


def parse(content: bytes, file_name: str, ruleset: Ruleset, language: str) -> Parsed:
    """Items and row numbers from an uploaded file (by its extension: .csv, .xlsx, .jsonl)."""
    if len(content) > TRIAGE_MAX_BYTES:
        raise UploadError(f"The file is larger than {TRIAGE_MAX_BYTES // (1024 * 1024)} MB.")
    if not content.strip():
        raise UploadError("The file is empty.")
    name = file_name.lower()
    if name.endswith(".csv"):
        return _parse_table(_csv_rows(content), ruleset, language)
    if name.endswith(".xlsx"):
        return _parse_table(_xlsx_rows(content), ruleset, language)
    if name.endswith((".jsonl", ".ndjson")):
        return _parse_jsonl(content)
    raise UploadError("Upload a .csv, .xlsx or .jsonl file.")


def _csv_rows(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError("The CSV file is not UTF-8 text: save it as 'CSV UTF-8'.") from exc
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        pass
    return list(csv.reader(io.StringIO(text), dialect))


def _xlsx_rows(content: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise UploadError("The file is not a readable .xlsx workbook.") from exc
    sheet = book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def _parse_table(rows: list[list[Any]], ruleset: Ruleset, language: str) -> Parsed:
    if not rows:
        raise UploadError("The file is empty.")
    header = _check_header(ruleset, rows[0])
    reader = CellReader(ruleset, language)
    parsed = Parsed()
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c is not None and str(c).strip() for c in cells):
            continue  # a blank row
        if len(parsed.items) >= TRIAGE_MAX_ROWS:
            raise UploadError(f"The file has more than {TRIAGE_MAX_ROWS} rows: split it.")
        parsed.items.append(_item(reader, header, list(cells)))
        parsed.rows.append(number)
    if not parsed.items:
        raise UploadError("The file has no rows under its header.")
    return parsed


def _parse_jsonl(content: bytes) -> Parsed:
    parsed = Parsed()
    try:
        lines = content.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise UploadError("The JSON Lines file is not UTF-8 text.") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(parsed.items) >= TRIAGE_MAX_ROWS:
            raise UploadError(f"The file has more than {TRIAGE_MAX_ROWS} lines: split it.")
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            item = {"_error": "This line is not valid JSON."}
        parsed.items.append(item)
        parsed.rows.append(number)
    if not parsed.items:
        raise UploadError("The file has no lines.")
    return parsed


# ---- results as a table ------------------------------------------------------------------------------------------

RESULT_COLUMNS = [
    "row",
    "reference",
    "screening",
    "strongest_act",
    "strongest_reason",
    "flags",
    "exclusion_review",
    "errors",
]


def _safe(cell: str) -> str:
    """A cell a spreadsheet program will not run as a formula (CSV injection: references are typed by people)."""
    return "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def table_csv(header: list[str], rows: list[list]) -> bytes:
    """A CSV with a byte-order mark (Excel reads it as UTF-8), every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_safe(c) for c in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(header: list[str], rows: list[list], *, title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append([_safe(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_csv(rows: list[list[str]]) -> bytes:
    return table_csv(RESULT_COLUMNS, rows)


def results_xlsx(rows: list[list[str]]) -> bytes:
    return table_xlsx(RESULT_COLUMNS, rows, title="results")
