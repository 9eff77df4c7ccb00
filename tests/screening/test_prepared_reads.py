"""screening.prepared_reads.PreparedLookup: compiled once, it must give what the queryset gives, on both databases."""

import datetime as dt

import pytest
from django.utils import timezone

from screening import services
from screening.auth import _CLIENT_BY_TOKEN_HASH
from screening.models import Organisation, PartnerClient
from screening.prepared_reads import PreparedLookup

pytestmark = pytest.mark.django_db


def values(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def by_hash(digest):
    return PartnerClient.objects.select_related("organisation").filter(token_hash=digest).order_by()[:1]


def test_the_prepared_token_lookup_gives_what_the_queryset_gives(django_assert_num_queries):
    first = Organisation.objects.create(name="First")
    second = Organisation.objects.create(name="Second")
    expires = timezone.now() + dt.timedelta(days=3)
    a, _ = services.partner_client_create(organisation=first, name="Case system", expires_at=expires)
    b, _ = services.partner_client_create(organisation=second, name="Other system")
    services.partner_client_revoke(client=b)
    lookup = PreparedLookup(PartnerClient, by_hash, ("token_hash",))
    for client in (a, b, a):  # the second call of a runs the plan compiled by the first
        expected = by_hash(client.token_hash).get()
        with django_assert_num_queries(1):  # the organisation comes with it
            got = lookup.get(client.token_hash)
            organisation = got.organisation
        assert type(got) is PartnerClient and got._state.db == expected._state.db and not got._state.adding
        assert values(got) == values(expected)  # the UUID key and aware datetimes converted as iteration does
        assert values(organisation) == values(expected.organisation)
    assert _CLIENT_BY_TOKEN_HASH.get(a.token_hash).pk == a.pk


def test_no_row_gives_none_and_the_value_is_a_parameter_not_sql():
    services.partner_client_create(organisation=Organisation.objects.create(name="First"), name="Case system")
    lookup = PreparedLookup(PartnerClient, by_hash, ("token_hash",))
    assert lookup.get("0" * 64) is None
    assert lookup.get("x' OR '1'='1") is None  # would match every row if it were pasted into the SQL


def test_a_value_the_compilation_changes_is_refused():
    lookup = PreparedLookup(
        PartnerClient, lambda v: PartnerClient.objects.filter(token_hash__startswith=v), ("token_hash",)
    )
    with pytest.raises(ValueError, match="appear once"):
        lookup.get("abc")


def test_the_screening_lookups_give_what_the_querysets_give(django_assert_num_queries):
    """selectors.screening_get: an integer and a UUID value; select_related with only(), and defer()."""
    from screening import selectors
    from screening.models import SCREENING_ENCRYPTED_FIELDS, Screening

    first, second = Organisation.objects.create(name="First"), Organisation.objects.create(name="Second")
    client, _ = services.partner_client_create(organisation=first, name="Case system")
    mine = Screening.objects.create(
        organisation=first, reference="r1", answers={"age": 31}, created_by_client=client, updated_by_client=client
    )
    theirs = Screening.objects.create(organisation=second, reference="r2", answers={"age": 40})
    for _ in range(2):
        with django_assert_num_queries(1):  # the creators' labels come with it
            got = selectors.screening_get(organisation=first, screening_id=mine.pk)
            assert got.created_by_client.name == "Case system" and got.created_by_user is None
        expected = Screening.objects.get(pk=mine.pk)
        assert values(got) == values(expected) and got.answers == {"age": 31}
        lean = selectors.screening_get(organisation=first, screening_id=str(mine.pk), with_answers=False)
        assert lean.pk == mine.pk and set(SCREENING_ENCRYPTED_FIELDS) <= lean.get_deferred_fields()
        assert lean.answers == {"age": 31}  # loaded when read
    assert selectors.screening_get(organisation=first, screening_id=theirs.pk) is None  # another organisation's
    assert selectors.screening_get(organisation=second, screening_id=theirs.pk).reference == "r2"
    assert selectors.screening_get(organisation=None, screening_id=mine.pk) is None


def test_a_field_of_another_type_is_refused():
    with pytest.raises(ValueError, match="text, integer or UUID"):
        PreparedLookup(PartnerClient, lambda at: PartnerClient.objects.filter(expires_at=at), ("expires_at",)).get(
            timezone.now()
        )
