"""Encryption at rest (review D5): the raw database columns hold Fernet tokens only, never an answer value or a
question id; an altered token or a missing key is a clear error; the production settings refuse to start
without keys."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from screening import encrypted_fields, services
from screening.auth import Actor
from screening.checks import check_encryption_keys
from screening.encryption import TOKEN_PREFIX, DecryptionError
from screening.models import AssessmentRecord, Job, JobItem, JobSource, Screening
from tests.api.conftest import detail_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
SENTINEL = "SENTINEL-GROUP-NAME"
ANSWERS = {
    "country_of_origin": "RU",
    "host_country": "DE",
    "military_situation": "summoned_did_not_report",
    "age": 19,
    "religion": "jehovahs_witness",
    "lgbtiq": "yes",
    "ethnic_minority": True,
    "ethnic_group_name": SENTINEL,
}
# (table, encrypted columns, primary key column)
ENCRYPTED_COLUMNS = [
    ("screening_screening", ["answers", "set_aside_answers", "assessment", "case_notes", "confirmed_warnings"]),
    ("screening_assessmentrecord", ["answers"]),
    ("screening_jobitem", ["payload"]),
]


def raw_values(table: str, columns: list[str]) -> list[tuple[str, object]]:
    """(column, value as stored) of every row of the table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")
        return [(column, value) for row in cursor.fetchall() for column, value in zip(columns, row, strict=True)]


@pytest.fixture
def org():
    return services.organisation_create(name="Encryption Org")


@pytest.fixture
def stored(org):
    """A screening with set-aside answers and one superseded assessment, and a job item still holding its input."""
    actor = Actor(organisation=org)
    screening = services.screening_create(actor=actor, answers=ANSWERS, reference="ENC-1")
    screening = services.screening_save_answers(actor=actor, screening=screening, answers={"ethnic_minority": False})
    screening, _changes = services.screening_reassess(actor=actor, screening=screening)
    job = Job.objects.create(organisation=org, source=JobSource.API, total_items=1)
    JobItem.objects.create(job=job, index=0, payload={"reference": "ENC-2", "answers": ANSWERS})
    return Screening.objects.get(pk=screening.pk)


def test_the_raw_columns_hold_no_answer_value_and_no_question_id(stored, ruleset):
    assert stored.set_aside_answers == {"ethnic_group_name": SENTINEL}  # the sentinel really is stored
    # Short strings ("RU", "yes", "age") occur in any long base64 text by chance: the JSON punctuation check below
    # covers them; the named check takes every answer value and question id of 6 characters or more.
    question_ids = {q.id for q in ruleset.questionnaire.questions}
    assert set(stored.assessment["unanswered"]) & question_ids  # the plain (compact) assessment names questions
    words = {w for w in question_ids | {v for v in ANSWERS.values() if isinstance(v, str)} if len(w) >= 6}
    assert {"jehovahs_witness", "religion", "lgbtiq", "military_situation", SENTINEL} <= words
    seen = 0
    for table, columns in ENCRYPTED_COLUMNS:
        for column, value in raw_values(table, columns):
            where = f"{table}.{column}"
            assert isinstance(value, str) and value.startswith(TOKEN_PREFIX), where
            assert not set(value) & set('{}[]":, '), f"{where} holds JSON"
            assert not [w for w in words if w in value], where
            assert not [w for w in words if w.lower() in value.lower()], where
            seen += 1
    assert seen == 7  # five screening columns, the history row's answers, the job item's payload


def test_the_model_reads_back_what_was_saved(stored):
    assert stored.answers["religion"] == "jehovahs_witness" and stored.answers["lgbtiq"] == "yes"
    assert stored.set_aside_answers == {"ethnic_group_name": SENTINEL}
    assert stored.assessment["outcomes"] and stored.assessment["ruleset"]["version"] == stored.ruleset_version
    record = AssessmentRecord.objects.get(screening=stored)
    assert record.answers["religion"] == "jehovahs_witness"
    assert JobItem.objects.get().payload == {"reference": "ENC-2", "answers": ANSWERS}
    # values_list (the impact report's path) decrypts too
    answers, assessment = Screening.objects.values_list("answers", "assessment").get(pk=stored.pk)
    assert answers == stored.answers and assessment == stored.assessment


def test_equal_values_give_different_tokens(org):
    actor = Actor(organisation=org)
    for reference in ("A", "B"):
        services.screening_create(actor=actor, answers={"country_of_origin": "RU"}, reference=reference)
    first, second = (value for _column, value in raw_values("screening_screening", ["answers"]))
    assert first != second  # no equality leak between claimants


def test_an_altered_token_is_a_clear_error_not_garbage(stored):
    (_column, token), *_ = raw_values("screening_screening", ["answers"])
    middle = len(token) // 2
    altered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE screening_screening SET answers = %s WHERE reference = %s", [altered, "ENC-1"])
    with pytest.raises(DecryptionError) as excinfo:
        Screening.objects.get(pk=stored.pk)
    message = str(excinfo.value)
    assert "screening_screening.answers" in message and "altered" in message
    assert "jehovahs_witness" not in message and token not in message
    # the other columns of the row are still readable when the damaged one is not loaded
    assert Screening.objects.defer("answers").get(pk=stored.pk).set_aside_answers == {"ethnic_group_name": SENTINEL}


