"""The encryption migration (review D5) on a database with plain rows made before it: every screening opens
afterwards, the columns hold tokens, and migrating back gives the plain JSON again. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import rules
from screening.encryption import TOKEN_PREFIX
from screening.models import AssessmentRecord, JobItem, Screening

pytestmark = pytest.mark.django_db(transaction=True)

NAME_SUFFIX = "_encrypt_answers_at_rest"


def migration_nodes() -> tuple[tuple[str, str], tuple[str, str], list]:
    """(the encryption migration, the screening migration before it, the leaf nodes) as the graph says."""
    loader = MigrationExecutor(connection).loader
    (name,) = [n for app, n in loader.disk_migrations if app == "screening" and n.endswith(NAME_SUFFIX)]
    migration = loader.disk_migrations[("screening", name)]
    (previous,) = [dep for dep in migration.dependencies if dep[0] == "screening"]
    return ("screening", name), previous, loader.graph.leaf_nodes()


def migrate(targets) -> object:
    """Migrate to the targets; the apps (historical models) of the state reached."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def raw(table: str, column: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY {column}")
        return [row[0] for row in cursor.fetchall()]


def plain_rows(apps, count: int) -> dict:
    """`count` screenings as the code before the migration stored them (JSON columns), each with a history row
    and a job item; returns {screening id: (answers, set-aside, assessment)}."""
    Organisation = apps.get_model("screening", "Organisation")
    ScreeningOld = apps.get_model("screening", "Screening")
    RecordOld = apps.get_model("screening", "AssessmentRecord")
    Job = apps.get_model("screening", "Job")
    ItemOld = apps.get_model("screening", "JobItem")
    org = Organisation.objects.create(name="Before encryption")
    job = Job.objects.create(organisation=org, source="api", total_items=count)
    expected = {}
    for i in range(count):
        answers = {"country_of_origin": "RU", "military_situation": "summoned_did_not_report", "age": 18 + i}
        answers["religion"] = "jehovahs_witness" if i % 2 else "muslim"
        assessment = rules.evaluate(answers).as_dict() if i else None  # one never assessed: NULL stays NULL
        set_aside = {"lgbtiq": "yes"} if i % 2 else {}
        screening = ScreeningOld.objects.create(
            organisation=org,
            reference=f"OLD-{i}",
            answers=answers,
            set_aside_answers=set_aside,
            assessment=assessment,
            country_of_origin="RU",
        )
        RecordOld.objects.create(
            screening=screening,
            ruleset_version="1.0.0",
            ruleset_sha256="ab" * 32,
            outcomes={},
            answers=answers,
            assessed_at="2026-01-01T00:00:00Z",
            superseded_by="user:old",
        )
        ItemOld.objects.create(job=job, index=i, payload={"reference": f"OLD-{i}", "answers": answers})
        expected[screening.pk] = (answers, set_aside, assessment)
    return expected


def test_plain_rows_made_before_the_migration_open_after_it_and_back(monkeypatch):
    encryption_node, previous, leaves = migration_nodes()
    module = importlib.import_module(f"screening.migrations.{encryption_node[1]}")
    monkeypatch.setattr(module, "BATCH", 2)  # several batches from a handful of rows
    try:
        old_apps = migrate([previous])
        expected = plain_rows(old_apps, count=5)
        assert any("jehovahs_witness" in str(v) for v in raw("screening_screening", "answers"))  # plain before

        migrate(leaves)
        for table, column in [
            ("screening_screening", "answers"),
            ("screening_screening", "set_aside_answers"),
            ("screening_assessmentrecord", "answers"),
            ("screening_jobitem", "payload"),
        ]:
            values = raw(table, column)
            assert len(values) == 5 and all(v.startswith(TOKEN_PREFIX) for v in values), (table, column)
        assessments = raw("screening_screening", "assessment")
        assert sorted(v is None for v in assessments) == [False] * 4 + [True]
        for screening in Screening.objects.all():  # every screening opens
            answers, set_aside, assessment = expected[screening.pk]
            assert (screening.answers, screening.set_aside_answers, screening.assessment) == expected[screening.pk]
            assert AssessmentRecord.objects.get(screening=screening).answers == answers
        assert sorted(item.payload["reference"] for item in JobItem.objects.all()) == [f"OLD-{i}" for i in range(5)]

        tokens = raw("screening_screening", "answers")
        module.encrypt_rows(django_apps, SimpleNamespace(connection=connection))  # a re-run changes nothing
        assert raw("screening_screening", "answers") == tokens

        old_apps = migrate([previous])  # and back: plain JSON again, read by the old models
        assert any("jehovahs_witness" in str(v) for v in raw("screening_screening", "answers"))
        assert not [v for v in raw("screening_screening", "answers") if str(v).startswith(TOKEN_PREFIX)]
        ScreeningOld = old_apps.get_model("screening", "Screening")
        assert {s.pk: (s.answers, s.set_aside_answers, s.assessment) for s in ScreeningOld.objects.all()} == expected
    finally:
        migrate(leaves)
