"""purge_screenings: retention deletes old screenings per organisation, audited, and --dry-run deletes nothing."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from screening.auth import Actor
from screening.models import AuditAction, AuditEvent, Screening, ScreeningOutcome
from screening.services import organisation_create, screening_create

pytestmark = pytest.mark.django_db

SENTINEL = "SENTINEL-VALUE"
ANSWERS = {
    "country_of_origin": "RU",
    "military_situation": "summoned_did_not_report",
    "age": 19,
    "ethnic_minority": True,
    "ethnic_group_name": SENTINEL,
}


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_screenings", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def make_screening(organisation, *, days_old: int, reference: str = "") -> Screening:
    screening = screening_create(actor=Actor(organisation=organisation), answers=ANSWERS, reference=reference)
    Screening.objects.filter(pk=screening.pk).update(created_at=timezone.now() - dt.timedelta(days=days_old))
    return screening


@pytest.fixture
def orgs():
    a = organisation_create(name="Alpha Legal")
    b = organisation_create(name="Beta Advice")
    screenings = {
        "a_old": make_screening(a, days_old=400),
        "a_older": make_screening(a, days_old=1000),
        "a_new": make_screening(a, days_old=10),
        "b_old": make_screening(b, days_old=400),
        "b_new": make_screening(b, days_old=1),
    }
    return a, b, screenings


def remaining() -> set:
    return set(Screening.objects.values_list("id", flat=True))


def purged_events():
    return AuditEvent.objects.filter(action=AuditAction.PURGED)


def test_purge_one_organisation_deletes_only_its_old_screenings(orgs):
    a, b, s = orgs
    out = run("--older-than", "365", "--organisation", "Alpha Legal")
    assert "Alpha Legal: 2 screenings deleted" in out
    assert "Beta Advice" not in out
    assert remaining() == {s["a_new"].id, s["b_old"].id, s["b_new"].id}
    assert not ScreeningOutcome.objects.filter(screening_id__in=[s["a_old"].id, s["a_older"].id]).exists()

    events = list(purged_events())
    assert sorted(e.screening_id for e in events) == sorted([s["a_old"].id, s["a_older"].id])
    for event in events:
        assert event.organisation == a
        assert event.actor_label == "system:retention"
        assert event.actor_user is None and event.actor_client is None
        assert SENTINEL not in json.dumps(event.detail) and "ethnic" not in json.dumps(event.detail)


def test_purge_every_organisation(orgs):
    a, b, s = orgs
    out = run("--older-than", "30")
    assert "Alpha Legal: 2 screenings deleted" in out
    assert "Beta Advice: 1 screening deleted" in out
    assert "Total: 3 screenings" in out
    assert remaining() == {s["a_new"].id, s["b_new"].id}
    assert purged_events().filter(organisation=b).get().screening_id == s["b_old"].id
    assert purged_events().count() == 3


def test_purge_organisation_by_id(orgs):
    a, b, s = orgs
    run("--older-than", "5", "--organisation", str(b.id))
    assert remaining() == {s["a_old"].id, s["a_older"].id, s["a_new"].id, s["b_new"].id}


def test_dry_run_deletes_nothing(orgs):
    a, b, s = orgs
    events_before = AuditEvent.objects.count()
    out = run("--older-than", "30", "--dry-run")
    assert "Alpha Legal: 2 screenings would be deleted" in out
    assert "Beta Advice: 1 screening would be deleted" in out
    assert len(remaining()) == 5
    assert AuditEvent.objects.count() == events_before
    assert not purged_events().exists()


def test_nothing_old_enough(orgs):
    out = run("--older-than", "5000")
    assert "Alpha Legal: 0 screenings deleted" in out
    assert len(remaining()) == 5
    assert not purged_events().exists()


def test_no_audit_row_holds_an_answer_value(orgs):
    run("--older-than", "30")
    for event in AuditEvent.objects.all():
        row = " ".join(
            str(value) for value in AuditEvent.objects.filter(pk=event.pk).values().get().values()
        )  # every column, as stored
        assert SENTINEL not in row


@pytest.mark.parametrize("days", ["0", "-3", "ten", "1.5"])
def test_days_must_be_a_positive_integer(orgs, days):
    with pytest.raises(CommandError):
        run(f"--older-than={days}")
    assert len(remaining()) == 5


def test_older_than_is_required_and_the_organisation_must_exist(orgs):
    with pytest.raises(CommandError):
        run()
    with pytest.raises(CommandError, match="No organisation"):
        run("--older-than", "30", "--organisation", "Nobody")
    assert len(remaining()) == 5