def test_a_token_under_a_key_not_in_the_list_is_a_clear_error(stored):
    with override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(DecryptionError, match="key that is not in FIELD_ENCRYPTION_KEYS"):
            Screening.objects.get(pk=stored.pk)


def test_encrypted_columns_refuse_sql_lookups(stored):
    for lookup in ({"answers__religion": "jehovahs_witness"}, {"answers": {}}, {"assessment__contains": "x"}):
        with pytest.raises(FieldError, match="encrypted"):
            list(Screening.objects.filter(**lookup))
    assert Screening.objects.filter(assessment__isnull=False).count() == 1


def test_filters_on_plain_columns_still_work(stored, org):
    from screening import selectors

    assert list(selectors.screening_list(organisation=org, filters={"country_of_origin": "RU"})) == [stored]
    outcome = stored.outcomes.first()
    found = selectors.screening_list(organisation=org, filters={"outcome": outcome.outcome_id})
    assert list(found) == [stored]
    assert list(selectors.screening_search(organisation=org, query="enc-")) == [stored]


def test_a_request_decrypts_each_column_at_most_once(stored, org, monkeypatch):
    from tests.api.conftest import api_client

    _client, token = services.partner_client_create(organisation=org, name="counting")
    api = api_client(token)
    labels: list[str] = []
    real = encrypted_fields.decrypt_text

    def counting(value, *, label):
        labels.append(label)
        return real(value, label=label)

    monkeypatch.setattr(encrypted_fields, "decrypt_text", counting)
    assert api.get("/api/v1/screenings/").status_code == 200
    assert labels == []  # the list defers the encrypted columns
    encrypted = ("answers", "set_aside_answers", "assessment", "case_notes", "confirmed_warnings")
    columns = sorted(f"screening_screening.{c}" for c in encrypted)
    response = api.get(detail_url(stored.id))
    assert response.status_code == 200 and sorted(labels) == columns
    for method, path, body in [
        ("patch", detail_url(stored.id), {"reference": "ENC-1b"}),
        ("post", f"{detail_url(stored.id)}reassess/", None),
    ]:
        labels.clear()
        response = getattr(api, method)(path, body, format="json", HTTP_IF_MATCH=response["ETag"])
        assert response.status_code == 200, response.content
        assert sorted(labels) == columns, (
            method,
            sorted(labels),
        )  # read once, locked, by the service; not before it too


def test_the_check_reports_unusable_keys():
    assert check_encryption_keys(None) == []
    with override_settings(FIELD_ENCRYPTION_KEYS=["not-a-key"]):
        (error,) = check_encryption_keys(None)
        assert error.id == "screening.E003" and "key 1 of 1 is not a Fernet key" in error.msg
        assert "not-a-key" not in error.msg
    with override_settings(FIELD_ENCRYPTION_KEYS=[]):
        (error,) = check_encryption_keys(None)
        assert "FIELD_ENCRYPTION_KEYS is not set" in error.msg


def _production_start(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "FIELD_ENCRYPTION_KEYS"}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY=secrets.token_urlsafe(50), **env)
    code = "import django; django.setup(); print('started')"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "keys, expected",
    [(None, "FIELD_ENCRYPTION_KEYS must be set in production"), ("short", "key 1 is not a Fernet key")],
)
def test_production_settings_refuse_to_start_without_usable_keys(keys, expected):
    result = _production_start(**({} if keys is None else {"FIELD_ENCRYPTION_KEYS": keys}))
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr and expected in result.stderr
    assert "started" not in result.stdout


def test_production_settings_start_with_keys():
    keys = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    result = _production_start(FIELD_ENCRYPTION_KEYS=keys)
    assert result.returncode == 0 and "started" in result.stdout, result.stderr


def test_the_subject_access_export_still_holds_the_plain_answers(stored, org):
    from screening import selectors

    export = selectors.screening_subject_access(screening=stored)
    assert export["answers"]["religion"] == "jehovahs_witness"
    assert export["assessment_history"][0]["answers"]["lgbtiq"] == "yes"
    call_command("check")  # the system checks pass with the test key


def test_the_text_field_encrypts_free_text():
    """EncryptedTextField (for free-text notes): a str in, a token stored, the same str out."""
    field = encrypted_fields.EncryptedTextField()
    token = field.get_prep_value("Jehovah's Witness, refused to carry arms")
    assert token.startswith(TOKEN_PREFIX) and "Jehovah" not in token
    assert field.from_db_value(token, None, connection) == "Jehovah's Witness, refused to carry arms"
    assert field.get_prep_value(None) is None and field.from_db_value(None, None, connection) is None


def test_rotate_keys_finds_every_encrypted_field():
    from screening.key_rotation import encrypted_columns

    found = {(model._meta.db_table, tuple(columns)) for model, columns in encrypted_columns()}
    assert found >= {(table, tuple(columns)) for table, columns in ENCRYPTED_COLUMNS}
