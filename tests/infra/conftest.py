"""Fixtures of the infra tier: the Lambda build, the pinned CDK CLI, and synthesized templates (cached per session).

Everything here works offline from AWS: no credentials, no account. The Lambda build and `npm ci` need PyPI and
npm only the first time (both are skipped when up to date).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A complete Secrets Manager ARN (the `-XXXXXX` suffix included), as `-c databaseSecretArn` wants it.
EXTERNAL_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:codetime/database-AbCdEf"
CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"

# Node 20 is past end of life for jsii, which would print a banner on every synth.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "infra: CDK app checks (synth, template assertions, cdk-nag, cfn-lint)")


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="session")
def lambda_build() -> Path:
    """build/ with the layer and functions assets (scripts/build-lambda.sh; a no-op when up to date)."""
    _run(["bash", "scripts/build-lambda.sh"], timeout=600)
    return ROOT / "build"


@pytest.fixture(scope="session")
def cdk_cli() -> Path:
    """The CDK CLI pinned in package-lock.json, installed with `npm ci` unless already in place."""
    if shutil.which("npm") is None:
        pytest.fail("npm is not installed: the infra tier needs Node.js and npm (the pinned CDK CLI)")
    installed = ROOT / "node_modules" / ".package-lock.json"
    cli = ROOT / "node_modules" / ".bin" / "cdk"
    lock = ROOT / "package-lock.json"
    if not cli.exists() or not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        _run(["npm", "ci", "--no-audit", "--no-fund"], timeout=600)
    return cli


def cdk_json_context() -> dict[str, Any]:
    """What the CLI passes to the app: cdk.json's context (feature flags), construct paths and asset metadata."""
    context = dict(json.loads((ROOT / "cdk.json").read_text())["context"])
    context.update({"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True})
    return context


@dataclass(frozen=True)
class Synthesized:
    """One synthesized stack: the raw template, and where the cloud assembly was written."""

    template: dict[str, Any]
    outdir: Path

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        """Resources of one CloudFormation type, by logical id."""
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == type_}

    def one(self, type_: str) -> dict[str, Any]:
        """The only resource of `type_` (fails if there are none or several)."""
        found = self.resources(type_)
        assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
        return next(iter(found.values()))

    def logical_id(self, path_part: str, type_: str) -> str:
        """The logical id of the resource of `type_` whose construct path contains `path_part`."""
        resources = self.resources(type_).items()
        ids = [k for k, v in resources if path_part in v.get("Metadata", {}).get("aws:cdk:path", "")]
        assert len(ids) == 1, f"{path_part!r} matches {ids} among {type_}"
        return ids[0]

    def at(self, path_part: str, type_: str) -> dict[str, Any]:
        """The one resource of `type_` whose construct path contains `path_part` (e.g. the HTTP API's stage, now
        that the live WebSocket API has one too)."""
        return self.template["Resources"][self.logical_id(path_part, type_)]

    def function(self, name: str) -> dict[str, Any]:
        """The Lambda function created as Functions/<name>."""
        return self.template["Resources"][self.logical_id(f"/Functions/{name}/", "AWS::Lambda::Function")]


@pytest.fixture(scope="session")
def synth(lambda_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Synthesized]:
    """Synthesize the app in-process with cdk.json's context plus `context`; cdk-nag findings raise."""
    from infra_cdk.app import build_app

    cache: dict[str, Synthesized] = {}

    def run(**context: Any) -> Synthesized:
        key = json.dumps(context, sort_keys=True)
        if key not in cache:
            outdir = tmp_path_factory.mktemp("cdk-out")
            app, stack = build_app({**cdk_json_context(), **context}, outdir=str(outdir))
            assembly = app.synth()  # cdk-nag runs here: an unsuppressed finding raises
            cache[key] = Synthesized(assembly.get_stack_by_name(stack.stack_name).template, outdir)
        return cache[key]

    return run


# The variants every test module shares (each is synthesized once per session).
RDS: dict[str, Any] = {"database": "rds"}
EXTERNAL: dict[str, Any] = {
    "database": "external",
    "databaseSecretArn": EXTERNAL_SECRET_ARN,
    "jwtIssuer": "https://id.example.com/",
    "jwtAudience": "codetime-dashboard,codetime-cli",
    "domainName": "codetime.example.com",
    "certificateArn": CERTIFICATE_ARN,
}
# Every knob away from its default, to see each one reach the template.
TUNED: dict[str, Any] = {
    "database": "rds",
    "dbMultiAz": "true",
    "deletionProtection": "false",
    "dbBackupRetentionDays": "14",
    "dbConnectionBudget": "7",
    "cacheReplicas": "1",
    "natGateways": "2",
    "queueMaxReceiveCount": "9",
    "writerBatchSize": "250",
    "writerBatchWindowSeconds": "3",
    "writerTimeoutSeconds": "120",
    "logRetentionDays": "90",
    "apiThrottleRate": "40",
    "apiThrottleBurst": "80",
    "corsAllowOrigins": "https://dash.example.com,https://vscode.dev",
    "alarmEmail": "ops@example.com",
    "reportSender": "reports@example.com",
    "reportSenderIdentity": "example.com",
    "admins": "ops@example.com,admin",
    "retentionMonths": "36",
    "snapStart": "true",
}


@pytest.fixture(scope="session")
def rds(synth: Callable[..., Synthesized]) -> Synthesized:
    return synth(**RDS)


@pytest.fixture(scope="session")
def external(synth: Callable[..., Synthesized]) -> Synthesized:
    return synth(**EXTERNAL)


@pytest.fixture(scope="session")
def tuned(synth: Callable[..., Synthesized]) -> Synthesized:
    return synth(**TUNED)


@pytest.fixture(scope="session", params=["rds", "external", "tuned"])
def any_variant(request: pytest.FixtureRequest) -> Iterator[Synthesized]:
    yield request.getfixturevalue(request.param)
