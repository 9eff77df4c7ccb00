"""The audit trail: append-only, one event per service call, who and what but never an answer value."""

import json
import logging

import pytest

from screening import services
from screening.auth import Actor
from screening.models import AuditAction, AuditEvent, Role, Screening
from screening.services import VersionConflict

pytestmark = pytest.mark.django_db

SENTINEL = "SENTINEL-VALUE"
ANSWERS = {
    "country_of_origin": "RU",
    "host_country": "DE",
    "military_situation": "summoned_did_not_report",
    "age": 19,
    "ethnic_minority": True,
    "ethnic_group_name": SENTINEL,
}


@pytest.fixture
def org():
    return services.organisation_create(name="Alpha Legal")


@pytest.fixture
def user_actor(org):
    user = services.user_create(organisation=org, username="amira", password="x-unused-x", role=Role.CASEWORKER)
    return Actor(organisation=org, user=user, ip_address="192.0.2.7", role=Role.CASEWORKER)


@pytest.fixture
def client_actor(org):
    client, _ = services.partner_client_create(organisation=org, name="Case system")
    return Actor(organisation=org, client=client, ip_address="2001:db8::1")


@pytest.fixture
def event(org):
    screening = services.screening_create(actor=Actor(organisation=org), answers={"country_of_origin": "UA"})
    return AuditEvent.objects.get(screening_id=screening.id)


def stored_columns(event: AuditEvent) -> str:
    """Every column of the event's row, as stored."""
    return json.dumps(AuditEvent.objects.filter(pk=event.pk).values().get(), default=str, ensure_ascii=False)


# ---- append-only -------------------------------------------------------------------------------------------------


def test_an_event_cannot_be_saved_again(event):
    event.action = AuditAction.DELETED
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.CREATED


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_updated(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone else")
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action=AuditAction.VIEWED)
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "system"


# ---- one event per service call, never a value -------------------------------------------------------------------


def capture_everything(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.db.backends", "screening", "rules", "rest_framework"):
        caplog.set_level(logging.DEBUG, logger=name)


@pytest.mark.parametrize("actor_name", ["user_actor", "client_actor"])
def test_each_service_call_appends_one_event_without_answer_values(request, caplog, actor_name):
    actor = request.getfixturevalue(actor_name)
    expected_label = "user:amira" if actor.user is not None else "partner:Case system"
    capture_everything(caplog)

    def events():
        return list(AuditEvent.objects.filter(screening_id__isnull=False).order_by("id"))  # not role_changed

    screening = services.screening_create(actor=actor, answers=ANSWERS, reference="case-17")
    assert screening.answers["ethnic_group_name"] == SENTINEL  # the sentinel really is stored
    steps = [(AuditAction.CREATED, events())]

    screening = services.screening_update(
        actor=actor, screening=screening, answers={"ethnic_group_name": SENTINEL + "-2", "age": 20}, expected_version=1
    )
    assert screening.version == 2
    steps.append((AuditAction.CHANGED, events()))

    screening = services.screening_save_answers(
        actor=actor, screening=screening, answers={"ethnic_minority": False}, expected_version=2
    )
    assert screening.set_aside_answers == {"ethnic_group_name": SENTINEL + "-2"}  # kept, not audited
    steps.append((AuditAction.CHANGED, events()))

    screening, _changes = services.screening_reassess(actor=actor, screening=screening)
    steps.append((AuditAction.REASSESSED, events()))

    services.screening_viewed(actor=actor, screening=screening)
    steps.append((AuditAction.VIEWED, events()))

    services.screening_viewed(actor=actor, screening=screening, exported=True)
    steps.append((AuditAction.EXPORTED, events()))

    services.screening_delete(actor=actor, screening=screening)
    assert not Screening.objects.filter(pk=screening.pk).exists()
    steps.append((AuditAction.DELETED, events()))

    for number, (action, after) in enumerate(steps, 1):
        assert len(after) == number, action  # exactly one more event per call
        event = after[-1]
        assert event.action == action
        assert event.screening_id == screening.id
        assert event.organisation == actor.organisation
        assert event.actor_label == expected_label
        assert event.ip_address == actor.ip_address
        if actor.user is not None:
            assert event.actor_user == actor.user and event.actor_client is None
        else:
            assert event.actor_client == actor.client and event.actor_user is None

    changed = steps[1][1][-1]
    assert changed.detail == {"version": 2, "questions": ["age", "ethnic_group_name"], "fields": []}
    assert steps[2][1][-1].detail == {"version": 3, "questions": ["ethnic_minority"]}

    for event in AuditEvent.objects.all():
        columns = stored_columns(event)
        assert SENTINEL not in columns
        assert str(event) and SENTINEL not in str(event)

    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''} {record.__dict__!r}"
        assert SENTINEL not in text, record.name


def test_system_actor_label(org):
    screening = services.screening_create(actor=Actor(organisation=org), answers=ANSWERS)
    event = AuditEvent.objects.get(screening_id=screening.id)
    assert (event.actor_label, event.actor_user, event.actor_client) == ("system", None, None)


# ---- optimistic locking ------------------------------------------------------------------------------------------


def test_a_stale_version_changes_nothing(user_actor):
    screening = services.screening_create(actor=user_actor, answers=ANSWERS)
    services.screening_update(actor=user_actor, screening=screening, answers={"age": 20}, expected_version=1)
    before = Screening.objects.values().get(pk=screening.pk)
    events_before = AuditEvent.objects.count()

    with pytest.raises(VersionConflict) as excinfo:
        services.screening_update(
            actor=user_actor, screening=screening, answers={"age": 45}, expected_version=1, reference="new"
        )
    assert excinfo.value.current_version == 2
    assert Screening.objects.values().get(pk=screening.pk) == before
    assert Screening.objects.get(pk=screening.pk).answers["age"] == 20
    assert AuditEvent.objects.count() == events_before


def test_another_organisation_cannot_update_through_the_service(user_actor):
    screening = services.screening_create(actor=user_actor, answers=ANSWERS)
    other = Actor(organisation=services.organisation_create(name="Beta Advice"))
    with pytest.raises(Screening.DoesNotExist):
        services.screening_update(actor=other, screening=screening, answers={"age": 30})
    assert Screening.objects.get(pk=screening.pk).version == 1
    assert AuditEvent.objects.filter(organisation=other.organisation).count() == 0
