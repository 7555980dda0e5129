"""One user object: GET /users/{user} and PATCH /users/current answer the same keys (WakaTime's path and Wakapi's
alike), the response model declares every key the service builds (so none is dropped silently), and every key of
WakaTime's live answer (tests/fixtures/wakatime-live/current.json) is there."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import ValidationError

from codetime.api.app import create_local_app
from codetime.api.schemas.stats import UserObject
from codetime.services import stats
from codetime.services.keys import create_user
from functions import ingestion, keys, summary
from harness import FIXTURES, basic, call_api

pytestmark = pytest.mark.e2e
KEY = "waka_7e1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b"
USER, WAKAPI_USER = "/api/v1/users/current", "/api/compat/wakatime/v1/users/current"


def _data(handler, method: str, path: str, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    response = call_api(handler, method, path, headers=basic(KEY), **kwargs)
    assert response.status == 200, (method, path, response)
    return response.json["data"]


def test_get_and_patch_answer_one_user_object_with_every_key(sqs) -> None:  # type: ignore[no-untyped-def]
    user, _ = create_user(email="one@example.com", username="one", timezone="UTC", api_key=KEY)
    beat = {"entity": "a.py", "type": "file", "time": time.time() - 60, "project": "alpha", "language": "Python",
            "branch": "main"}  # fmt: skip
    response = call_api(ingestion.handler, "POST", f"{USER}/heartbeats.bulk", headers=basic(KEY), body=[beat])
    assert response.status == 202, response
    sqs.drain()

    built = stats.user_object(user)
    declared = list(UserObject.model_fields)
    assert sorted(built) == sorted(declared)  # the model keeps every key the service builds, and invents none
    with pytest.raises(ValidationError):  # a key the model does not declare fails loudly, never vanishes
        UserObject.model_validate({**built, "undeclared": None})

    got = _data(summary.handler, "GET", USER)
    patched = _data(keys.handler, "PATCH", USER, body={"display_name": "One", "weekday_start": 0})
    again = _data(summary.handler, "GET", USER)
    on_wakapi_path = _data(summary.handler, "GET", WAKAPI_USER)
    assert list(got) == list(patched) == list(again) == list(on_wakapi_path) == declared
    assert again == patched  # the same object, read back
    assert patched["display_name"] == patched["full_name"] == "One"
    assert patched["weekday_start"] == patched["week_start"] == 0  # Sunday: GET no longer says 0 whatever it is
    assert got["weekday_start"] == 1 and got["last_project"] == "alpha" and got["last_branch"] == "main"
    assert on_wakapi_path["id"] == "one" and got["id"] == str(user.id)  # Wakapi's users are their names

    reference = json.loads((FIXTURES / "wakatime-live/current.json").read_text())["data"]
    assert set(reference) <= set(got), sorted(set(reference) - set(got))
    assert set(got) - set(reference) == {"week_start", "public_profile", "is_up_to_date"}  # CodeTime's own


def test_openapi_documents_one_user_object_for_get_and_patch() -> None:
    paths = create_local_app().openapi()["paths"]

    def schema(path: str, method: str) -> dict:
        return paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]

    refs = {
        schema(path, method)["$ref"]
        for path, method in (("/api/v1/users/{user}", "get"), ("/api/compat/wakatime/v1/users/{user}", "get"),
                             ("/api/v1/users/current", "patch"))
    }  # fmt: skip
    assert refs == {"#/components/schemas/UserResponse"}
