"""The one way every CodeTime Lambda is made: runtime, architecture, shared layer, network, tracing, logs, IAM."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_cdk.nag import acknowledge

# Must match scripts/build-lambda.sh (LAMBDA_PYTHON_VERSION, LAMBDA_ARCH): the layer holds compiled wheels
# (psycopg, pydantic-core) for exactly this interpreter and CPU.
PYTHON_VERSION = "3.12"
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64

POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME": "codetime",
    "POWERTOOLS_METRICS_NAMESPACE": "CodeTime",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    # Events carry API keys and heartbeat bodies: never logged, never attached to traces.
    "POWERTOOLS_LOGGER_LOG_EVENT": "false",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
}

_MANAGED_POLICIES = {
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": (
        "AWS's own minimal policy for writing the function's logs; kept managed so it follows Lambda's changes."
    ),
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]": (
        "Required for a function in a VPC to manage its network interfaces; AWS's minimal managed policy."
    ),
}


class Functions(Construct):
    """Shared layer and settings; `add` makes one function with its own role, log group and secrets."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        build_dir: Path,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id)
        layer_dir, code_dir = build_dir / "layer", build_dir / "functions"
        for folder in (layer_dir / "python" / "codetime", code_dir / "functions"):
            if not folder.is_dir():
                raise FileNotFoundError(f"{folder} is missing: run `make build` first")
        self.layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            code=lambda_.Code.from_asset(str(layer_dir)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="The codetime package and its runtime dependencies",
        )
        self._code = lambda_.Code.from_asset(str(code_dir))
        self._vpc, self._subnets, self._security_group = vpc, subnets, security_group
        self._log_retention = log_retention
        self.all: dict[str, lambda_.Function] = {}
        # What invokers (API Gateway, event sources) call: the `live` alias with SnapStart, else the function.
        self.entry_points: dict[str, lambda_.IFunction] = {}

    def add(
        self,
        name: str,
        *,
        module: str,
        description: str,
        timeout: Duration,
        memory_mb: int = 512,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, secretsmanager.ISecret] | None = None,
        snap_start: bool = False,
        in_vpc: bool = True,
    ) -> lambda_.Function:
        """A function running `functions.<module>.handler`; each secret becomes an env var holding its ARN and a
        read grant on exactly that secret (the value is fetched at run time, never put in the environment).

        With `snap_start`, SnapStart applies to published versions only: every change of code, layer or settings
        publishes a new version (snapshotted at publish), the `live` alias moves to it, and `entry_points[name]`
        is that alias. Replaced versions are deleted, so their snapshots stop being cached (and billed).

        `in_vpc=False` only for a function that touches no database or cache and must reach a public AWS endpoint
        without NAT (the live delivery function: API Gateway's management API).
        """
        secrets = dict(secrets or {})
        log_group = logs.LogGroup(self, f"{name}Logs", retention=self._log_retention)
        function = lambda_.Function(
            self,
            name,
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"functions.{module}.handler",
            code=self._code,
            layers=[self.layer],
            timeout=timeout,
            memory_size=memory_mb,
            vpc=self._vpc if in_vpc else None,
            vpc_subnets=self._subnets if in_vpc else None,
            security_groups=[self._security_group] if in_vpc else None,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            current_version_options=(
                lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY) if snap_start else None
            ),
            environment={
                **POWERTOOLS_ENV,
                **(environment or {}),
                **{key: secret.secret_arn for key, secret in secrets.items()},
            },
        )
        for secret in secrets.values():
            secret.grant_read(function)
        acknowledge(function, _MANAGED_POLICIES)
        acknowledge(
            function,
            {
                "AwsSolutions-IAM5[Resource::*]": "Only X-Ray's PutTraceSegments/PutTelemetryRecords, which have "
                "no resource-level permissions (active tracing).",
            },
        )
        acknowledge(
            function,
            {
                "AwsSolutions-L1": f"Python {PYTHON_VERSION} on purpose: the layer's compiled wheels are built for "
                "exactly this runtime (scripts/build-lambda.sh); the two are upgraded together, deliberately.",
            },
        )
        if snap_start:
            Annotations.of(function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish",
                "current_version publishes every change, and the live alias below is what API Gateway invokes.",
            )
        self.all[name] = function
        self.entry_points[name] = (
            lambda_.Alias(
                function, "Live", alias_name="live", version=function.current_version,
                description="The published, snapshotted version that API Gateway invokes (SnapStart)",
            )
            if snap_start
            else function
        )  # fmt: skip
        return function
