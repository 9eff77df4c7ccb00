"""ScreeningSerializer writes its representation out by hand (speed, issue 13): it must equal DRF's own, field by
field, for every kind of screening: made by a partner or a user, with country-profile values, with warnings, in
both assessment forms, and with no creator left."""

from __future__ import annotations

import pytest
from rest_framework import serializers as drf

from screening import selectors, services
from screening.auth import Actor
from screening.models import Screening
from screening.serializers import ScreeningCreatedSerializer, ScreeningSerializer
from tests.api.conftest import COMPLETE_ANSWERS

pytestmark = pytest.mark.django_db

# host country = country of origin raises a warning-level contradiction check (1.1.0 questionnaire).
WARNED = {**COMPLETE_ANSWERS, "host_country": "RU"}
PROFILED = {"country_of_origin": "RU", "military_situation": "summoned_did_not_report"}


def drf_representation(serializer_class, screening, form):
    serializer = serializer_class(screening, context={"assessment": form})
    return drf.ModelSerializer.to_representation(serializer, screening)


def assert_same(screening):
    screening = selectors.screening_get(organisation=screening.organisation, screening_id=screening.id)
    for serializer_class in (ScreeningSerializer, ScreeningCreatedSerializer):
        for form in ("full", "summary"):
            fast = serializer_class(screening, context={"assessment": form}).data
            slow = drf_representation(serializer_class, screening, form)
            assert list(fast) == list(slow)
            for key in slow:
                assert fast[key] == slow[key], key


def test_a_partner_screening_with_country_profile_values(partner):
    services.country_profiles_load()
    screening = services.screening_create(actor=partner.actor, answers=PROFILED, apply_country_profile=True)
    assert screening.country_profile_used
    assert_same(screening)


def test_a_user_screening_with_a_warning_confirmed_and_no_creator(partner):
    user = services.user_create(organisation=partner.organisation, username="cw", password="unused-pw-123456")
    actor = Actor(organisation=partner.organisation, user=user)
    screening = services.screening_create(actor=actor, answers=WARNED, reference="ref-1", language="uk")
    assert services.screening_warnings(screening)
    assert_same(screening)
    check_id = services.screening_warnings(screening)[0]["id"]
    screening = services.screening_warning_confirm(actor=actor, screening=screening, check_id=check_id)
    assert_same(screening)
    Screening.objects.filter(pk=screening.pk).update(created_by_user=None)  # as SET_NULL leaves it
    assert_same(screening)
