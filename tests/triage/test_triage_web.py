"""Triage in the web UI: the template from the questionnaire, a filled CSV or XLSX upload of public cases, the
job's progress page, the results table (filter, sort) and its downloads; bad files and bad rows."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from rules import load_ruleset
from screening import services, spreadsheets
from screening.models import Job, JobStatus, Role, Screening
from tests.conftest import load_public_cases

pytestmark = pytest.mark.django_db
CASES = load_public_cases()[:30]


@pytest.fixture
def supervisor(client):
    organisation = services.organisation_create(name="Triage NGO")
    user = services.user_create(
        organisation=organisation, username="sam", password="a-long-test-password", role=Role.SUPERVISOR
    )
    client.force_login(user)
    return client, organisation


def _cell(question, value, *, labels):
    """A public case's answer as a person would type it in the template."""
    if question.type == "boolean":
        return "yes" if value else "no"
    if question.type == "multi_choice":
        return ";".join(_label(question, v) if labels else v for v in value)
    if question.type == "single_choice" and labels:
        return _label(question, value)
    return value


def _label(question, option_id):
    option = next((o for o in question.options if o.id == option_id), None)
    return (option.caseworker_label or option.label) if option else option_id


def filled_rows(ruleset, *, labels=False):
    header = spreadsheets.columns(ruleset)
    rows = [header]
    for case in CASES:
        row = []
        for name in header:
            if name == "reference":
                row.append(case["id"])
            elif name in case["answers"]:
                row.append(_cell(ruleset.questionnaire.by_id[name], case["answers"][name], labels=labels))
            else:
                row.append("")
        rows.append(row)
    return rows


def as_csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def as_xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, name, content, capture):
    with capture(execute=True):
        return client.post(reverse("web:triage"), {"file": io.BytesIO(content) | _named(name)})


class _named:
    """`io.BytesIO(...) | _named("x.csv")`: a file object with a name, as the test client uploads it."""

    def __init__(self, name):
        self.name = name

    def __ror__(self, stream):
        stream.name = self.name
        return stream


def _expected(case):
    return case["expected"]


@pytest.mark.parametrize(("name", "make", "labels"), [("cases.csv", as_csv, False), ("cases.xlsx", as_xlsx, True)])
def test_uploaded_public_cases_are_screened_as_expected(
    supervisor, django_capture_on_commit_callbacks, name, make, labels
):
    client, organisation = supervisor
    ruleset = load_ruleset()
    response = upload(client, name, make(filled_rows(ruleset, labels=labels)), django_capture_on_commit_callbacks)
    job = Job.objects.get(organisation=organisation)
    assert response.status_code == 302 and response.url == reverse("web:triage-job", args=[job.id])
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.total_items == 30 and job.failed_items == 0
    for item in job.items.order_by("index"):
        case = CASES[item.index]
        assert item.row == item.index + 2 and item.reference == case["id"]
        screening = Screening.objects.get(pk=item.screening_id)
        assert screening.status == "draft" and screening.respondent == "caseworker"
        got = {o["id"]: o["strength"] for o in screening.assessment["outcomes"]}
        assert sorted(got) == sorted(_expected(case)["present"]), case["id"]
        for outcome_id, strength in _expected(case).get("strength", {}).items():
            assert got[outcome_id] == strength, (case["id"], outcome_id)
    page = client.get(response.url).content.decode()
    assert "Completed: 30 of 30 rows screened." in page and 'http-equiv="refresh"' not in page
    assert page.count("<tr>") == 31  # the header row and one per input row


