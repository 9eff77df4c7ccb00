"""manage.py rotate_keys (review D5): from key A to [B, A], then with only [B] everything still decrypts; repeatable;
clear errors for missing keys and for a value no key decrypts."""

from __future__ import annotations

import io
import zlib

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from screening import services
from screening.auth import Actor
from screening.models import AssessmentRecord, Job, JobItem, JobSource, Screening

pytestmark = pytest.mark.django_db

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()
ANSWERS = {
    "country_of_origin": "RU",
    "military_situation": "summoned_did_not_report",
    "age": 19,
    "religion": "jehovahs_witness",
    "lgbtiq": "yes",
}
TABLES = [
    ("screening_screening", ["answers", "set_aside_answers", "assessment", "case_notes"]),
    ("screening_assessmentrecord", ["answers"]),
    ("screening_jobitem", ["payload"]),
]


def raw_tokens() -> list[str]:
    tokens = []
    with connection.cursor() as cursor:
        for table, columns in TABLES:
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")
            tokens += [value for row in cursor.fetchall() for value in row if value is not None]
    return tokens


def readable_with(key: str, token: str) -> bool:
    try:
        zlib.decompress(Fernet(key).decrypt(token.encode()))
    except InvalidToken:
        return False
    return True


def rotate(**options) -> str:
    out = io.StringIO()
    call_command("rotate_keys", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def stored_under_a():
    """Three screenings (each re-screened once: a history row) and a job item, all encrypted with key A only."""
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        org = services.organisation_create(name="Rotation Org")
        actor = Actor(organisation=org)
        for i in range(3):
            screening = services.screening_create(actor=actor, answers={**ANSWERS, "age": 19 + i}, reference=f"K-{i}")
            services.screening_reassess(actor=actor, screening=screening)
        job = Job.objects.create(organisation=org, source=JobSource.API, total_items=1)
        JobItem.objects.create(job=job, index=0, payload={"answers": ANSWERS})
    tokens = raw_tokens()
    assert len(tokens) == 3 * 4 + 3 + 1 and all(readable_with(KEY_A, t) and not readable_with(KEY_B, t) for t in tokens)
    return tokens


def everything_opens() -> None:
    screenings = list(Screening.objects.order_by("reference"))
    assert [s.answers["age"] for s in screenings] == [19, 20, 21]
    assert all(s.answers["religion"] == "jehovahs_witness" and s.assessment["outcomes"] for s in screenings)
    assert [r.answers["lgbtiq"] for r in AssessmentRecord.objects.all()] == ["yes"] * 3
    assert JobItem.objects.get().payload == {"answers": ANSWERS}


def test_rotate_from_a_to_b_then_b_alone_reads_everything(stored_under_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        output = rotate(batch_size=2)  # several batches
    assert "screening_screening.answers: 3 re-encrypted, 0 already under the newest key" in output
    assert "screening_screening.assessment: 3 re-encrypted" in output
    assert "screening_assessmentrecord.answers: 3 re-encrypted" in output
    assert "screening_jobitem.payload: 1 re-encrypted" in output
    assert "screening_screening.confirmed_warnings: 3 re-encrypted" in output
    assert "Total: 19 re-encrypted, 0 already under the newest key." in output
    tokens = raw_tokens()
    assert all(readable_with(KEY_B, t) and not readable_with(KEY_A, t) for t in tokens)
    assert not set(tokens) & set(stored_under_a)
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):  # the old key removed
        everything_opens()


def test_a_second_run_changes_nothing(stored_under_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        rotate()
        after_first = raw_tokens()
        output = rotate()
    assert "Total: 0 re-encrypted, 19 already under the newest key." in output
    assert raw_tokens() == after_first


def test_a_run_after_a_partial_run_completes_it(stored_under_a):
    """A run stopped part-way (here: one table rotated by hand) is completed by the next run."""
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        item = JobItem.objects.get()
        item.save()  # the application writes with the newest key
        output = rotate()
        everything_opens()
    assert "screening_jobitem.payload: 0 re-encrypted, 1 already under the newest key" in output
    assert "Total: 18 re-encrypted, 1 already under the newest key." in output


@pytest.mark.parametrize("keys", [[], ["not-a-key"]])
def test_missing_or_invalid_keys_are_a_clear_error(stored_under_a, keys):
    with override_settings(FIELD_ENCRYPTION_KEYS=keys), pytest.raises(CommandError) as excinfo:
        rotate()
    assert excinfo.value.returncode == 2
    assert "FIELD_ENCRYPTION_KEYS" in str(excinfo.value) and "not-a-key" not in str(excinfo.value)
    assert raw_tokens() == stored_under_a


def test_a_value_no_key_decrypts_stops_with_a_clear_error(stored_under_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]), pytest.raises(CommandError) as excinfo:
        rotate()
    message = str(excinfo.value)
    assert excinfo.value.returncode == 2
    assert "Could not decrypt screening_" in message and "of row" in message and "jehovahs" not in message
    assert raw_tokens() == stored_under_a  # the failed batch was rolled back
