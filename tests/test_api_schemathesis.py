"""Schemathesis against the published OpenAPI schema (``/api/v1/schema/``), in process.

The Django WSGI application answers schemathesis' generated requests inside the test's database
transaction, over a seeded world of district 330105 (an institution with staff, a filing in the
review queue, a complaint, an incident…). Three callers, each with its API token: a district
reviewer, the institution's operator and the city viewer. For every operation the schema lists,
a bounded number of generated cases (hypothesis, derandomized: the same cases each run), and for
each response: no server error (5xx) and a body that conforms to the schema for its status code.

Bounded: ``SCHEMATHESIS_CASES`` cases per operation and caller (default 4; ~100 operations → a few
hundred cases per caller). Failures are collected over all operations and reported together.
"""

from __future__ import annotations

import os

import pytest
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token

from tests.cross_tenant import OtherDistrict

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

CASES = int(os.environ.get("SCHEMATHESIS_CASES", "4"))


@pytest.fixture
def world(regions):
    return OtherDistrict().populate()


@pytest.fixture
def tokens(world, make_account):
    with scopes_disabled():
        users = {
            "district_reviewer": make_account("st_reviewer", "district_reviewer", world.DISTRICT),
            "operator": make_account("st_operator", "operator", world.institution.uscc),
            "city_viewer": make_account("st_city_viewer", "city_viewer", "330100"),
        }
        return {role: Token.objects.get_or_create(user=user)[0].key for role, user in users.items()}


@pytest.fixture
def in_test_transaction():
    """As Django's test client does: requests must not close the test's connection (and with it the
    test's transaction) when they start and finish."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema(token: str):
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(),
                                          headers={"Authorization": f"Token {token}"})


def _runner(operation, headers: dict, seen: list[str], counter: list[int]):
    """A hypothesis test over ``operation``'s generated cases, appending failures to ``seen``."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from core.ratelimit import clear

    @settings(max_examples=CASES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        counter[0] += 1
        clear()  # rate-limit counters: a fuzzer is one address sending hundreds of requests
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                   headers=headers)
        except Exception as exc:  # collect, keep fuzzing the other operations
            seen.append(f"{operation.method.upper()} {operation.path} → {response.status_code}: "
                        f"{str(exc).splitlines()[0][:300]} | body: {response.text[:300]!r} | "
                        f"query={case.query!r} body={str(case.body)[:200]!r}")

    return run


def _fuzz(schema, token: str) -> tuple[int, list[str]]:
    """Run CASES generated cases through every operation; return (cases run, failures)."""
    headers = {"Authorization": f"Token {token}"}
    failures: list[str] = []
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        seen: list[str] = []
        counter = [0]
        try:
            _runner(operation, headers, seen, counter)()
        except Exception as exc:  # the generator itself failed on this operation: report it
            seen.append(f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {str(exc)[:300]}")
        ran += counter[0]
        failures.extend(seen[:2])
    return ran, failures


@pytest.mark.parametrize("role", ["district_reviewer", "operator", "city_viewer"])
def test_api_answers_every_generated_request_without_server_error_and_as_documented(tokens, role,
                                                                                  in_test_transaction):
    schema = _schema(tokens[role])
    ran, failures = _fuzz(schema, tokens[role])
    assert ran >= 100, f"only {ran} cases ran: the schema lost its operations?"
    assert not failures, f"{len(failures)} failures as {role}:\n" + "\n".join(failures)
