"""Confirm and complete on Check your answers (audited), reopening on a later change (audited), and the case
notes: caseworker only, never sent to the rules, printed in the memo, kept out of claimant mode."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening import services
from screening.models import AuditAction, AuditEvent, Screening, ScreeningStatus
from tests.web.test_results import CASES, make

pytestmark = pytest.mark.django_db


def _complete(client, screening, version=None):
    return client.post(reverse("web:complete", args=[screening.id]), {"version": version or screening.version})


def test_confirm_and_complete_marks_the_screening_complete_and_audits_it(member, actor):
    screening = make(actor, "pub-02")
    check = member.get(reverse("web:check", args=[screening.id])).content.decode()
    assert "Confirm and complete" in check
    response = _complete(member, screening)
    assert response.status_code == 302 and response.url == reverse("results:result", args=[screening.id])
    stored = Screening.objects.get(pk=screening.pk)
    assert stored.status == ScreeningStatus.COMPLETE and stored.version == screening.version + 1
    event = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.CHANGED).latest("at")
    assert event.detail["fields"] == ["status"]
    page = member.get(response.url).content.decode()
    assert "Screening complete" in page and "Complete" in page
    assert "This screening is complete" in member.get(reverse("web:check", args=[screening.id])).content.decode()


def test_completing_needs_every_required_question(member, actor, ruleset):
    required = [q.id for q in ruleset.questionnaire.questions if q.required]
    assert required
    answers = {k: v for k, v in CASES["pub-02"]["answers"].items() if k != required[-1]}
    screening = make(actor, answers=answers)
    check = member.get(reverse("web:check", args=[screening.id])).content.decode()
    assert "Confirm and complete" not in check
    response = _complete(member, screening)
    assert response.status_code == 302 and response.url == reverse("web:check", args=[screening.id])
    assert Screening.objects.get(pk=screening.pk).status == ScreeningStatus.DRAFT
    assert "Answer every required question" in member.get(response.url).content.decode()


def test_a_stale_version_completes_nothing(member, actor):
    screening = make(actor, "pub-02")
    response = _complete(member, screening, version=screening.version + 5)
    assert response.url == reverse("web:check", args=[screening.id])
    assert Screening.objects.get(pk=screening.pk).status == ScreeningStatus.DRAFT


def test_a_later_change_reopens_a_complete_screening_as_a_draft(member, actor):
    screening = make(actor, "pub-02")
    _complete(member, screening)
    done = Screening.objects.get(pk=screening.pk)
    services.screening_save_answers(actor=actor, screening=done, answers={"age": done.answers["age"] + 1})
    reopened = Screening.objects.get(pk=screening.pk)
    assert reopened.status == ScreeningStatus.DRAFT
    event = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.CHANGED).latest("at")
    assert event.detail["fields"] == ["status"] and event.detail["questions"] == ["age"]
    # saving the same answers again changes nothing about the status
    services.screening_save_answers(actor=actor, screening=reopened, answers={"age": reopened.answers["age"]})
    assert Screening.objects.get(pk=screening.pk).status == ScreeningStatus.DRAFT


def test_case_notes_are_saved_audited_without_content_printed_in_the_memo_and_not_sent_to_the_rules(member, actor):
    screening = make(actor, "pub-02")
    before = Screening.objects.get(pk=screening.pk).assessment
    note = "Met with interpreter; claimant anxious about family in Yekaterinburg."
    response = member.post(reverse("web:case-notes", args=[screening.id]), {"case_notes": note})
    assert response.status_code == 302
    stored = Screening.objects.get(pk=screening.pk)
    assert stored.case_notes == note and stored.assessment == before
    event = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.CHANGED).latest("at")
    assert event.detail["fields"] == ["case_notes"] and "Yekaterinburg" not in str(event.detail)
    memo = member.get(reverse("results:memo", args=[screening.id])).content.decode()
    assert "Yekaterinburg" in memo
    result = member.get(reverse("results:result", args=[screening.id])).content.decode()
    assert "Case notes saved" in result and "Yekaterinburg" in result


def test_case_notes_over_the_limit_are_refused_and_nothing_changes(member, actor):
    screening = make(actor, "pub-02")
    response = member.post(reverse("web:case-notes", args=[screening.id]), {"case_notes": "x" * 20_001})
    assert response.status_code == 302
    assert Screening.objects.get(pk=screening.pk).case_notes == ""
    assert "at most 20000 characters" in member.get(response.url).content.decode()


def test_completion_and_notes_are_get_proof_and_organisation_scoped(client, member, actor):
    screening = make(actor, "pub-02")
    assert member.get(reverse("web:complete", args=[screening.id])).status_code == 405
    other_org = services.organisation_create(name="Beta")
    other = services.user_create(organisation=other_org, username="bo", password="x-unused-x-12", role="caseworker")
    client.force_login(other)
    assert _complete(client, screening).status_code == 404
    assert client.post(reverse("web:case-notes", args=[screening.id]), {"case_notes": "x"}).status_code == 404
    assert Screening.objects.get(pk=screening.pk).status == ScreeningStatus.DRAFT


def test_case_notes_are_encrypted_at_rest(actor):
    from django.db import connection

    screening = make(actor, "pub-02")
    services.screening_notes_save(actor=actor, screening=screening, notes="Brother detained in Minsk")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT case_notes FROM screening_screening WHERE id = %s",
            [screening.id.hex if connection.vendor == "sqlite" else screening.id],
        )
        raw = cursor.fetchone()[0]
    assert raw and "Minsk" not in raw
    assert Screening.objects.get(pk=screening.pk).case_notes == "Brother detained in Minsk"
