"""In the browser: a supervisor opens the dashboard from the header, sees the charts of the organisation's
screenings, corrects a bad date range, downloads the screening list and the export with answers (audited); axe-core
finds no serious or critical violation; the strict CSP reports nothing (the conftest watches the console)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from playwright.sync_api import expect

from screening import services
from screening.auth import Actor
from screening.models import AuditAction, AuditEvent, Role, Screening
from tests.conftest import load_public_cases

from .conftest import PASSWORD, new_page, orm
from .pages import backup_code_for, sign_in, submit, verify_second_factor


def test_supervisor_reads_the_dashboard_and_exports(browser, live_server, people, recorder):
    today = dt.date.today()
    with orm():
        organisation = people["organisation"]
        supervisor = services.user_create(
            organisation=organisation, username="sup", password=PASSWORD, role=Role.SUPERVISOR
        )
        code = backup_code_for(supervisor)
        for number, case in enumerate(load_public_cases()[:12]):
            services.screening_create(
                actor=Actor(organisation=organisation), answers=case["answers"], reference=f"d-{number}"
            )
        other = services.organisation_create(name="Elsewhere")
        services.screening_create(actor=Actor(organisation=other), answers={"country_of_origin": "NZ"}, reference="x-1")
        total = Screening.objects.filter(organisation=organisation).count()

    page = new_page(browser, live_server.url)
    page.goto("/cases/")
    sign_in(page, "sup", PASSWORD)
    verify_second_factor(page, code)
    submit(page, page.get_by_role("link", name="Dashboard"))
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("#dashboard-total")).to_contain_text(f"{total} screenings created from")
    expect(page.locator("svg.chart__svg")).to_have_count(5)
    expect(page.locator("#table-country")).to_contain_text("Russia")
    expect(page.locator("#table-country")).not_to_contain_text("New Zealand")
    recorder.shot(page, "dashboard")
    recorder.a11y(page, "dashboard")

    page.locator("#id_start").fill(today.isoformat())
    page.locator("#id_end").fill((today - dt.timedelta(days=1)).isoformat())
    submit(page, page.get_by_role("button", name="Show"))
    expect(page.locator(".error-summary")).to_contain_text("The end date must be the same as or after the start date.")
    recorder.shot(page, "dashboard-bad-range")
    recorder.a11y(page, "dashboard with errors")
    page.locator("#id_end").fill(today.isoformat())
    submit(page, page.get_by_role("button", name="Show"))
    expect(page.locator("#dashboard-total")).to_contain_text(f"{total} screenings created from")

    with page.expect_download() as listing:
        page.get_by_role("link", name="Screening list (CSV)").click()
    rows = list(csv.reader(io.StringIO(listing.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == total + 1 and not any(h.startswith("answer:") for h in rows[0])

    with page.expect_download() as with_answers:
        page.get_by_role("button", name="Download with answers (recorded)").click()
    header = next(csv.reader(io.StringIO(with_answers.value.path().read_text(encoding="utf-8-sig"))))
    assert "answer:country_of_origin" in header
    with orm():
        event = AuditEvent.objects.get(action=AuditAction.EXPORTED, organisation=organisation)
        assert len(event.detail["screenings"]) == total and event.actor_label == "user:sup"
