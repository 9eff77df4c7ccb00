"""In the browser: a supervisor downloads the triage template, uploads it filled with 30 public cases (CSV, then
XLSX), sees the job's progress and results, downloads the results, and opens an imported screening whose result
page shows the outcomes the public case expects."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from rules import load_ruleset
from screening import services
from screening.models import Role
from tests.triage.test_triage_web import CASES, as_csv, as_xlsx, filled_rows

from .conftest import PASSWORD, new_page, orm
from .pages import backup_code_for, sign_in, submit, verify_second_factor


@pytest.mark.parametrize(("name", "make"), [("public-cases.csv", as_csv), ("public-cases.xlsx", as_xlsx)])
def test_supervisor_uploads_public_cases_and_opens_one(browser, live_server, people, recorder, tmp_path, name, make):
    with orm():
        supervisor = services.user_create(
            organisation=people["organisation"], username="sup", password=PASSWORD, role=Role.SUPERVISOR
        )
        code = backup_code_for(supervisor)  # supervisors sign in with a second factor
        ruleset = load_ruleset()
    page = new_page(browser, live_server.url)
    page.goto("/triage/")
    sign_in(page, "sup", PASSWORD)
    verify_second_factor(page, code)
    expect(page.locator("h1")).to_have_text("Triage: screen many people at once")
    with page.expect_download() as template:
        page.get_by_role("link", name="Template as CSV").click()
    header = next(csv.reader(io.StringIO(template.value.path().read_text(encoding="utf-8-sig"))))
    assert header == filled_rows(ruleset)[0]
    recorder.a11y(page, "triage upload")

    path = tmp_path / name
    path.write_bytes(make(filled_rows(ruleset, labels=name.endswith(".xlsx"))))
    page.locator("#triage-file").set_input_files(str(path))
    submit(page, page.get_by_role("button", name="Upload and screen"))
    expect(page.locator("#job-status")).to_contain_text("30 of 30 rows screened")
    expect(page.locator("#job-progress")).to_have_attribute("value", "100")
    expect(page.locator("#triage-results tbody tr")).to_have_count(30)
    recorder.shot(page, f"results-{name}")
    recorder.a11y(page, "triage results")
    with page.expect_download() as results:
        page.get_by_role("link", name="Download the results (CSV)").click()
    table = list(csv.reader(io.StringIO(results.value.path().read_text(encoding="utf-8-sig"))))
    assert len(table) == 31 and [row[1] for row in table[1:]] == [case["id"] for case in CASES]

    case = CASES[1]  # pub-02
    submit(page, page.locator("#triage-results").get_by_role("link", name=case["id"], exact=True))
    expect(page.locator("h1")).to_be_visible()
    screening_id = page.url.split("/cases/")[1].split("/")[0]
    page.goto(f"/cases/{screening_id}/result/")
    for outcome_id in case["expected"]["present"]:
        expect(page.locator(f"#outcome-{outcome_id}")).to_contain_text(ruleset.outcomes[outcome_id].title)
    for outcome_id, strength in case["expected"].get("strength", {}).items():
        label = {"strong": "Strong", "arguable": "Arguable", "needs_information": "Needs information"}[strength]
        expect(page.locator(f"#outcome-{outcome_id} .rs-tag").first).to_have_text(label)
    recorder.shot(page, "imported-screening-result")
