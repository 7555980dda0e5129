"""Context options: defaults per database mode, and clear errors for what cannot work."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App

from infra.conftest import EXTERNAL_SECRET_ARN
from infra_cdk.settings import Settings, SettingsError

pytestmark = pytest.mark.infra


def settings(**context: Any) -> Settings:
    return Settings.from_context(App(context=context).node)


def test_defaults_depend_on_the_database_mode() -> None:
    rds = settings(database="rds")
    assert (rds.timescale, rds.nat_gateways, rds.database_secret_arn) == ("off", 0, None)
    external = settings(databaseSecretArn=EXTERNAL_SECRET_ARN)  # external is the default mode
    assert (external.database, external.timescale, external.nat_gateways) == ("external", "auto", 1)
    assert external.writer_max_concurrency == 10 and external.deletion_protection
    assert not rds.snap_start and not external.snap_start  # SnapStart costs extra: only when asked for


def test_cli_strings_are_parsed() -> None:
    s = settings(
        database="RDS", dbMultiAz="yes", deletionProtection="0", dbConnectionBudget="25",
        corsAllowOrigins="https://a.example, https://b.example", logRetentionDays="365", snapStart="true",
    )  # fmt: skip
    assert s.database == "rds" and s.db_multi_az and not s.deletion_protection
    assert s.writer_max_concurrency == 25
    assert s.cors_allow_origins == ("https://a.example", "https://b.example")
    assert s.log_retention.name == "ONE_YEAR"
    assert s.snap_start


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({}, "databaseSecretArn"),
        ({"databaseSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:codetime"}, "complete ARN"),
        ({"database": "aurora"}, "database must be one of"),
        ({"database": "rds", "dbConnectionBudget": "1"}, "dbConnectionBudget"),
        ({"database": "rds", "writerBatchSize": "100", "writerBatchWindowSeconds": "0"}, "writerBatchWindowSeconds"),
        ({"database": "rds", "jwtIssuer": "https://id.example.com"}, "jwtAudience"),
        ({"database": "rds", "domainName": "codetime.example.com"}, "certificateArn"),
        ({"database": "rds", "logRetentionDays": "10"}, "logRetentionDays"),
        ({"database": "rds", "dbMultiAz": "maybe"}, "dbMultiAz"),
        ({"database": "rds", "natGateways": "two"}, "natGateways"),
        ({"database": "rds", "snapStart": "sometimes"}, "snapStart"),
    ],
)
def test_invalid_options_are_refused_with_the_option_named(context: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        settings(**context)
