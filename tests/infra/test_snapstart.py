"""`-c snapStart=true` (README "SnapStart"): off, the template is as it always was; on, the API functions are
snapshotted at each published version and API Gateway invokes them through their `live` alias."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from infra.conftest import Synthesized, cdk_json_context

pytestmark = pytest.mark.infra

# Behind API Gateway (the HTTP API, and the live WebSocket API's $connect): a person waits for their cold starts.
API = ("Ingestion", "Summary", "Keys", "Ops", "Live")
OTHERS = ("Writer", "Migrate", "Reports", "Maintenance", "LiveDelivery")  # SQS, schedules, the deploy: nobody waits


def test_off_by_default_no_snapstart_no_aliases(rds: Synthesized, external: Synthesized) -> None:
    for synth in (rds, external):
        for name in API + OTHERS:
            assert "SnapStart" not in synth.function(name)["Properties"], name
        assert not synth.resources("AWS::Lambda::Alias")
        # The only published version is the migrations trigger's, as before the option existed.
        migrate = synth.logical_id("/Functions/Migrate/CurrentVersion/", "AWS::Lambda::Version")
        assert list(synth.resources("AWS::Lambda::Version")) == [migrate]
        for integration in synth.resources("AWS::ApiGatewayV2::Integration").values():
            # The function itself ($LATEST); the WebSocket API's URIs wrap the function's ARN in a path.
            assert "Fn::GetAtt" in json.dumps(integration["Properties"]["IntegrationUri"])


def test_on_the_api_functions_are_invoked_through_snapshotted_versions(tuned: Synthesized) -> None:
    resources = tuned.template["Resources"]
    aliases = set()
    for name in API:
        function_id = tuned.logical_id(f"/Functions/{name}/", "AWS::Lambda::Function")
        assert resources[function_id]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        version_id = tuned.logical_id(f"/Functions/{name}/CurrentVersion/", "AWS::Lambda::Version")
        assert resources[version_id]["Properties"]["FunctionName"] == {"Ref": function_id}
        # A replaced version is deleted once the alias has moved on, so its snapshot stops being cached (billed).
        assert resources[version_id]["DeletionPolicy"] == "Delete"
        alias_id = tuned.logical_id(f"/Functions/{name}/Live/", "AWS::Lambda::Alias")
        alias = resources[alias_id]["Properties"]
        assert alias["Name"] == "live" and alias["FunctionName"] == {"Ref": function_id}
        assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
        aliases.add(alias_id)
    assert set(tuned.resources("AWS::Lambda::Alias")) == aliases
    for name in OTHERS:
        assert "SnapStart" not in tuned.function(name)["Properties"], name

    # API Gateway reaches the aliases only ($LATEST is never snapshotted), and is allowed to invoke nothing else.
    uris = [i["Properties"]["IntegrationUri"] for i in tuned.resources("AWS::ApiGatewayV2::Integration").values()]
    # The HTTP API names the alias; the WebSocket API's URI wraps the alias's ARN in a path (Fn::Join).
    refs = {uri.get("Ref") or next(p["Ref"] for p in uri["Fn::Join"][1] if isinstance(p, dict) and "Ref" in p
            and p["Ref"].startswith("Functions")) for uri in uris}  # fmt: skip
    assert refs == aliases
    gateway = [
        p["Properties"]["FunctionName"]
        for p in tuned.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert gateway and {target.get("Ref") for target in gateway} == aliases
    # SQS still feeds the writer function itself.
    mapping = tuned.at("/Functions/Writer/", "AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["FunctionName"] == {"Ref": tuned.logical_id("/Functions/Writer/", "AWS::Lambda::Function")}


def _live_versions(build_dir: Path) -> dict[str, str]:
    """The version each `live` alias points at (its logical id: a hash of the function's code, layers, settings)."""
    from infra_cdk.settings import Settings
    from infra_cdk.stack import CodeTimeStack

    app = App(context={**cdk_json_context(), "database": "rds", "snapStart": "true"})
    stack = CodeTimeStack(app, "CodeTime", settings=Settings.from_context(app.node), build_dir=build_dir)
    resources = Template.from_stack(stack).to_json()["Resources"]
    versions = {}
    for alias in (r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Alias"):
        handler = resources[alias["FunctionName"]["Ref"]]["Properties"]["Handler"]
        versions[handler] = alias["FunctionVersion"]["Fn::GetAtt"][0]
    return versions


def test_a_layer_change_publishes_new_snapshotted_versions(lambda_build: Path, tmp_path: Path) -> None:
    # The package lives in the layer: were it not part of the version's hash, the alias would keep serving (and
    # restoring) the snapshot of the old code after a deploy.
    copy = tmp_path / "build"
    shutil.copytree(lambda_build, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _live_versions(copy)
    assert sorted(before) == sorted(f"functions.{name.lower()}.handler" for name in API)
    assert _live_versions(copy) == before  # deterministic: an unchanged deploy publishes nothing
    (copy / "layer" / "python" / "codetime" / "lifecycle.py").write_text("# changed\n", encoding="utf-8")
    after = _live_versions(copy)
    assert all(after[handler] != before[handler] for handler in before)
