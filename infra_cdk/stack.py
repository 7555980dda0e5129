"""The CodeTime stack: every construct wired together, and the outputs a deployer needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_cdk.api import Api
from infra_cdk.auth import Identity
from infra_cdk.cache import Cache
from infra_cdk.dashboard import Dashboard
from infra_cdk.database import Database
from infra_cdk.functions import Functions
from infra_cdk.live import Live
from infra_cdk.migrations import Migrations
from infra_cdk.nag import acknowledge
from infra_cdk.network import Network
from infra_cdk.observability import Observability
from infra_cdk.pipeline import Pipeline
from infra_cdk.routes import route_groups
from infra_cdk.schedules import ScheduledJob, Schedules
from infra_cdk.settings import Settings


class CodeTimeStack(Stack):
    """Network, database, cache, queue, functions, API, dashboard, migrations, schedules and observability."""

    def __init__(self, scope: Construct, id: str, *, settings: Settings, build_dir: Path, **kwargs: Any) -> None:
        super().__init__(scope, id, description="CodeTime: WakaTime-compatible coding-activity backend", **kwargs)
        retention = settings.log_retention
        network = Network(self, "Network", nat_gateways=settings.nat_gateways, log_retention=retention)
        placement = {"vpc": network.vpc, "subnets": network.private_subnets}
        database = Database(self, "Database", settings=settings, clients=network.functions_sg, **placement)
        cache = Cache(
            self, "Cache", clients=network.functions_sg, node_type=settings.cache_node_type,
            replicas=settings.cache_replicas, log_retention=retention, **placement,
        )  # fmt: skip
        pepper = secretsmanager.Secret(
            self,
            "KeyPepper",
            description="CodeTime: HMAC key of the stored API key hashes",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=64),
        )
        acknowledge(
            pepper,
            {
                "AwsSolutions-SMG4": "Rotating the pepper would invalidate every stored API key hash (every "
                "editor's key at once); it is rotated only together with a re-keying, never automatically.",
            },
        )
        batch_window = Duration.seconds(settings.writer_batch_window_seconds)
        writer_timeout = Duration.seconds(settings.writer_timeout_seconds)
        pipeline = Pipeline(
            self, "Pipeline", max_receive_count=settings.queue_max_receive_count,
            writer_timeout=writer_timeout, batch_window=batch_window,
        )  # fmt: skip

        functions = Functions(
            self, "Functions", build_dir=build_dir, security_group=network.functions_sg, log_retention=retention,
            **placement,
        )  # fmt: skip
        # Environment holds only ARNs and endpoints; secret values are fetched at run time (codetime.clients).
        data = {"CODETIME_TIMESCALE": settings.timescale, "REDIS_URL": cache.url}
        data_secrets = {"DATABASE_SECRET_ARN": database.secret, "REDIS_AUTH_SECRET_ARN": cache.auth_secret}
        api_secrets = {**data_secrets, "CODETIME_KEY_PEPPER_SECRET_ARN": pepper}
        # One request at a time per Lambda instance: a small pool bounds each instance's database connections.
        identity = Identity(self, "Identity", settings=settings)
        api_env = {**data, "CODETIME_DB_POOL_SIZE": "2", **identity.environment}
        # SnapStart (off by default) only where a person waits for a cold start: the API functions. The writer,
        # reports and maintenance are invoked by SQS and schedules, where restores would be paid for nothing.
        snap_start = settings.snap_start
        ingestion = functions.add(
            "Ingestion", module="ingestion", description="CodeTime: validate, authenticate and queue heartbeats",
            timeout=Duration.seconds(15), environment={**api_env, "SQS_QUEUE_URL": pipeline.queue.queue_url},
            secrets=api_secrets, snap_start=snap_start,
        )  # fmt: skip
        pipeline.queue.grant_send_messages(ingestion)
        summary = functions.add(
            "Summary", module="summary", description="CodeTime: statusbar, summaries, durations, dashboard",
            timeout=Duration.seconds(20), environment=api_env, secrets=api_secrets, snap_start=snap_start,
        )  # fmt: skip
        # Settings and rule changes queue background recompute jobs on the heartbeat queue; the writer runs them and
        # queues a continuation when one needs more than an invocation (services/jobs.py). Imports and deletions
        # work within API Gateway's 30 s; a deletion's remainder goes to the queue too.
        queue_env = {"SQS_QUEUE_URL": pipeline.queue.queue_url}
        keys = functions.add(
            "Keys", module="keys", description="CodeTime: API keys, settings, rules, account import/export/delete",
            timeout=Duration.seconds(29), environment={**api_env, **queue_env}, secrets=api_secrets,
            snap_start=snap_start,
        )  # fmt: skip
        pipeline.queue.grant_send_messages(keys)
        writer = functions.add(
            "Writer", module="writer", description="CodeTime: batch-write queued heartbeats, recompute days",
            timeout=writer_timeout, memory_mb=1024, environment={**data, **queue_env, "CODETIME_DB_POOL_SIZE": "1"},
            secrets=data_secrets,
        )  # fmt: skip
        pipeline.queue.grant_send_messages(writer)  # job continuations and a deletion's next purge step
        pipeline.connect_writer(
            writer, batch_size=settings.writer_batch_size, max_concurrency=settings.writer_max_concurrency
        )
        # Reports: the hourly tick builds due reports and delivers them (SES, webhooks: needs NAT egress).
        reports_env = {**data, "CODETIME_DB_POOL_SIZE": "2"}
        if settings.report_sender:
            reports_env["CODETIME_REPORT_SENDER"] = settings.report_sender
        reports = functions.add(
            "Reports", module="reports", description="CodeTime: hourly report tick (build, deliver once)",
            timeout=Duration.minutes(5), environment=reports_env, secrets=data_secrets,
        )  # fmt: skip
        if settings.report_sender:
            identity_name = settings.report_sender_identity or settings.report_sender
            reports.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ses:SendEmail", "ses:SendRawEmail"],
                    resources=[Stack.of(self).format_arn(service="ses", resource="identity",
                                                         resource_name=identity_name)],
                    conditions={"StringEquals": {"ses:FromAddress": settings.report_sender}},
                )
            )  # fmt: skip
        maintenance = functions.add(
            "Maintenance", module="maintenance", description="CodeTime: daily retention, compression, audit",
            timeout=Duration.minutes(15), memory_mb=1024,
            environment={**data, "CODETIME_DB_POOL_SIZE": "1",
                         "CODETIME_RETENTION_MONTHS": str(settings.retention_months)},
            secrets=data_secrets,
        )  # fmt: skip
        ops = functions.add(
            "Ops", module="ops", description="CodeTime: health, dead-letter inspection and replay",
            timeout=Duration.seconds(30),
            environment={**api_env, "SQS_QUEUE_URL": pipeline.queue.queue_url,
                         "SQS_DLQ_URL": pipeline.dead_letters.queue_url},
            secrets=api_secrets, snap_start=snap_start,
        )  # fmt: skip
        # Replay: receive/delete from the DLQ, send to the queue; health: both queues' attributes.
        pipeline.dead_letters.grant_consume_messages(ops)
        pipeline.queue.grant_send_messages(ops)
        pipeline.queue.grant(ops, "sqs:GetQueueAttributes")
        # The oldest message's age is only a CloudWatch metric; GetMetricStatistics has no resource-level scope.
        ops.add_to_role_policy(iam.PolicyStatement(actions=["cloudwatch:GetMetricStatistics"], resources=["*"]))
        acknowledge(
            ops,
            {
                "AwsSolutions-IAM5[Resource::*]": "X-Ray's PutTraceSegments/PutTelemetryRecords and CloudWatch's "
                "GetMetricStatistics, none of which has resource-level permissions.",
            },
        )
        # Live updates (infra_cdk/live.py): the WebSocket routes authenticate like the API; delivery needs no VPC.
        live_routes = functions.add(
            "Live", module="live", description="CodeTime: live WebSocket connects, disconnects and messages",
            timeout=Duration.seconds(10), environment=api_env, secrets=api_secrets, snap_start=snap_start,
        )  # fmt: skip
        live_delivery = functions.add(
            "LiveDelivery", module="live_delivery", description="CodeTime: post live messages to WebSockets",
            timeout=Duration.seconds(30), in_vpc=False,
        )  # fmt: skip
        migrate = functions.add(
            "Migrate", module="migrate", description="CodeTime: apply database migrations",
            timeout=Duration.minutes(5), environment={"CODETIME_TIMESCALE": settings.timescale},
            secrets={"DATABASE_SECRET_ARN": database.secret},
        )  # fmt: skip
        Migrations(
            self, "Migrations", function=migrate, after=[network, database],
            before=[ingestion, summary, keys, writer, reports, maintenance, ops, live_routes],
        )  # fmt: skip

        entry = functions.entry_points
        api = Api(
            self, "Api", settings=settings, groups=route_groups(),
            # The `live` aliases with SnapStart (only published versions are snapshotted), else the functions.
            functions={"ingestion": entry["Ingestion"], "summary": entry["Summary"], "keys": entry["Keys"],
                       "ops": entry["Ops"]},
            authorizer=identity.authorizer,
        )  # fmt: skip
        schedules = Schedules(
            self, "Schedules",
            jobs=[
                # On the hour: each user's report goes out at their chosen local hour.
                ScheduledJob("ReportTick", reports, events.Schedule.cron(minute="0"),
                             "CodeTime: hourly report tick"),
                ScheduledJob("Maintenance", maintenance, events.Schedule.cron(minute="30", hour="3"),
                             "CodeTime: daily maintenance (retention, compression, aggregate audit)"),
                # Leaderboards: users whose 7-day window moved at their midnight, writes no later batch picked up.
                ScheduledJob("LeaderboardRefresh", maintenance, events.Schedule.cron(minute="5"),
                             "CodeTime: hourly leaderboard refresh", detail={"job": "leaderboards"}),
            ],
        )  # fmt: skip
        dead_letters = [pipeline.dead_letters, *([schedules.dead_letters] if schedules.dead_letters else [])]
        observability = Observability(
            self, "Observability", api=api.http_api, queue=pipeline.queue, dead_letter_queues=dead_letters,
            writer=writer, api_functions={"ingestion": ingestion, "summary": summary, "keys": keys, "ops": ops},
            cache_cluster_id=cache.primary_cluster_id, alarm_email=settings.alarm_email,
        )  # fmt: skip

        live = Live(
            self, "Live", vpc=network.vpc, routes=live_routes, routes_entry=entry["Live"], delivery=live_delivery,
            writers=[writer], revokers=[keys], topic=observability.topic, log_retention=retention,
            throttle_rate=settings.api_throttle_rate, throttle_burst=settings.api_throttle_burst,
        )  # fmt: skip

        CfnOutput(self, "ApiUrl", value=api.url, description="CodeTime API base URL")
        CfnOutput(self, "LiveUrl", value=live.url, description="Live updates: the WebSocket URL (README)")
        CfnOutput(self, "WakatimeCfg", value=f"api_url = {api.url}/api/v1", description="The ~/.wakatime.cfg line")
        CfnOutput(self, "MigrateFunctionName", value=migrate.function_name, description="Run migrations by hand")
        # For `codetime users create` run by an operator against the same database and key pepper.
        CfnOutput(self, "DatabaseSecretArn", value=database.secret.secret_arn)
        CfnOutput(self, "KeyPepperSecretArn", value=pepper.secret_arn)
        CfnOutput(self, "DeadLetterQueueUrl", value=pipeline.dead_letters.queue_url)
        CfnOutput(self, "AlarmTopicArn", value=observability.topic.topic_arn)
        if identity.user_pool and identity.client:
            CfnOutput(self, "UserPoolId", value=identity.user_pool.user_pool_id)
            CfnOutput(self, "UserPoolClientId", value=identity.client.user_pool_client_id)
        if api.domain:
            CfnOutput(
                self, "CustomDomainTarget", value=api.domain.regional_domain_name,
                description="Point the custom domain's DNS (CNAME/alias) here",
            )  # fmt: skip

        # The dashboard and the API on one CloudFront origin (README "Deploy to AWS"), last: it follows from the API
        # and the identity. live_url: the live construct's wss:// URL: it goes into config.json's live_url and the
        # CSP's connect-src.
        dashboard = Dashboard(
            self, "Dashboard", http_api=api.http_api, identity=identity, site_dir=build_dir.parent / "web" / "dist",
            docs_dir=build_dir / "dashboard-docs", log_retention=retention, live_url=live.url,
        )  # fmt: skip
        CfnOutput(self, "DashboardUrl", value=dashboard.url, description="The web dashboard; the API under /api too")
