"""Ruleset versions: a stored screening keeps the version it was assessed under and reproduces its outcomes; a
re-screen moves it to the active version, keeps the previous assessment in its history, audits the difference
(ids and strengths only) and sets aside answers the new questionnaire does not show; the impact of a version is
reported before switching, nothing stored."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

import rules
from rules.versions import carry_answers
from screening import selectors, services
from screening.auth import Actor
from screening.impact import ruleset_impact
from screening.models import AssessmentRecord, AuditAction, AuditEvent, Role, Screening
from screening.selectors import screening_ruleset
from tests.conftest import load_public_cases

pytestmark = pytest.mark.django_db

OLD, NEW = "military_service/1.0.0", "military_service/1.1.0"
CASES_OLD = {c["id"]: c for c in load_public_cases("1.0.0")}
CASES_NEW = {c["id"]: c for c in load_public_cases("1.1.0")}
# pub-22: flag_prospective_call_up_risk arguable under 1.0.0, strong under 1.1.0 (CHANGES.md item 8)
CHANGING = "pub-22"


def under(name):
    return override_settings(SCREENING={**_screening_settings(), "RULESET": name})


def _screening_settings():
    from django.conf import settings

    return settings.SCREENING


@pytest.fixture
def org():
    return services.organisation_create(name="Alpha Legal")


@pytest.fixture
def actor(org):
    user = services.user_create(organisation=org, username="amira", password="x-unused-x-12", role=Role.CASEWORKER)
    return Actor(organisation=org, user=user, role=Role.CASEWORKER)


def outcome_map(screening) -> dict[str, str]:
    return {o["id"]: o["strength"] for o in screening.assessment["outcomes"]}


def old_screening(actor, case_id):
    with under(OLD):
        return services.screening_create(actor=actor, answers=CASES_OLD[case_id]["answers"], reference=case_id)


@pytest.mark.parametrize("case_id", ["pub-01", "pub-10", CHANGING, "pub-29"])
def test_a_stored_screening_reproduces_its_outcomes_under_its_own_version(actor, case_id):
    screening = old_screening(actor, case_id)
    with under(NEW):
        stored = Screening.objects.get(pk=screening.id)
        ruleset = screening_ruleset(stored)
        assert (ruleset.version, ruleset.sha256) == ("1.0.0", stored.ruleset_sha256)
        again = rules.evaluate(stored.answers, ruleset=ruleset)
        assert again.ruleset_sha256 == stored.ruleset_sha256
        assert again.as_stored_dict()["outcomes"] == stored.assessment["outcomes"]
        assert again.as_dict()["outcomes"] == selectors.full_assessment(stored)["outcomes"]
        # a change to its answers is still validated and evaluated under its own version
        changed = services.screening_update(actor=actor, screening=stored, answers={"age": 30})
        assert changed.ruleset_version == "1.0.0"


def test_rescreen_keeps_the_history_and_audits_the_difference(actor):
    screening = old_screening(actor, CHANGING)
    before = outcome_map(screening)
    screening_answers_before = dict(screening.answers)
    with under(NEW):
        screening, changes = services.screening_reassess(actor=actor, screening=screening)
    assert screening.ruleset_version == "1.1.0" and screening.version == 2
    expected = CASES_NEW[CHANGING]["expected"]
    assert sorted(outcome_map(screening)) == sorted(expected["present"])
    assert changes["previous_ruleset"]["version"] == "1.0.0" and changes["ruleset"]["version"] == "1.1.0"
    assert changes["strengthened"] == [{"id": "flag_prospective_call_up_risk", "from": "arguable", "to": "strong"}]
    record = AssessmentRecord.objects.get(screening=screening)
    assert (record.ruleset_version, record.outcomes) == ("1.0.0", before)
    assert record.answers == screening_answers_before and record.superseded_by == "user:amira"
    event = AuditEvent.objects.get(screening_id=screening.id, action=AuditAction.REASSESSED)
    assert event.detail["previous_ruleset"]["version"] == "1.0.0" and event.detail["ruleset"]["version"] == "1.1.0"
    assert event.detail["strengthened"] == changes["strengthened"]
    # ids, versions and strengths only: never an answer value
    assert set(event.detail) == {
        "version",
        "previous_ruleset",
        "ruleset",
        "added",
        "removed",
        "strengthened",
        "weakened",
        "strength_changed",
        "set_aside",
    }
    ids = set(rules.load_ruleset(NEW).outcomes) | set(rules.load_ruleset(OLD).outcomes)
    listed = event.detail["added"] + event.detail["removed"]
    listed += [c["id"] for c in event.detail["strength_changed"]]
    assert set(listed) <= ids


def test_rescreen_sets_answers_aside_and_a_later_rescreen_restores_them(actor):
    answers = {
        "country_of_origin": "SY",
        "host_country": "DE",
        "military_situation": "former_service_fallen_government",
        "has_served": True,
    }
    with under(NEW):
        screening = services.screening_create(actor=actor, answers=answers)
        assert screening.answers["military_situation"] == "former_service_fallen_government"
        # back to 1.0.0, whose questionnaire has no such option: the answer is set aside, not dropped
        screening, changes = services.screening_reassess(actor=actor, screening=screening, to_version="1.0.0")
        assert "military_situation" not in screening.answers
        assert screening.set_aside_answers["military_situation"] == "former_service_fallen_government"
        assert "military_situation" in changes["set_aside"]
        screening, _ = services.screening_reassess(actor=actor, screening=screening)
        assert screening.answers["military_situation"] == "former_service_fallen_government"
        assert "military_situation" not in screening.set_aside_answers
    assert AssessmentRecord.objects.filter(screening=screening).count() == 2


def test_carry_answers_never_loses_an_answer():
    new = rules.load_ruleset(NEW).questionnaire
    carried = carry_answers(new, {"military_situation": "none_of_these", "reasons_for_refusal": ["other"]}, {})
    assert carried.answers == {"military_situation": "none_of_these"}
    assert carried.set_aside == {"reasons_for_refusal": ["other"]}
    back = carry_answers(new, {"military_situation": "openly_refused"}, carried.set_aside)
    assert back.answers["reasons_for_refusal"] == ["other"] and back.set_aside == {}


def test_impact_reports_changes_and_stores_nothing(actor):
    changing = old_screening(actor, CHANGING)
    old_screening(actor, "pub-02")
    snapshot = list(Screening.objects.order_by("pk").values("pk", "version", "assessment", "ruleset_version"))
    events = AuditEvent.objects.count()
    report = ruleset_impact(to_version="1.1.0", from_version="1.0.0").as_dict()
    assert report["screenings"] == 2 and report["changed"] + report["unchanged"] == 2
    changed_ids = {item["id"] for item in report["changed_screenings"]}
    assert str(changing.id) in changed_ids
    assert report["by_outcome"]["flag_prospective_call_up_risk"]["strengthened"] >= 1
    assert list(Screening.objects.order_by("pk").values("pk", "version", "assessment", "ruleset_version")) == snapshot
    assert AuditEvent.objects.count() == events


def test_impact_matches_what_rescreening_does(actor):
    ids = [old_screening(actor, cid).id for cid in ("pub-01", "pub-05", "pub-10", CHANGING, "pub-29")]
    report = ruleset_impact(to_version="1.1.0").as_dict()
    predicted = {item["id"]: item for item in report["changed_screenings"]}
    with under(NEW):
        for sid in ids:
            _, changes = services.screening_reassess(actor=actor, screening=Screening.objects.get(pk=sid))
            got = {k: changes[k] for k in ("added", "removed", "strengthened", "weakened")}
            want = predicted.get(str(sid), {"added": [], "removed": [], "strengthened": [], "weakened": []})
            assert got == {k: want[k] for k in got}, sid


def test_impact_with_worker_processes_gives_the_same_report(actor):
    for cid in ("pub-01", "pub-05", CHANGING, "pub-29"):
        old_screening(actor, cid)
    assert ruleset_impact(to_version="1.1.0", workers=2).as_dict() == ruleset_impact(to_version="1.1.0").as_dict()


def test_the_impact_command_prints_text_json_and_csv(actor):
    old_screening(actor, CHANGING)
    old_screening(actor, "pub-02")
    out = io.StringIO()
    call_command("ruleset_impact", "--to", "1.1.0", "--organisation", "Alpha Legal", stdout=out)
    text = out.getvalue()
    assert "2 stored screenings of Alpha Legal evaluated under 1.1.0" in text
    assert "flag_prospective_call_up_risk" in text and CHANGING in text
    out = io.StringIO()
    call_command("ruleset_impact", "--to", "1.1.0", "--from", "1.0.0", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["screenings"] == 2 and data["from_version"] == "1.0.0"
    out = io.StringIO()
    call_command("ruleset_impact", "--to", "1.1.0", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {"reference": CHANGING, "change": "strengthened", "outcome": "flag_prospective_call_up_risk"}.items() <= (
        next(r for r in rows if r["outcome"] == "flag_prospective_call_up_risk").items()
    )
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Cannot load ruleset version"):
        call_command("ruleset_impact", "--to", "9.9.9", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No organisation"):
        call_command("ruleset_impact", "--to", "1.1.0", "--organisation", "Nobody", stdout=io.StringIO())


# ---- web ----------------------------------------------------------------------------------------------------


@pytest.fixture
def member(client, actor):
    client.force_login(actor.user)
    return client


def test_the_result_page_names_the_newer_version_and_rescreens(member, actor):
    screening = old_screening(actor, CHANGING)
    result_url = reverse("results:result", args=[screening.id])
    with under(NEW):
        html = member.get(result_url).content.decode()
        assert "Assessed under ruleset 1.0.0; ruleset 1.1.0 is now in force" in html
        assert reverse("versions:changes", args=["1.1.0"]) in html
        response = member.post(reverse("versions:rescreen", args=[screening.id]), {"version": screening.version})
        assert response.status_code == 302 and response["Location"].startswith(result_url)
        html = member.get(result_url).content.decode()
    assert "ruleset 1.0.0 → 1.1.0" in html
    assert "Stronger: " in html and "Arguable → Strong" in html.replace("arguable", "Arguable").replace(
        "strong", "Strong"
    )
    assert "is now in force" not in html
    assert Screening.objects.get(pk=screening.id).ruleset_version == "1.1.0"


def test_a_stale_rescreen_changes_nothing(member, actor):
    screening = old_screening(actor, CHANGING)
    with under(NEW):
        response = member.post(reverse("versions:rescreen", args=[screening.id]), {"version": screening.version + 5})
    assert "conflict=1" in response["Location"]
    assert Screening.objects.get(pk=screening.id).ruleset_version == "1.0.0"
    assert not AssessmentRecord.objects.exists()


def test_the_impact_page_is_for_supervisors_and_rescreens_all_affected(client, org, actor, member):
    changing = old_screening(actor, CHANGING)
    other_org = services.organisation_create(name="Beta")
    other_user = services.user_create(organisation=other_org, username="b", password="x-unused-x-12")
    old_screening(Actor(organisation=other_org, user=other_user), CHANGING)
    with under(NEW):
        assert member.get(reverse("versions:impact")).status_code == 403
        supervisor = services.user_create(
            organisation=org, username="sam", password="x-unused-x-12", role=Role.SUPERVISOR
        )
        client.force_login(supervisor)
        html = client.get(reverse("versions:impact")).content.decode()
        assert 'id="impact-total">1<' in html and 'id="impact-changed">1<' in html
        assert "flag_prospective_call_up_risk" in html and CHANGING in html
        response = client.post(reverse("versions:impact"))
        assert response.status_code == 200
        assert "1 screening was re-screened" in response.content.decode()
    assert Screening.objects.get(pk=changing.id).ruleset_version == "1.1.0"
    assert AssessmentRecord.objects.filter(screening_id=changing.id).count() == 1
    assert Screening.objects.filter(organisation=other_org, ruleset_version="1.0.0").count() == 1  # not theirs


def test_the_changes_page(member):
    assert member.get(reverse("versions:changes", args=["9.9.9"])).status_code == 404
    assert "first version of the rules" in member.get(reverse("versions:changes", args=["1.0.0"])).content.decode()
    html = member.get(reverse("versions:changes", args=["1.1.0"])).content.decode()
    log = rules.versions.changelog("military_service", "1.1.0")
    assert log["changes"] and all(escape(change["title"]) in html for change in log["changes"])


# ---- API ----------------------------------------------------------------------------------------------------


@pytest.fixture
def api(org):
    from rest_framework.test import APIClient

    _client, token = services.partner_client_create(organisation=org, name="Case system")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_api_lists_the_rulesets(api):
    with under(NEW):
        body = api.get("/api/v1/rulesets/").json()
    versions = {item["version"]: item for item in body["rulesets"]}
    assert list(versions) == ["1.0.0", "1.1.0"]
    assert versions["1.1.0"]["active"] and not versions["1.0.0"]["active"]
    assert versions["1.0.0"]["sha256"] == rules.load_ruleset(OLD).sha256
    assert versions["1.1.0"]["previous"] == "1.0.0" and versions["1.1.0"]["summary"]


def test_api_evaluates_under_a_chosen_version(api):
    answers = CASES_NEW[CHANGING]["answers"]
    with under(NEW):
        default = api.post("/api/v1/evaluate/", {"answers": answers}, format="json").json()
        old = api.post(
            "/api/v1/evaluate/", {"answers": CASES_OLD[CHANGING]["answers"], "ruleset_version": "1.0.0"}, format="json"
        ).json()
        bad = api.post("/api/v1/evaluate/", {"answers": answers, "ruleset_version": "9.9"}, format="json")
    assert default["ruleset"]["version"] == "1.1.0" and old["ruleset"]["version"] == "1.0.0"
    strengths = {o["id"]: o["strength"] for o in old["outcomes"]}
    assert strengths["flag_prospective_call_up_risk"] == "arguable"
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "ruleset_version"


def test_api_lists_the_assessment_history(api, actor):
    screening = old_screening(actor, CHANGING)
    with under(NEW):
        response = api.post(f"/api/v1/screenings/{screening.id}/reassess/")
        assert response.status_code == 200
        history = api.get(f"/api/v1/screenings/{screening.id}/assessments/").json()["assessments"]
    assert [(h["current"], h["ruleset"]["version"]) for h in history] == [(True, "1.1.0"), (False, "1.0.0")]
    assert history[1]["changes"]["strengthened"][0]["id"] == "flag_prospective_call_up_risk"
    assert history[1]["assessed_by"] == "user:amira" and history[1]["superseded_by"] == "partner:Case system"
    assert "answers" not in json.dumps(history)
