"""A screening stores the compact assessment and derives the explanation when it is shown (issue 13): the derived
assessment must be exactly what evaluating the stored answers gives, for every public case of every version."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

import rules
from screening import selectors, services
from screening.models import Screening
from tests.conftest import VERSIONS, load_public_cases
from tests.jobs.helpers import make_actor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("version", VERSIONS)
def test_every_public_case_derives_the_full_assessment_it_would_have_stored(version, settings):
    ruleset = rules.load_ruleset(f"military_service/{version}")
    settings.SCREENING = {**settings.SCREENING, "RULESET": f"military_service/{version}"}
    actor = make_actor()
    for case in load_public_cases(version):
        created = services.screening_create(actor=actor, answers=case["answers"], reference=case["id"])
        stored = Screening.objects.get(pk=created.id)  # a fresh read: nothing cached on the instance
        assert stored.ruleset_version == version
        assert stored.assessment["explained"] is False, case["id"]
        assert "reasons" not in str(stored.assessment), case["id"]
        expected = rules.evaluate(case["answers"], ruleset=ruleset).as_dict()
        assert selectors.full_assessment(stored) == expected, case["id"]
        assert [(o["id"], o["strength"]) for o in stored.assessment["outcomes"]] == [
            (o["id"], o["strength"]) for o in expected["outcomes"]
        ]


def test_country_profile_defaults_are_derived_with_the_values_used_not_todays_profile():
    call_command("loadprofiles", stdout=io.StringIO())
    actor = make_actor()
    answers = load_public_cases()[1]["answers"]
    answers = {k: v for k, v in answers.items() if not k.startswith("coi_")} | {"country_of_origin": "RU"}
    created = services.screening_create(actor=actor, answers=answers, apply_country_profile=True)
    used = created.assessment["country_profile_used"]
    assert used, "the RU profile fills some COI question"
    expected = rules.evaluate(
        answers, country_profile=selectors.country_profile_values(code="RU"), apply_country_profile_defaults=True
    ).as_dict()
    # today's profile changes afterwards: the derivation still uses the values the stored outcomes came from
    from screening.models import CountryProfile

    profile = CountryProfile.objects.get(code="RU")
    profile.values = {}
    profile.save()
    stored = Screening.objects.get(pk=created.id)
    assert selectors.full_assessment(stored) == expected


def test_a_screening_stored_in_full_before_is_shown_as_stored():
    actor = make_actor()
    created = services.screening_create(actor=actor, answers=load_public_cases()[0]["answers"])
    full = rules.evaluate(created.answers).as_dict()
    Screening.objects.filter(pk=created.pk).update(assessment=full)
    stored = Screening.objects.get(pk=created.pk)
    assert selectors.full_assessment(stored) == full


def test_a_contradiction_stored_before_its_check_existed_is_still_explained():
    actor = make_actor()
    answers = dict(load_public_cases()[0]["answers"])
    created = services.screening_create(actor=actor, answers=answers)
    # the stored answers now trip an error-level check (as answers stored before the check existed would)
    contradictory = {**created.answers, "age": 18, "recruitment_age": 40}
    Screening.objects.filter(pk=created.pk).update(answers=contradictory)
    stored = Screening.objects.get(pk=created.pk)
    ruleset = rules.load_ruleset()
    _, errors, _ = rules.validation.check_answers(ruleset.questionnaire, contradictory)
    assert errors and {e.code for e in errors} == {"contradiction"}
    full = selectors.full_assessment(stored)
    assert full.get("explained") is None and "not_met" in full  # derived, not the compact form
