"""Provenance of country information (review D5/D6): a COI answer accepted from a country profile keeps the profile,
its sources, dates and who accepted it when, every page that shows the answer says so, and it goes when the answer
is changed by hand."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from screening import services
from screening.auth import Actor
from screening.dates import long_date
from screening.models import CountryProfile, Role
from screening.pdf import memo_pdf
from screening.web import results
from tests.web.test_results import pdf_text

pytestmark = pytest.mark.django_db

REFUSER = {"country_of_origin": "RU", "military_situation": "summoned_did_not_report"}
ACCEPTED_QID = "armed_conflict_involvement"
CHANGED_QID = "home_area_violence_level"


@pytest.fixture
def profiles():
    services.country_profiles_load()
    return CountryProfile.objects.get(code="RU")


@pytest.fixture
def user():
    org = services.organisation_create(name="Alpha Legal")
    return services.user_create(organisation=org, username="amira", password="x-unused-x", role=Role.CASEWORKER)


@pytest.fixture
def actor(user):
    return Actor(organisation=user.membership.organisation, user=user, role=Role.CASEWORKER)


@pytest.fixture
def member(client, user):
    client.force_login(user)
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def accept_conflict_section(client, screening, profile, **overrides) -> None:
    """Post the conflict section as a browser does: the suggestions as shown (with their hidden from_profile
    inputs), one of them changed before Continue."""
    url = reverse("web:section", args=[screening.id, "conflict"])
    shown = page(client, url)
    from_profile = re.findall(r'name="from_profile" value="(\w+)"', shown)
    assert {ACCEPTED_QID, CHANGED_QID} <= set(from_profile)
    data = {
        "version": str(screening.version),
        "shown": [ACCEPTED_QID, CHANGED_QID],
        "from_profile": from_profile,
        ACCEPTED_QID: profile.values[ACCEPTED_QID]["value"],
        CHANGED_QID: "unknown",
        **overrides,
    }
    assert client.post(url, data).status_code == 302


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_an_accepted_suggestion_keeps_its_provenance_on_every_page(member, actor, profiles):
    screening = services.screening_create(actor=actor, answers=REFUSER, reference="prov-1")
    accept_conflict_section(member, screening, profiles)
    screening.refresh_from_db()
    expected = profiles.values[ACCEPTED_QID]
    assert screening.answers[ACCEPTED_QID] == expected["value"]
    stored = screening.country_profile_used[ACCEPTED_QID]
    assert stored["applied"] == "accepted" and stored["accepted_by"] == "user:amira"
    assert {k: stored[k] for k in ("value", "sources", "date", "profile", "reviewed")} == {
        k: expected[k] for k in ("value", "sources", "date", "profile", "reviewed")
    }
    accepted_at = timezone.datetime.fromisoformat(stored["accepted_at"])
    assert abs((timezone.now() - accepted_at).total_seconds()) < 60
    # the suggestion the caseworker changed before Continue is their own answer: no provenance
    assert screening.answers[CHANGED_QID] == "unknown" and CHANGED_QID not in screening.country_profile_used

    source = expected["sources"][0]
    today = long_date(timezone.localdate(), "en")
    reviewed = long_date(expected["reviewed"], "en")
    check = page(member, reverse("web:check", args=[screening.id]))
    row = check.split('id="section-conflict"')[1].split("</dl>")[0]
    assert escape(source["title"]) in row and escape(source["publisher"]) in row
    assert long_date(source["date"], "en") in row
    assert f"From the country profile Russia (RU), reviewed {reviewed}." in row
    assert f"Accepted by amira on {today}." in row
    assert row.count("From the country profile") == 1  # the changed answer is not marked

    result = page(member, reverse("results:result", args=[screening.id]))
    section = result.split('id="coi-from-profile"')[1].split("</section>")[0]
    assert escape(source["title"]) in section and f"Accepted by amira on {today}." in section

    memo = page(member, reverse("results:memo", args=[screening.id]))
    answers = memo.split('id="memo-answers"')[1]
    assert escape(source["title"]) in answers and f"Accepted by amira on {today}." in answers

    text = flat(pdf_text(memo_pdf(results.memo_context(screening, language="en"), compress=False)))
    assert f"From the country profile Russia (RU), reviewed {reviewed}." in text
    assert source["title"][:30] in text and f"Accepted by amira on {today}." in text


def test_changing_the_answer_by_hand_removes_the_provenance(member, actor, profiles):
    screening = services.screening_create(actor=actor, answers=REFUSER)
    accept_conflict_section(member, screening, profiles)
    screening.refresh_from_db()
    assert ACCEPTED_QID in screening.country_profile_used
    url = reverse("web:section", args=[screening.id, "conflict"]) + "?return=check"
    response = member.post(
        url,
        {"version": str(screening.version), "shown": [ACCEPTED_QID], ACCEPTED_QID: "non_international_armed_conflict"},
    )
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.answers[ACCEPTED_QID] == "non_international_armed_conflict"
    assert screening.country_profile_used == {}
    assert "From the country profile" not in page(member, reverse("web:check", args=[screening.id]))
    assert 'id="coi-from-profile"' not in page(member, reverse("results:result", args=[screening.id]))


def test_saving_the_same_value_again_keeps_it_and_a_forged_mark_is_ignored(member, actor, profiles):
    screening = services.screening_create(actor=actor, answers=REFUSER)
    accept_conflict_section(member, screening, profiles)
    screening.refresh_from_db()
    before = screening.country_profile_used[ACCEPTED_QID]
    # an API change elsewhere keeps the accepted answer's provenance as it was
    screening = services.screening_update(actor=actor, screening=screening, answers={"age": 30})
    assert screening.country_profile_used[ACCEPTED_QID] == before
    # a from_profile mark on a value that is not the profile's gives no provenance
    services.screening_update(actor=actor, screening=screening, answers={ACCEPTED_QID: None})
    screening.refresh_from_db()
    services.screening_save_answers(
        actor=actor,
        screening=screening,
        answers={ACCEPTED_QID: "no_armed_conflict"},
        accepted_from_profile=[ACCEPTED_QID],
    )
    screening.refresh_from_db()
    assert ACCEPTED_QID not in screening.country_profile_used


def test_defaults_applied_on_evaluation_carry_the_same_provenance(member, actor, profiles):
    screening = services.screening_create(actor=actor, answers=REFUSER, apply_country_profile=True)
    used = screening.country_profile_used
    assert used and all(entry["applied"] == "default" for entry in used.values())
    entry = used["coi_fair_trial"]
    assert entry["accepted_by"] == "user:amira" and entry["sources"] == profiles.values["coi_fair_trial"]["sources"]
    assert "coi_fair_trial" not in screening.answers
    first_at = entry["accepted_at"]
    # a later change by someone else keeps who applied an unchanged default
    screening = services.screening_update(actor=actor, screening=screening, answers={"age": 30})
    assert screening.country_profile_used["coi_fair_trial"]["accepted_at"] == first_at
    # answering the question by hand: the answer is the caseworker's, not the profile's
    screening = services.screening_update(actor=actor, screening=screening, answers={"coi_fair_trial": "unknown"})
    assert "coi_fair_trial" not in screening.country_profile_used
    check = page(member, reverse("web:check", args=[screening.id]))
    assert check.count("Applied as a default by amira") == len(screening.country_profile_used)


def test_explanations_mark_the_answers_taken_from_the_profile(member, actor, profiles):
    answers = {**REFUSER, "feared_consequences": ["imprisonment"]}
    screening = services.screening_create(actor=actor, answers=answers)
    url = reverse("web:section", args=[screening.id, "consequences"])
    suggested = re.findall(r'name="from_profile" value="(\w+)"', page(member, url))
    assert "coi_penalty_assessment" in suggested
    data = {"version": str(screening.version), "shown": suggested, "from_profile": suggested}
    data.update({qid: profiles.values[qid]["value"] for qid in suggested})
    assert member.post(url, data).status_code == 302
    screening.refresh_from_db()
    accepted = set(screening.country_profile_used)
    assert "coi_penalty_assessment" in accepted

    context = results.result_context(screening, language="en")
    lines = [line for g in context["groups"] for o in g["outcomes"] for line in o["why"] + o["why_not_strong"]]
    lines += [line for item in context["not_met"] for line in item["failed"]]
    questions = [line for line in lines if line.get("question")]
    from_profile = [line for line in questions if line["question"] in accepted]
    assert from_profile, "an explanation rests on an accepted COI answer"
    for line in questions:
        if line["question"] in accepted:
            source = screening.country_profile_used[line["question"]]["source"]
            assert line["profile"] == f"(from the country profile: {source}, {long_date(line_date(screening, line))})"
            assert line["profile"] in line["text"]
        else:
            assert line["profile"] == "", line["question"]


def line_date(screening, line):
    return screening.country_profile_used[line["question"]]["date"]
