"""Functions (shared settings, secrets by ARN, least privilege), the SQS pipeline, and migrations on deploy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.conftest import TUNED, Synthesized

pytestmark = pytest.mark.infra

OURS = ("Ingestion", "Summary", "Keys", "Writer", "Migrate", "Reports", "Maintenance", "Ops")
# Actions that have no resource-level permissions at all, so "*" is the only possible Resource.
STAR_ONLY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:GetMetricStatistics"}
# CDK's BucketDeployment handler (the dashboard's deploy) is granted the cache invalidation on `*` by CDK itself;
# only that role may hold these two on `*` (infra_cdk/dashboard.py acknowledges it for cdk-nag too).
CDK_DEPLOYMENT_STAR_ACTIONS = {"cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"}


def _statements(synth: Synthesized) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for logical_id, policy in synth.resources("AWS::IAM::Policy").items():
        found += [(logical_id, s) for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    for logical_id, role in synth.resources("AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            found += [(logical_id, s) for s in inline["PolicyDocument"]["Statement"]]
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_function_shares_runtime_arch_layer_tracing_and_network(any_variant: Synthesized) -> None:
    layer = any_variant.logical_id("/Functions/SharedLayer/", "AWS::Lambda::LayerVersion")
    for name in OURS:
        props = any_variant.function(name)["Properties"]
        runtime = props["Runtime"]
        assert runtime.startswith("python3.") and int(runtime.split(".")[1]) >= 12, runtime
        assert props["Architectures"] == ["arm64"]
        assert props["Layers"] == [{"Ref": layer}]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["VpcConfig"]["SubnetIds"] and props["VpcConfig"]["SecurityGroupIds"]
        assert props["Handler"] == f"functions.{name.lower()}.handler"
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "codetime" and env["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"


def test_assets_are_the_build_directories_without_docker(any_variant: Synthesized) -> None:
    manifest = json.loads((any_variant.outdir / "CodeTime.assets.json").read_text())
    assert not manifest.get("dockerImages")
    layer = any_variant.template["Resources"][
        any_variant.logical_id("/Functions/SharedLayer/", "AWS::Lambda::LayerVersion")
    ]
    code = any_variant.function("Writer")
    for resource, inside in ((layer, "python/codetime/db/migrate.py"), (code, "functions/writer.py")):
        metadata = resource["Metadata"]
        assert metadata["aws:asset:is-bundled"] is False  # copied as built by `make build`, never bundled
        assert (any_variant.outdir / metadata["aws:asset:path"] / inside).is_file()
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_logs_have_retention(any_variant: Synthesized, tuned: Synthesized) -> None:
    expected = int(TUNED["logRetentionDays"]) if any_variant is tuned else 30
    groups = any_variant.resources("AWS::Logs::LogGroup")
    assert groups and all(g["Properties"]["RetentionInDays"] == expected for g in groups.values())
    for name in OURS:
        log_group = any_variant.function(name)["Properties"]["LoggingConfig"]["LogGroup"]
        assert log_group["Ref"] in groups


def test_environment_holds_only_secret_arns_never_values(any_variant: Synthesized) -> None:
    secrets = set(any_variant.resources("AWS::SecretsManager::Secret"))
    secrets |= set(any_variant.resources("AWS::SecretsManager::SecretTargetAttachment"))
    for name in OURS:
        env = any_variant.function(name)["Properties"]["Environment"]["Variables"]
        assert not {"DATABASE_URL", "CODETIME_KEY_PEPPER", "REDIS_PASSWORD"} & set(env)
        for key, value in env.items():
            if key.endswith("_SECRET_ARN"):
                assert isinstance(value, str) or value.get("Ref") in secrets, (name, key, value)
            assert "resolve:secretsmanager" not in json.dumps(value), (name, key)
        if "REDIS_URL" in env:
            assert json.dumps(env["REDIS_URL"]).startswith('{"Fn::Join": ["", ["rediss://"')
            assert "REDIS_AUTH_SECRET_ARN" in env


def test_each_function_gets_only_the_secrets_it_uses(rds: Synthesized) -> None:
    def names(function: str) -> set[str]:
        env = rds.function(function)["Properties"]["Environment"]["Variables"]
        return {k for k in env if k.endswith("_SECRET_ARN")}

    api = {"DATABASE_SECRET_ARN", "REDIS_AUTH_SECRET_ARN", "CODETIME_KEY_PEPPER_SECRET_ARN"}
    assert names("Ingestion") == names("Summary") == names("Keys") == api
    assert names("Writer") == {"DATABASE_SECRET_ARN", "REDIS_AUTH_SECRET_ARN"}
    assert names("Migrate") == {"DATABASE_SECRET_ARN"}
    assert names("Reports") == names("Maintenance") == {"DATABASE_SECRET_ARN", "REDIS_AUTH_SECRET_ARN"}
    assert names("Ops") == api
    ops_env = rds.function("Ops")["Properties"]["Environment"]["Variables"]
    dlq = rds.logical_id("/Pipeline/DeadLetters/", "AWS::SQS::Queue")
    assert ops_env["SQS_DLQ_URL"] == {"Ref": dlq} and "SQS_QUEUE_URL" in ops_env
    assert "SQS_QUEUE_URL" in rds.function("Ingestion")["Properties"]["Environment"]["Variables"]


def test_no_wildcard_resource_where_a_resource_can_be_named(any_variant: Synthesized) -> None:
    for logical_id, statement in _statements(any_variant):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        if "*" in _as_list(statement["Resource"]):
            allowed = STAR_ONLY_ACTIONS | (
                CDK_DEPLOYMENT_STAR_ACTIONS if "CDKBucketDeployment" in logical_id else set()
            )
            assert set(_as_list(statement["Action"])) <= allowed, (logical_id, statement)
        assert not any(a == "*" or a.endswith(":*") for a in _as_list(statement["Action"])), (logical_id, statement)


def test_queue_and_secret_grants_name_their_resources(rds: Synthesized) -> None:
    queue = rds.logical_id("/Pipeline/Heartbeats/", "AWS::SQS::Queue")
    dlq = rds.logical_id("/Pipeline/DeadLetters/", "AWS::SQS::Queue")
    # Live updates' delivery and changes queues (infra_cdk/live.py).
    live = [rds.logical_id(f"/Live/{name}/Resource", "AWS::SQS::Queue") for name in ("Delivery", "Changes")]
    for _, statement in _statements(rds):
        actions = _as_list(statement["Action"])
        if any(a.startswith("sqs:") for a in actions):
            # One statement may name several queues (CDK merges a function's grants of the same actions).
            named = [{"Fn::GetAtt": [q, "Arn"]} for q in (queue, dlq, *live)]
            assert all(r in named for r in _as_list(statement["Resource"])), statement
        if any(a.startswith("secretsmanager:") for a in actions):
            assert all("Ref" in r for r in _as_list(statement["Resource"])), statement


def test_who_sends_and_receives_on_which_queue(rds: Synthesized) -> None:
    queue = {"Fn::GetAtt": [rds.logical_id("/Pipeline/Heartbeats/", "AWS::SQS::Queue"), "Arn"]}
    dlq = {"Fn::GetAtt": [rds.logical_id("/Pipeline/DeadLetters/", "AWS::SQS::Queue"), "Arn"]}

    def holders(action: str, resource: dict) -> set[str]:
        return {
            logical_id.removeprefix("Functions").split("ServiceRole")[0]
            for logical_id, s in _statements(rds)
            if action in _as_list(s["Action"]) and resource in _as_list(s["Resource"])
        }

    # Ingestion queues heartbeats, the writer consumes them; the ops replay moves dead letters back; an account
    # deletion (keys) and its purge steps (writer) queue purge messages.
    assert holders("sqs:SendMessage", queue) == {"Ingestion", "Keys", "Writer", "Ops"}
    assert holders("sqs:ReceiveMessage", queue) == {"Writer"}
    assert holders("sqs:ReceiveMessage", dlq) == {"Ops"}
    assert holders("sqs:SendMessage", dlq) == set()


def test_report_sender_may_send_only_from_its_identity(rds: Synthesized, tuned: Synthesized) -> None:
    assert not [s for _, s in _statements(rds) if any(a.startswith("ses:") for a in _as_list(s["Action"]))]
    (statement,) = [s for _, s in _statements(tuned) if any(a.startswith("ses:") for a in _as_list(s["Action"]))]
    assert sorted(_as_list(statement["Action"])) == ["ses:SendEmail", "ses:SendRawEmail"]
    assert "identity/example.com" in json.dumps(statement["Resource"])
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": TUNED["reportSender"]}}
    env = tuned.function("Reports")["Properties"]["Environment"]["Variables"]
    assert env["CODETIME_REPORT_SENDER"] == TUNED["reportSender"]
    assert tuned.function("Ops")["Properties"]["Environment"]["Variables"]["CODETIME_ADMINS"] == TUNED["admins"]
    assert tuned.function("Maintenance")["Properties"]["Environment"]["Variables"]["CODETIME_RETENTION_MONTHS"] == "36"


def test_queue_has_dlq_sse_and_tls_only_policy(any_variant: Synthesized, tuned: Synthesized) -> None:
    queue_id = any_variant.logical_id("/Pipeline/Heartbeats/", "AWS::SQS::Queue")
    dlq_id = any_variant.logical_id("/Pipeline/DeadLetters/", "AWS::SQS::Queue")
    queue = any_variant.template["Resources"][queue_id]["Properties"]
    receives = int(TUNED["queueMaxReceiveCount"]) if any_variant is tuned else 5
    redrive = {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}, "maxReceiveCount": receives}
    assert queue["RedrivePolicy"] == redrive
    for logical_id, resource in any_variant.resources("AWS::SQS::Queue").items():
        assert resource["Properties"]["SqsManagedSseEnabled"] is True, logical_id
    policies = {p["Properties"]["Queues"][0]["Ref"]: p for p in any_variant.resources("AWS::SQS::QueuePolicy").values()}
    for logical_id in any_variant.resources("AWS::SQS::Queue"):
        statements = policies[logical_id]["Properties"]["PolicyDocument"]["Statement"]
        assert {
            "Action": "sqs:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
            "Principal": {"AWS": "*"}, "Resource": {"Fn::GetAtt": [logical_id, "Arn"]},
        } in statements  # fmt: skip
    dlq = any_variant.template["Resources"][dlq_id]["Properties"]
    assert dlq["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]


def test_visibility_timeout_covers_six_writer_timeouts(any_variant: Synthesized) -> None:
    queue = any_variant.template["Resources"][any_variant.logical_id("/Pipeline/Heartbeats/", "AWS::SQS::Queue")]
    writer_timeout = any_variant.function("Writer")["Properties"]["Timeout"]
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * writer_timeout


def test_writer_event_source(rds: Synthesized, tuned: Synthesized) -> None:
    for synth, size, window, concurrency in ((rds, 100, 5, 10), (tuned, 250, 3, 7)):
        mapping = synth.at("/Functions/Writer/", "AWS::Lambda::EventSourceMapping")["Properties"]
        assert mapping["FunctionName"] == {"Ref": synth.logical_id("/Functions/Writer/", "AWS::Lambda::Function")}
        assert mapping["BatchSize"] == size and mapping["MaximumBatchingWindowInSeconds"] == window
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        # Bounded by the database connection budget: each writer holds one connection.
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": concurrency}
        writer_env = synth.function("Writer")["Properties"]["Environment"]["Variables"]
        assert writer_env["CODETIME_DB_POOL_SIZE"] == "1"
    assert tuned.function("Writer")["Properties"]["Timeout"] == int(TUNED["writerTimeoutSeconds"])


def test_migrations_run_on_deploy_between_database_and_new_code(rds: Synthesized) -> None:
    trigger_id, trigger = next(iter(rds.resources("Custom::Trigger").items()))
    migrate = rds.logical_id("/Functions/Migrate/", "AWS::Lambda::Function")
    version = rds.logical_id("/Functions/Migrate/CurrentVersion", "AWS::Lambda::Version")
    assert trigger["Properties"]["HandlerArn"] == {"Ref": version}
    assert rds.template["Resources"][version]["Properties"]["FunctionName"] == {"Ref": migrate}
    assert trigger["Properties"]["ExecuteOnHandlerChange"] is True
    assert trigger["Properties"]["InvocationType"] == "RequestResponse"
    depends = set(trigger.get("DependsOn", []))
    assert rds.logical_id("/Database/Instance/", "AWS::RDS::DBInstance") in depends
    assert set(rds.resources("AWS::EC2::VPCEndpoint")) <= depends
    for name in ("Ingestion", "Summary", "Keys", "Writer", "Reports", "Maintenance", "Ops"):
        assert trigger_id in rds.function(name).get("DependsOn", []), name
    assert rds.function("Migrate")["Properties"]["Handler"] == "functions.migrate.handler"


def _migrate_version(build_dir: Path) -> str:
    from aws_cdk import App

    from infra.conftest import cdk_json_context
    from infra_cdk.settings import Settings
    from infra_cdk.stack import CodeTimeStack

    app = App(context={**cdk_json_context(), "database": "rds"})
    stack = CodeTimeStack(app, "CodeTime", settings=Settings.from_context(app.node), build_dir=build_dir)
    resources = Template.from_stack(stack).to_json()["Resources"].values()
    trigger = next(v for v in resources if v["Type"] == "Custom::Trigger")
    return trigger["Properties"]["HandlerArn"]["Ref"]


def test_migrations_rerun_exactly_when_the_layer_changes(lambda_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "build"
    shutil.copytree(lambda_build, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _migrate_version(copy)
    assert _migrate_version(copy) == before  # deterministic: an unchanged deploy does not re-run them
    # A new migration only changes the layer, never the migrate function's own code or settings.
    (copy / "layer" / "python" / "codetime" / "db" / "migrations" / "9999_new.sql").write_text("SELECT 1;\n")
    assert _migrate_version(copy) != before
