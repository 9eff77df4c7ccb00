"""The supervisor dashboard (screening/web/dashboard.py): supervisors and organisation admins of the organisation
only; figures counted from the stored compact data (checked against the decrypted assessments); the date range
validated with clear errors; exports without answers (formula-safe, audited as listed) and with answers (POST
only, audited as exported)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from unittest import mock

import pytest
from django.test import Client
from openpyxl import load_workbook

from screening import services
from screening.auth import Actor
from screening.models import AuditAction, AuditEvent, Role, Screening, ScreeningStatus
from screening.web import dashboard
from tests.conftest import load_public_cases

pytestmark = pytest.mark.django_db

CASES = load_public_cases()
SENTINEL = "Sentinel-Group-Dash-9"


def make_user(org, username: str, role: str):
    user = services.user_create(organisation=org, username=username, password="unused-pw-123456", role=role)
    client = Client()
    client.force_login(user)
    return client


def at(screening: Screening, when: dt.datetime) -> None:
    Screening.objects.filter(pk=screening.pk).update(created_at=when)


@pytest.fixture
def orgs():
    a = services.organisation_create(name="Dash A")
    b = services.organisation_create(name="Dash B")
    return a, b


@pytest.fixture
def stored(orgs):
    """Org A: every public case (created in March and April 2026), one with a formula-like reference and a
    free-text answer; org B: one screening from New Zealand (a country no public case of A uses) in the same period."""
    a, b = orgs
    screenings = []
    for number, case in enumerate(CASES):
        screening = services.screening_create(
            actor=Actor(organisation=a), answers=case["answers"], reference=f"case-{number}"
        )
        at(screening, dt.datetime(2026, 3 if number % 2 else 4, 10, 12, tzinfo=dt.UTC))
        screenings.append(screening)
    odd = services.screening_create(
        actor=Actor(organisation=a),
        answers={"country_of_origin": "RU", "ethnic_minority": True, "ethnic_group_name": SENTINEL},
        reference='=HYPERLINK("http://x")',
    )
    at(odd, dt.datetime(2026, 4, 30, 23, 59, tzinfo=dt.UTC))
    foreign = services.screening_create(
        actor=Actor(organisation=b), answers={"country_of_origin": "NZ"}, reference="b-secret-ref"
    )
    at(foreign, dt.datetime(2026, 3, 15, tzinfo=dt.UTC))
    outside = services.screening_create(actor=Actor(organisation=a), answers={"country_of_origin": "UA"})
    at(outside, dt.datetime(2026, 5, 1, 0, 0, tzinfo=dt.UTC))  # the day after the range
    return [*screenings, odd]


RANGE = {"start": "2026-03-01", "end": "2026-04-30"}


@pytest.fixture
def supervisor(orgs):
    return make_user(orgs[0], "sup", Role.SUPERVISOR)


# ---- who may see it --------------------------------------------------------------------------------------------


def test_a_caseworker_gets_403_everywhere_and_no_export_is_audited(orgs, stored):
    caseworker = make_user(orgs[0], "case", Role.CASEWORKER)
    before = AuditEvent.objects.count()
    assert caseworker.get("/dashboard/", RANGE).status_code == 403
    assert caseworker.get("/dashboard/export.csv", RANGE).status_code == 403
    assert caseworker.post("/dashboard/export-with-answers/", {**RANGE, "format": "csv"}).status_code == 403
    assert AuditEvent.objects.count() == before
    assert "/dashboard/" not in caseworker.get("/cases/").content.decode()  # no link in the header


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ORG_ADMIN])
def test_supervisors_and_org_admins_see_it_linked_from_the_header(orgs, role):
    client = make_user(orgs[0], f"u-{role}", role)
    assert client.get("/dashboard/").status_code == 200
    assert 'href="/dashboard/"' in client.get("/cases/").content.decode()


# ---- the figures -----------------------------------------------------------------------------------------------


def test_the_figures_match_the_decrypted_assessments(orgs, stored):
    a, _b = orgs
    data = dashboard.figures(a, dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    assert data.total == len(stored)
    # The oracle: the same counts from each screening's decrypted assessment.
    by_outcome: dict[tuple[str, str], int] = {}
    exclusion = 0
    best_counts = {"strong": 0, "arguable": 0, "needs_information": 0, "none": 0}
    for screening in Screening.objects.filter(pk__in=[s.pk for s in stored]):
        outcomes = (screening.assessment or {}).get("outcomes", [])
        for outcome in outcomes:
            by_outcome[(outcome["id"], outcome["strength"])] = (
                by_outcome.get((outcome["id"], outcome["strength"]), 0) + 1
            )
        exclusion += any(o["id"].startswith("flag_exclusion_review_") for o in outcomes)
        grounds = [o["strength"] for o in outcomes if o["category"] != "flag"]
        order = ["strong", "arguable", "needs_information"]
        best_counts[min(grounds, key=order.index) if grounds else "none"] += 1
    assert {(row["id"], s): n for row in data.by_outcome for s, n in row["counts"].items()} == by_outcome
    assert data.exclusion == exclusion and exclusion > 0
    assert dict(data.by_strongest) == best_counts
    assert sum(n for _s, n in data.by_status) == data.total
    assert dict(data.by_status)[ScreeningStatus.COMPLETE] == sum(s.status == "complete" for s in stored)
    assert data.by_month == [
        (dt.date(2026, 3, 1), len(CASES) // 2),
        (dt.date(2026, 4, 1), len(stored) - len(CASES) // 2),
    ]
    countries = dict(data.by_country)
    assert "NZ" not in countries  # organisation B's
    assert sum(countries.values()) == data.total


def test_the_figures_are_counted_without_decrypting_anything(orgs, stored, supervisor):
    with mock.patch("screening.encrypted_fields.decrypt_text", side_effect=AssertionError("decrypted")):
        response = supervisor.get("/dashboard/", RANGE)
        export = supervisor.get("/dashboard/export.csv", RANGE)
    assert response.status_code == 200 and export.status_code == 200


def test_the_page_shows_charts_with_their_tables_for_screen_readers(supervisor, stored):
    response = supervisor.get("/dashboard/", RANGE)
    page = response.content.decode()
    assert f"{len(stored)} screenings created from" in page
    for table in ("status", "month", "country", "strongest", "outcome"):
        assert f'id="table-{table}"' in page
    assert page.count('<svg class="chart__svg"') == 5 and page.count('aria-hidden="true" focusable="false"') == 5
    assert "style=" not in page  # the CSP allows no inline style
    assert "Russia" in page and "New Zealand" not in page and "b-secret-ref" not in page


def test_country_names_and_texts_follow_the_language(supervisor, stored):
    supervisor.cookies["django_language"] = "ru"
    page = supervisor.get("/dashboard/", RANGE).content.decode()
    assert "Россия" in page and "Сводная панель" in page
    assert 'viewBox="0 0 640 ' in page  # numbers in the SVG are never localised ("12,5" would break it)
    assert ',5"' not in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "31/03/2026", "end": "2026-04-30"}, "start", "Enter the start date as YYYY-MM-DD"),
        ({"start": "2026-03-01", "end": "soon"}, "end", "Enter the end date as YYYY-MM-DD"),
        ({"start": "2026-03-01"}, "end", "Enter an end date."),
        ({"start": "2026-05-01", "end": "2026-04-30"}, "end", "The end date must be the same as or after the start"),
        ({"start": "2016-01-01", "end": "2026-04-30"}, "end", "at most five years"),
        ({"start": "1999-12-31", "end": "2000-01-31"}, "start", "The start date must be in 2000 or later."),
    ],
)
def test_a_bad_range_is_refused_naming_the_field(supervisor, stored, query, field, message):
    response = supervisor.get("/dashboard/", query)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and f'href="#id_{field}"' in page and f'id="id_{field}-error"' in page
    assert "chart__svg" not in page
    export = supervisor.get("/dashboard/export.csv", query)
    assert export.status_code == 400 and message in export.content.decode()


def test_the_default_range_is_the_last_twelve_months():
    assert dashboard.default_range(dt.date(2026, 12, 7)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 7))
    assert dashboard.default_range(dt.date(2026, 3, 31)) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))


# ---- exports ---------------------------------------------------------------------------------------------------


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_csv_export_lists_the_period_without_answers_formula_safe_and_audited(orgs, supervisor, stored):
    response = supervisor.get("/dashboard/export.csv", RANGE)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = read_csv(response.content)
    assert rows[0] == dashboard.EXPORT_COLUMNS
    assert len(rows) - 1 == len(stored)
    text = response.content.decode("utf-8-sig")
    assert SENTINEL not in text and "b-secret-ref" not in text
    by_reference = {row[0]: row for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in by_reference  # a formula is written as text
    first = by_reference["case-0"]
    assert first[2] in ("Draft", "Complete") and first[5] == CASES[0]["answers"]["country_of_origin"]
    event = AuditEvent.objects.get(action=AuditAction.LISTED, organisation=orgs[0])
    assert sorted(event.detail["screenings"]) == sorted(str(s.id) for s in stored)
    assert event.detail["export"] == "csv"


def test_the_xlsx_export_has_the_same_rows(supervisor, stored):
    response = supervisor.get("/dashboard/export.xlsx", RANGE)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert list(rows[0]) == dashboard.EXPORT_COLUMNS and len(rows) - 1 == len(stored)
    assert all(not str(cell).startswith("=") for row in rows for cell in row if cell)


def test_the_export_with_answers_is_post_only_and_audited_as_exported(orgs, supervisor, stored):
    assert supervisor.get("/dashboard/export-with-answers/", {**RANGE, "format": "csv"}).status_code == 405
    response = supervisor.post("/dashboard/export-with-answers/", {**RANGE, "format": "csv"})
    assert response.status_code == 200
    rows = read_csv(response.content)
    assert rows[0][: len(dashboard.EXPORT_COLUMNS)] == dashboard.EXPORT_COLUMNS
    assert "answer:ethnic_group_name" in rows[0] and "answer:religion" in rows[0]
    assert SENTINEL in response.content.decode("utf-8-sig")
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED, organisation=orgs[0])
    assert event.detail["with_answers"] is True and event.detail["format"] == "csv"
    assert sorted(event.detail["screenings"]) == sorted(str(s.id) for s in stored)
    assert event.actor_label == "user:sup"
    assert SENTINEL not in str(event.detail)


def test_an_export_with_answers_in_an_unknown_format_or_too_large_stores_no_event(supervisor, stored, monkeypatch):
    response = supervisor.post("/dashboard/export-with-answers/", {**RANGE, "format": "pdf"})
    assert response.status_code == 400 and "csv or xlsx" in response.content.decode()
    monkeypatch.setattr(dashboard, "MAX_ANSWER_EXPORT_ROWS", 3)
    response = supervisor.post("/dashboard/export-with-answers/", {**RANGE, "format": "xlsx"})
    assert response.status_code == 400 and "at most 3 screenings" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()
