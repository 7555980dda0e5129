"""Schemathesis over every operation of the local app's OpenAPI schema, on real TimescaleDB and Redis.

Positive and negative cases: no 5xx, every response matches its documented status code, content type and schema,
and negative (schema-violating) input is rejected with a 4xx. Heartbeat posts follow WakaTime's protocol instead:
invalid items of a batch are answered one by one (`[{"errors": ...}, 400]` inside a 202) so plugins do not retry
them forever; `items_rejected` checks that a schema-violating batch gets a 4xx or at least one 400 item.
"""

from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from codetime.api.app import create_local_app
from codetime.services.keys import create_user
from harness import basic

pytestmark = pytest.mark.e2e
KEY = "waka_aaaaaaaa-1111-4222-8333-444444444444"
MAX_EXAMPLES = 25
_count = {"cases": 0, "operations": 0}
_lock = threading.Lock()


# The schema is read from the app itself (no database needed to build it); requests run in-process (ASGI).
schema = schemathesis.openapi.from_asgi("/openapi.json", create_local_app())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    with_security_parameters=False,  # authenticated by the header below
)


@pytest.fixture
def fuzz_user(redis_env, monkeypatch):  # type: ignore[no-untyped-def]
    # The fuzzer sends far more requests per second than a person; limits are tested in test_rate_limits.py.
    monkeypatch.setenv("CODETIME_RATE_LIMIT_INGEST", "off")
    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "off")
    with _lock:
        _count["operations"] += 1
    return create_user(email="fuzz@example.com", username="fuzz", timezone="UTC", api_key=KEY)[0]


@pytest.fixture(scope="module", autouse=True)
def report_case_count():  # type: ignore[no-untyped-def]
    yield
    print(f"\nschemathesis: {_count['cases']} cases over {_count['operations']} operations")
    assert _count["cases"] >= _count["operations"], "schemathesis generated no cases"


def _is_heartbeat_post(case) -> bool:  # type: ignore[no-untyped-def]
    return case.method == "POST" and "heartbeat" in case.path or case.path == "/api/v1"


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case, fuzz_user) -> None:  # type: ignore[no-untyped-def]
    if case.path_parameters and len(str(case.path_parameters.get("user", "x" * 256))) <= 255:
        # Another user's path is a 403 (tested in test_stats.py); fuzz the caller's own data. An over-long value
        # is a negative case and stays.
        case.path_parameters["user"] = "current"
    with _lock:
        _count["cases"] += 1
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    if not _is_heartbeat_post(case):
        checks.append(negative_data_rejection)
    response = case.call_and_validate(headers=basic(KEY), checks=checks)
    if _is_heartbeat_post(case) and case.meta.generation.mode == GenerationMode.NEGATIVE:
        items_rejected(response)


def items_rejected(response) -> None:  # type: ignore[no-untyped-def]
    if response.status_code >= 400:
        assert response.status_code < 500
        return
    statuses = [status for _, status in response.json()["responses"]] if "responses" in response.json() else []
    assert 400 in statuses or response.status_code == 400, response.text
