"""Property-based check of the whole partner API against its own OpenAPI schema (schemathesis).

The app runs on a loopback server (pytest-django's live_server, transactional database) with one organisation,
a full-scope partner token and a few stored screenings. The schema is loaded over HTTP from /api/schema/ and
every operation gets a small, bounded number of generated requests, valid and invalid (no shrinking, no
deadline), sent with the token. Every response must be a non-5xx whose status code, content type and body are
the ones the schema documents for that operation.

Operations are driven one by one with `APIOperation.as_strategy()` (schemathesis' lazy pytest fixture does not
work with pytest 9.2, whose nodes no longer have `_nodeid`). Failures of all operations are collected and reported
together.
"""

from __future__ import annotations

import io

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from screening import services
from screening.auth import Actor
from screening.models import Scope

from .conftest import VALID_ANSWERS
from .test_isolation import OPERATIONS

MAX_EXAMPLES = 20  # per operation and generation mode: 13 operations x 2 modes, under a minute on 2 cores
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
HYPOTHESIS = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking, no example database
    database=None,
    derandomize=True,  # the same requests on every run
    suppress_health_check=list(HealthCheck),
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fuzz_target(live_server, settings):
    settings.SCREENING = {**settings.SCREENING, "API_RATE": "1000000/min"}  # the run must not be throttled
    call_command("loadprofiles", stdout=io.StringIO())
    organisation = services.organisation_create(name="Schemathesis")
    client, token = services.partner_client_create(organisation=organisation, name="fuzzer", scope=Scope.FULL)
    actor = Actor(organisation=organisation, client=client)
    ids = [
        str(services.screening_create(actor=actor, answers=VALID_ANSWERS, reference=f"st-{index}").id)
        for index in range(4)
    ]
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}, timeout=30
    )
    schema.config.update(base_url=live_server.url)
    return schema, token, ids


def _strategy(operation, mode: GenerationMode, headers: dict, ids: list[str]):
    strategy = operation.as_strategy(generation_mode=mode, headers=headers)
    if "{screening_id}" in operation.path:  # random ids are simply not found: also aim at stored screenings
        strategy = st.one_of(
            strategy,
            st.sampled_from(ids).flatmap(
                lambda sid: operation.as_strategy(
                    generation_mode=mode, headers=headers, path_parameters={"screening_id": sid}
                )
            ),
        )
    return strategy


def test_every_operation_conforms_to_the_schema(fuzz_target):
    schema, token, ids = fuzz_target
    headers = {"Authorization": f"Token {token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {(op.path, op.method.lower()) for op in operations} == set(OPERATIONS)  # every operation, no other
    operations.sort(key=lambda op: op.method.upper() == "DELETE")  # deleting stored screenings comes last
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @HYPOTHESIS
            @given(case=_strategy(operation, mode, headers, ids))
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

            try:
                run()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE, operation.label  # nothing of it can be made invalid
            except (Exception, FailureGroup) as exc:  # collect every operation's failures, then report them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
