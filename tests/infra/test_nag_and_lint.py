"""cdk-nag (AwsSolutionsChecks) and cfn-lint over every synthesized template, and `cdk synth` through the pinned
npm CLI with no AWS credentials at all, in both database modes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra.conftest import EXTERNAL, RDS, ROOT, Synthesized

pytestmark = pytest.mark.infra

# Both database modes; the external one with an OIDC issuer and a custom domain, so the CLI's templates hold every
# optional resource but the tuned variant's (which cfn-lint checks as well).
CLI_MODES = {"rds": RDS, "external": EXTERNAL}


def _suppressions(template: dict) -> list[tuple[str, str, str]]:
    """(construct path, rule, reason) of every AwsSolutions acknowledgment written into the template."""
    found = []
    for resource in template["Resources"].values():
        metadata = resource.get("Metadata", {})
        for rule in metadata.get("cdk_nag", {}).get("rules_to_suppress", []):
            if rule["id"].startswith("AwsSolutions"):
                found.append((metadata.get("aws:cdk:path", "?"), rule["id"], rule.get("reason", "")))
    return found


def test_nag_passes_and_every_suppression_has_a_reason(any_variant: Synthesized) -> None:
    # The synth fixture already failed if cdk-nag reported anything unsuppressed.
    report = json.loads((any_variant.outdir / "validation-report.json").read_text())
    assert all(r["conclusion"] == "success" for r in report["pluginReports"]), report
    suppressions = _suppressions(any_variant.template)
    assert suppressions
    for path, rule, reason in suppressions:
        assert len(reason) >= 40, (path, rule, reason)


def test_no_suppression_of_encryption_or_logging_rules(any_variant: Synthesized) -> None:
    allowed = {
        "AwsSolutions-SMG4",
        "AwsSolutions-IAM4",
        "AwsSolutions-IAM5",
        "AwsSolutions-L1",
        "AwsSolutions-APIG4",
        "AwsSolutions-COG8",
        "AwsSolutions-RDS3",
        "AwsSolutions-RDS10",
        "AwsSolutions-AEC4",
        "AwsSolutions-SQS3",
        "AwsSolutions-CFR1",
        "AwsSolutions-CFR2",
        "AwsSolutions-CFR4",
    }  # fmt: skip  (SQS3: the schedules' DLQ is itself a dead-letter queue)
    rules = {rule.split("[")[0] for _, rule, _ in _suppressions(any_variant.template)}
    assert rules <= allowed, rules - allowed
    # CloudFront's geo restriction, WAF and viewer TLS policy: on the dashboard's distribution only.
    cloudfront = {path for path, rule, _ in _suppressions(any_variant.template) if rule.startswith("AwsSolutions-CFR")}
    assert cloudfront and all(path.startswith("CodeTime/Dashboard/Distribution/") for path in cloudfront), cloudfront


def test_routes_without_the_gateway_authorizer_are_authenticated_by_their_function(rds: Synthesized) -> None:
    # Key management accepts a person's token or a full-access key, so its function is the only gate (it validates
    # tokens against the issuer's JWKS itself: tests/e2e/test_identity.py).
    suppressed = [(path, reason) for path, rule, reason in _suppressions(rds.template) if rule == "AwsSolutions-APIG4"]
    assert any("--auth--" in path for path, _ in suppressed)
    for path, reason in suppressed:
        assert "The function authenticates every request" in reason, path


@pytest.fixture(scope="module")
def cli_synth(cdk_cli: Path, lambda_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`cdk synth` of both modes through the npm CLI, concurrently, with an environment holding no AWS settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    home = tmp_path_factory.mktemp("home")  # no ~/.aws either
    env.update(HOME=str(home), AWS_EC2_METADATA_DISABLED="true", CDK_DISABLE_CLI_TELEMETRY="true")
    outdirs, running = {}, {}
    for mode, context in CLI_MODES.items():
        outdirs[mode] = tmp_path_factory.mktemp(f"cli-{mode}")
        args = [arg for key, value in context.items() for arg in ("-c", f"{key}={value}")]
        cmd = [str(cdk_cli), "synth", *args, "--output", str(outdirs[mode]), "--quiet", "--no-notices", "--ci"]
        running[mode] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for mode, process in running.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"cdk synth ({mode}) failed:\n{output.decode()[-6000:]}"
    return outdirs


def test_cli_is_the_pinned_2x_release(cdk_cli: Path) -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/aws-cdk"]["version"]
    assert pinned.startswith("2.")
    version = subprocess.run([str(cdk_cli), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith(pinned)


def test_cli_synth_without_credentials_in_both_modes(cli_synth: dict[str, Path]) -> None:
    for mode, outdir in cli_synth.items():
        template = json.loads((outdir / "CodeTime.template.json").read_text())
        assert bool(any(v["Type"] == "AWS::RDS::DBInstance" for v in template["Resources"].values())) == (mode == "rds")


def test_cli_templates_equal_the_in_process_ones(cli_synth: dict[str, Path], rds: Synthesized,
                                                 external: Synthesized) -> None:  # fmt: skip
    # So the template assertions, made in-process, hold for what `cdk deploy` deploys.
    for mode, synthesized in (("rds", rds), ("external", external)):
        cli = json.loads((cli_synth[mode] / "CodeTime.template.json").read_text())
        # The CLI alone adds CDK's version-reporting resource (AWS::CDK::Metadata) and its region condition.
        del cli["Resources"]["CDKMetadata"]
        cli["Conditions"].pop("CDKMetadataAvailable")
        assert {k: v for k, v in cli.items() if v} == synthesized.template, mode


def test_cfn_lint_reports_no_errors(cli_synth: dict[str, Path], tuned: Synthesized) -> None:
    templates = [outdir / "CodeTime.template.json" for outdir in cli_synth.values()]
    templates.append(tuned.outdir / "CodeTime.template.json")
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), "--format", "parseable", *map(str, templates)], capture_output=True, text=True, timeout=300
    )
    # Exit code bits: 2 errors, 4 warnings, 8 informational. CDK's redundant DependsOn are W3005 warnings.
    errors = [line for line in result.stdout.splitlines() if re.search(r":E\d{4}:", line)]
    assert result.returncode & ~(4 | 8) == 0 and not errors, result.stdout + result.stderr
    warnings = [line for line in result.stdout.splitlines() if re.search(r":W(?!3005)\d{4}:", line)]
    assert not warnings, warnings
