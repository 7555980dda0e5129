"""Deployment options, read from CDK context (`cdk deploy -c key=value` or cdk.json) and checked up front."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Node

# CDK context values given with `-c` are strings; values in cdk.json keep their JSON types.
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# CloudWatch Logs accepts only these retentions (days); CDK names them.
_RETENTIONS = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
    60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
    365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS",
    1827: "FIVE_YEARS", 2192: "SIX_YEARS", 2557: "SEVEN_YEARS",
}  # fmt: skip
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$")


class SettingsError(ValueError):
    """A context value is missing or invalid; the message names the option."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every option the stack understands; README "Deploy to AWS" documents each one."""

    database: str  # "external" | "rds"
    database_secret_arn: str | None
    timescale: str  # CODETIME_TIMESCALE for the functions: auto | on | off
    nat_gateways: int
    db_instance_type: str
    db_multi_az: bool
    db_backup_days: int
    db_storage_gb: int
    deletion_protection: bool
    db_connection_budget: int
    cache_node_type: str
    cache_replicas: int
    queue_max_receive_count: int
    writer_batch_size: int
    writer_batch_window_seconds: int
    writer_timeout_seconds: int
    log_retention_days: int
    api_throttle_rate: int
    api_throttle_burst: int
    cors_allow_origins: tuple[str, ...]
    jwt_issuer: str | None
    jwt_audience: tuple[str, ...]
    admins: tuple[str, ...]
    domain_name: str | None
    certificate_arn: str | None
    alarm_email: str | None
    # Reports and maintenance: SES sender, its verified identity, heartbeat retention.
    report_sender: str | None = None
    report_sender_identity: str | None = None
    retention_months: int = 24
    # Lambda SnapStart on the four API functions (README "SnapStart"): costs extra, so off unless asked for.
    snap_start: bool = False

    @property
    def writer_max_concurrency(self) -> int:
        """Writer instances SQS may run at once: each holds one connection (CODETIME_DB_POOL_SIZE=1)."""
        return self.db_connection_budget

    @property
    def log_retention(self) -> logs.RetentionDays:
        """The retention enum for `log_retention_days` (CloudWatch accepts only certain values)."""
        return logs.RetentionDays[_RETENTIONS[self.log_retention_days]]

    @classmethod
    def from_context(cls, node: Node) -> Settings:
        """Read and validate the options; raises SettingsError with a message naming the bad option."""
        ctx = _Context(node)
        database = ctx.choice("database", ("external", "rds"), "external")
        secret_arn = ctx.text("databaseSecretArn")
        if database == "external" and not secret_arn:
            raise SettingsError(
                "database=external needs -c databaseSecretArn=<complete ARN of the secret holding the DSN>; "
                "or use -c database=rds to create an RDS PostgreSQL instance"
            )
        if secret_arn and not _SECRET_ARN.match(secret_arn):
            raise SettingsError("databaseSecretArn must be a secret's complete ARN (ending in -XXXXXX)")
        settings = cls(
            database=database,
            database_secret_arn=secret_arn if database == "external" else None,
            # RDS runs the plain-PostgreSQL mode; an external service is usually Timescale, detected at migration.
            timescale=ctx.choice("timescale", ("auto", "on", "off"), "auto" if database == "external" else "off"),
            # An external database is usually reached over the internet (NAT); 0 when peered or PrivateLinked.
            nat_gateways=ctx.integer("natGateways", 1 if database == "external" else 0, 0, 3),
            db_instance_type=ctx.text("dbInstanceType") or "t4g.micro",
            db_multi_az=ctx.flag("dbMultiAz", False),
            db_backup_days=ctx.integer("dbBackupRetentionDays", 7, 1, 35),
            db_storage_gb=ctx.integer("dbAllocatedStorageGb", 20, 20, 16384),
            deletion_protection=ctx.flag("deletionProtection", True),
            db_connection_budget=ctx.integer("dbConnectionBudget", 10, 2, 1000),
            cache_node_type=ctx.text("cacheNodeType") or "cache.t4g.micro",
            cache_replicas=ctx.integer("cacheReplicas", 0, 0, 5),
            queue_max_receive_count=ctx.integer("queueMaxReceiveCount", 5, 1, 1000),
            writer_batch_size=ctx.integer("writerBatchSize", 100, 1, 10000),
            writer_batch_window_seconds=ctx.integer("writerBatchWindowSeconds", 5, 0, 300),
            writer_timeout_seconds=ctx.integer("writerTimeoutSeconds", 60, 10, 900),
            log_retention_days=ctx.integer("logRetentionDays", 30, 1, 3653),
            api_throttle_rate=ctx.integer("apiThrottleRate", 100, 1, 100000),
            api_throttle_burst=ctx.integer("apiThrottleBurst", 200, 1, 100000),
            cors_allow_origins=ctx.items("corsAllowOrigins", ("*",)),
            jwt_issuer=ctx.text("jwtIssuer"),
            jwt_audience=ctx.items("jwtAudience", ()),
            admins=ctx.items("admins", ()),
            domain_name=ctx.text("domainName"),
            certificate_arn=ctx.text("certificateArn"),
            alarm_email=ctx.text("alarmEmail"),
            report_sender=ctx.text("reportSender"),
            report_sender_identity=ctx.text("reportSenderIdentity"),
            retention_months=ctx.integer("retentionMonths", 24, 0, 1200),
            snap_start=ctx.flag("snapStart", False),
        )
        settings._check()
        return settings

    def _check(self) -> None:
        if self.writer_batch_size > 10 and self.writer_batch_window_seconds < 1:
            raise SettingsError("writerBatchSize > 10 needs writerBatchWindowSeconds >= 1 (an SQS rule)")
        if bool(self.jwt_issuer) != bool(self.jwt_audience):
            raise SettingsError("jwtIssuer and jwtAudience go together (external OIDC issuer)")
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise SettingsError("domainName and certificateArn go together (custom API domain)")
        if self.report_sender and "@" not in self.report_sender:
            raise SettingsError(f"reportSender must be an e-mail address (got {self.report_sender!r})")
        if self.report_sender_identity and not self.report_sender:
            raise SettingsError("reportSenderIdentity needs reportSender")
        if self.log_retention_days not in _RETENTIONS:
            allowed = ", ".join(map(str, _RETENTIONS))
            raise SettingsError(f"logRetentionDays must be one of {allowed} (got {self.log_retention_days})")


class _Context:
    def __init__(self, node: Node) -> None:
        self._node = node

    def _raw(self, key: str) -> Any:
        value = self._node.try_get_context(key)
        return None if value is None or value == "" else value

    def text(self, key: str) -> str | None:
        value = self._raw(key)
        return None if value is None else str(value).strip()

    def items(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self._raw(key)
        if value is None:
            return default
        parts = value if isinstance(value, list) else str(value).split(",")
        return tuple(str(p).strip() for p in parts if str(p).strip())

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = (self.text(key) or default).lower()
        if value not in allowed:
            raise SettingsError(f"{key} must be one of {', '.join(allowed)} (got {value!r})")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._raw(key)
        if value is None or isinstance(value, bool):
            return default if value is None else value
        if str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        raise SettingsError(f"{key} must be true or false (got {value!r})")

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self._raw(key)
        try:
            number = default if value is None else int(str(value))
        except ValueError:
            raise SettingsError(f"{key} must be an integer (got {value!r})") from None
        if not low <= number <= high:
            raise SettingsError(f"{key} must be between {low} and {high} (got {number})")
        return number