def test_results_download_filter_and_sort(supervisor, django_capture_on_commit_callbacks):
    client, organisation = supervisor
    ruleset = load_ruleset()
    rows = filled_rows(ruleset)
    rows[3][rows[0].index("age")] = "forty"  # row 4: not a number
    upload(client, "cases.csv", as_csv(rows), django_capture_on_commit_callbacks)
    job = Job.objects.get(organisation=organisation)
    assert job.failed_items == 1 and job.succeeded_items == 29
    url = reverse("web:triage-job", args=[job.id])
    problems = client.get(url, {"strength": "errors"}).content.decode()
    assert problems.count("<tr>") == 2 and "Column age:" in problems and "<td>4</td>" in problems
    strong = client.get(url, {"strength": "strong"}).content.decode()
    assert "Strong)" in strong and "(Arguable)</td><td>" not in strong.split("<tbody>")[1].split("</td>")[2]
    sorted_page = client.get(url, {"sort": "strength"}).content.decode()
    assert sorted_page.index("(Strong)") < sorted_page.rindex("(Needs information)")
    download = client.get(reverse("web:triage-results", args=[job.id, "csv"]))
    table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert table[0] == spreadsheets.RESULT_COLUMNS and len(table) == 31
    assert table[3][0] == "4" and "age:" in table[3][-1]
    xlsx = load_workbook(io.BytesIO(client.get(reverse("web:triage-results", args=[job.id, "xlsx"])).content))
    assert [c.value for c in next(xlsx.active.iter_rows(max_row=1))] == spreadsheets.RESULT_COLUMNS


def test_template_downloads_list_every_question_and_option(supervisor):
    client, _ = supervisor
    ruleset = load_ruleset()
    header = next(csv.reader(io.StringIO(client.get("/triage/template.csv").content.decode("utf-8-sig"))))
    assert header == ["reference", *(q.id for q in ruleset.questionnaire.questions)]
    book = load_workbook(io.BytesIO(client.get("/triage/template.xlsx").content))
    assert book.sheetnames == ["screenings", "options"]
    options = {(r[0], r[1]) for r in book["options"].iter_rows(min_row=2, values_only=True)}
    for question in ruleset.questionnaire.questions:
        for option in question.options:
            assert (question.id, option.id) in options
    russian = client.get("/triage/template.options.csv", HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.csv", b"reference,not_a_question\nA,1\n", "Unknown column(s) not_a_question"),
        ("x.pdf", b"%PDF-1.4", "Upload a .csv, .xlsx or .jsonl file."),
        ("x.xlsx", b"not a zip", "not a readable .xlsx workbook"),
        ("x.csv", b"", "The file is empty."),
        ("x.csv", b"reference,age\n", "no rows under its header"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_creates_nothing(supervisor, name, content, message):
    client, organisation = supervisor
    response = client.post(reverse("web:triage"), {"file": io.BytesIO(content) | _named(name)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Job.objects.filter(organisation=organisation).exists()


def test_jsonl_upload_with_a_broken_line_keeps_the_others(supervisor, django_capture_on_commit_callbacks):
    client, organisation = supervisor
    lines = [json.dumps({"reference": c["id"], "answers": c["answers"]}) for c in CASES[:3]]
    lines.insert(1, "{not json")
    upload(client, "cases.jsonl", "\n".join(lines).encode(), django_capture_on_commit_callbacks)
    job = Job.objects.get(organisation=organisation)
    assert job.succeeded_items == 3 and job.failed_items == 1
    bad = job.items.get(index=1)
    assert bad.row == 2 and bad.errors[0]["message"] == "This line is not valid JSON."


def test_another_organisations_job_does_not_exist(supervisor, client, django_capture_on_commit_callbacks):
    own_client, organisation = supervisor
    upload(own_client, "cases.csv", as_csv(filled_rows(load_ruleset())[:3]), django_capture_on_commit_callbacks)
    job = Job.objects.get(organisation=organisation)
    other = services.organisation_create(name="Other NGO")
    stranger = services.user_create(organisation=other, username="oz", password="a-long-test-password")
    client.force_login(stranger)
    assert client.get(reverse("web:triage-job", args=[job.id])).status_code == 404
    assert client.get(reverse("web:triage-results", args=[job.id, "csv"])).status_code == 404


def test_results_cells_cannot_run_as_formulas():
    data = spreadsheets.results_csv([["2", "=HYPERLINK(1)", "", "", "", "", "", ""]]).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in data
