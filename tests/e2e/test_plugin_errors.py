"""POST /api/v1/plugins/errors: 201, bounded, logged without secrets."""

from __future__ import annotations

import json

import pytest

from codetime.services.keys import create_user
from functions import ingestion
from harness import FIXTURES, basic, call_api

pytestmark = pytest.mark.e2e
KEY = "waka_aaaaaaaa-1111-4222-8333-444444444444"
PATH = "/api/v1/plugins/errors"


@pytest.fixture
def user(db_env):  # type: ignore[no-untyped-def]
    return create_user(email="alice@example.com", username="alice", api_key=KEY)[0]


def test_diagnostics_are_logged_without_secrets(user, caplog) -> None:  # type: ignore[no-untyped-def]
    template = (FIXTURES / "wakatime-cli/pkg_api_testdata_diagnostics_request_template.json").read_text()
    body = json.loads(template.replace("%s", "x"))
    body["logs"] = f"[INFO] sending with api_key={KEY} to https://me:hunter22@host/api"
    body["error_message"] = f"401 for key {KEY.removeprefix('waka_')}"
    body["stacktrace"] = "goroutine 1 [running]:\nmain.main()"
    response = call_api(ingestion.handler, "POST", PATH, headers=basic(KEY), body=body)
    assert response.status == 201 and response.json["data"]["id"]
    record = next(r for r in caplog.records if r.getMessage() == "plugin error")
    line = record.__dict__
    logged = json.dumps({k: str(v) for k, v in line.items()})
    assert line["plugin"] == "vim" and line["stacktrace"].startswith("goroutine 1") and line["user_id"] == str(user.id)
    assert line["plugin_error_id"] == response.json["data"]["id"]
    assert KEY.removeprefix("waka_") not in logged and "hunter22" not in logged and "[REDACTED]" in line["logs"]


def test_bad_or_oversized_bodies(user) -> None:  # type: ignore[no-untyped-def]
    big = call_api(ingestion.handler, "POST", PATH, headers=basic(KEY), body={"logs": "x" * 70_000})
    assert big.status == 413 and "error" in big.json
    for raw in ("not json", "[1, 2]", '{"logs": 5}'):
        response = call_api(ingestion.handler, "POST", PATH, headers=basic(KEY), raw_body=raw)
        assert response.status == 400 and "error" in response.json, raw
    assert call_api(ingestion.handler, "POST", PATH, body={"logs": "x"}).status == 401
