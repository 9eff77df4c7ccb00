"""Supervisor dashboard over many screenings (a script, not a test): prints figures, asserts nothing.

    python bench/dashboard_bench.py                 # 10,000 screenings in the database refuge_dashboard_bench
    python bench/dashboard_bench.py --screenings 2000

Creates the database of --pg-url (DROPPED first), migrates it, stores N screenings of one organisation (the public
cases' answers and assessments, encrypted as the app stores them, with their ScreeningOutcome rows; created over
the last 12 months), then times what the dashboard does: the figures (SQL counts, nothing decrypted), the
screening-list export without answers, and the export with answers (each row's answers decrypted).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def recreate(pg_url: str) -> None:
    name = urlsplit(pg_url).path.lstrip("/")
    connection = psycopg2.connect(pg_url.rsplit("/", 1)[0] + "/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def timed(label: str, function, repeat: int = 3):
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(f"  {label:<58} {best * 1000:8.0f} ms (best of {repeat})", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--screenings", type=int, default=10_000)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/refuge_dashboard_bench")
    args = parser.parse_args()
    recreate(args.pg_url)
    os.environ["DATABASE_URL"] = args.pg_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone, translation

    from screening import services
    from screening.auth import Actor
    from screening.models import Screening, ScreeningOutcome
    from screening.web import dashboard
    from tests.conftest import load_public_cases

    call_command("migrate", verbosity=0)
    organisation = services.organisation_create(name="Dashboard bench")
    templates = [
        services.screening_create(actor=Actor(organisation=organisation), answers=case["answers"])
        for case in load_public_cases()
    ]
    now = timezone.now()
    started = time.perf_counter()
    rows, outcomes = [], []
    for i in range(args.screenings - len(templates)):
        source = templates[i % len(templates)]
        rows.append(
            Screening(
                organisation=organisation,
                reference=f"bench-{i}",
                status=source.status,
                answers=source.answers,
                assessment=source.assessment,
                country_of_origin=source.country_of_origin,
                ruleset_version=source.ruleset_version,
                ruleset_sha256=source.ruleset_sha256,
            )
        )
    Screening.objects.bulk_create(rows, batch_size=1000)
    by_source = {t.id: list(t.outcomes.values("outcome_id", "category", "strength")) for t in templates}
    for i, screening in enumerate(rows):
        for outcome in by_source[templates[i % len(templates)].id]:
            outcomes.append(ScreeningOutcome(screening=screening, **outcome))
    ScreeningOutcome.objects.bulk_create(outcomes, batch_size=5000)
    for i, screening in enumerate(Screening.objects.filter(organisation=organisation).only("id")):
        Screening.objects.filter(pk=screening.pk).update(created_at=now - dt.timedelta(days=i % 365))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
    print(
        f"{Screening.objects.filter(organisation=organisation).count():,} screenings, "
        f"{ScreeningOutcome.objects.filter(screening__organisation=organisation).count():,} outcome rows stored "
        f"in {time.perf_counter() - started:.0f} s; load average {os.getloadavg()}",
        flush=True,
    )
    start, end = dashboard.default_range(now.date())
    translation.activate("ru")
    timed("figures (SQL counts, nothing decrypted)", lambda: dashboard.figures(organisation, start, end))
    timed(
        "whole page context (figures, charts, names in Russian)",
        lambda: dashboard.dashboard_context(organisation, start, end),
    )
    listing = list(
        dashboard.screenings_in(organisation, start, end).defer(
            "answers", "set_aside_answers", "assessment", "case_notes"
        )
    )
    timed(
        f"export rows without answers ({len(listing):,} screenings)",
        lambda: dashboard.export_rows(listing, with_answers=False),
    )

    def with_answers():
        # As the view does: every row's answers decrypted, the assessment (much larger) left in the database.
        queryset = dashboard.screenings_in(organisation, start, end)
        screenings = list(queryset.defer("set_aside_answers", "assessment", "case_notes"))
        return dashboard.export_rows(screenings, with_answers=True)

    timed(f"export rows with answers (decrypting {len(listing):,} rows)", with_answers, repeat=1)


if __name__ == "__main__":
    main()
