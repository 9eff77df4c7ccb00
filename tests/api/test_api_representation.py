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


def _request_serializers():
    from screening import serializers as s

    found, todo = [], [s.StrictSerializer]
    while todo:
        cls = todo.pop()
        found += cls.__subclasses__()
        todo += cls.__subclasses__()
    return found


@pytest.mark.parametrize("serializer_class", _request_serializers(), ids=lambda c: c.__name__)
def test_request_fields_are_built_as_drf_deep_copies_them(serializer_class):
    """StrictSerializer.get_fields builds fields again without deep-copying read-only arguments: the same fields."""
    import copy

    declared = serializer_class._declared_fields
    fields = serializer_class().get_fields()
    assert repr(fields) == repr(copy.deepcopy(declared))
    assert all(fields[name] is not field for name, field in declared.items())


def test_a_field_with_a_mutable_argument_is_still_deep_copied():
    from rest_framework import serializers

    from screening.serializers import StrictSerializer

    class WithMutableDefault(StrictSerializer):
        tags = serializers.ListField(child=serializers.CharField(), default=list)
        extra = serializers.JSONField(default={"a": []})
        name = serializers.CharField(default="x", help_text="shared text")

    one, two = WithMutableDefault().fields, WithMutableDefault().fields
    assert one["extra"].default == two["extra"].default and one["extra"].default is not two["extra"].default
    assert one["tags"].child is not two["tags"].child and one["tags"].child.parent is one["tags"]
    assert one["name"].help_text == "shared text"
    data = WithMutableDefault(data={})
    assert data.is_valid(), data.errors
    assert data.validated_data == {"tags": [], "extra": {"a": []}, "name": "x"}
