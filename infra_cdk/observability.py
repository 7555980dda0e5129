"""A CloudWatch dashboard of the whole pipeline, and alarms to an SNS topic (e-mail subscription by context)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

FIVE_MINUTES = Duration.minutes(5)


def _app_metric(name: str, label: str) -> cw.Metric:
    # Powertools EMF metrics (codetime.logs): namespace CodeTime, dimension service=codetime.
    return cw.Metric(
        namespace="CodeTime", metric_name=name, dimensions_map={"service": "codetime"},
        statistic="Sum", period=FIVE_MINUTES, label=label,
    )  # fmt: skip


class Observability(Construct):
    """`topic` receives every alarm (and its recovery)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api: apigwv2.HttpApi,
        queue: sqs.IQueue,
        dead_letter_queues: Sequence[sqs.IQueue],
        writer: lambda_.IFunction,
        api_functions: Mapping[str, lambda_.IFunction],
        cache_cluster_id: str,
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, id)
        # Alarm notifications are encrypted; CloudWatch must be allowed to use the key to publish them.
        key = kms.Key(self, "TopicKey", enable_key_rotation=True, description="CodeTime alarm topic")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy "*" means this key
            )
        )
        self.topic = sns.Topic(self, "Alarms", display_name="CodeTime alarms", master_key=key, enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))

        api_5xx = api.metric_server_error(period=FIVE_MINUTES, statistic="Sum", label="5xx")
        api_p99 = api.metric_latency(period=FIVE_MINUTES, statistic="p99", label="p99 latency")
        queue_age = queue.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, statistic="Maximum")
        self.alarms: list[cw.Alarm] = [
            self._alarm("ApiServerErrors", api_5xx, 5, "API answered 5xx (the plugins keep and retry heartbeats)"),
            self._alarm("ApiLatencyP99", api_p99, 3000, "API p99 latency over 3 s", periods=3),
            self._alarm("QueueBacklog", queue_age, 900, "Oldest queued heartbeat batch older than 15 min", periods=3),
            self._alarm("WriterErrors", writer.metric_errors(period=FIVE_MINUTES), 1, "Writer invocations failed"),
        ]
        # Reports and maintenance (EMF from their functions): a report given up on, or an aggregate that was wrong.
        self.alarms += [
            self._alarm("ReportDeliveryFailures", _app_metric("ReportDeliveryFailures", "report deliveries failed"), 1,
                        "A report delivery failed for good (see GET /api/v1/users/current/reports)"),
            self._alarm("AggregatesRepaired", _app_metric("AggregatesRepaired", "aggregates repaired"), 1,
                        "The daily audit found and repaired wrong aggregates (expected: never)"),
        ]  # fmt: skip
        for index, dlq in enumerate(dead_letter_queues):
            depth = dlq.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum")
            self.alarms.append(self._alarm(f"DeadLetters{index}", depth, 1, "Messages in a dead-letter queue"))

        dashboard = cw.Dashboard(
            self, "Dashboard", dashboard_name=Stack.of(self).stack_name, default_interval=Duration.hours(6)
        )
        dashboard.add_widgets(
            cw.GraphWidget(
                title="Ingest rate (heartbeats / 5 min)",
                left=[_app_metric("HeartbeatsAccepted", "accepted"), _app_metric("HeartbeatsRejected", "rejected")],
                right=[_app_metric("HeartbeatsWritten", "written"), _app_metric("HeartbeatsDuplicate", "dupes")],
            ),
            cw.GraphWidget(
                title="Queue depth and oldest message age (s)",
                left=[queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum")],
                right=[queue_age],
            ),
            cw.GraphWidget(
                title="Dead-letter queue depth",
                left=[
                    dlq.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum")
                    for dlq in dead_letter_queues
                ],
            ),
        )
        dashboard.add_widgets(
            cw.GraphWidget(
                title="Writer errors and failed messages",
                left=[writer.metric_errors(period=FIVE_MINUTES), writer.metric_throttles(period=FIVE_MINUTES)],
                right=[_app_metric("WriterMessagesFailed", "failed messages")],
            ),
            cw.GraphWidget(
                title="Writer duration (ms)",
                left=[writer.metric_duration(period=FIVE_MINUTES, statistic=s) for s in ("Average", "p99", "Maximum")],
            ),
            cw.GraphWidget(
                title="API requests, 4xx, 5xx",
                left=[
                    api.metric_count(period=FIVE_MINUTES, statistic="Sum", label="requests"),
                    api.metric_client_error(period=FIVE_MINUTES, statistic="Sum", label="4xx"),
                    api_5xx,
                ],
                right=[api_p99],
            ),
        )
        dashboard.add_widgets(
            cw.GraphWidget(
                title="API function errors",
                left=[fn.metric_errors(period=FIVE_MINUTES, label=name) for name, fn in api_functions.items()],
            ),
            cw.GraphWidget(
                title="Cache hit ratio (%)",
                left=[
                    cw.Metric(
                        namespace="AWS/ElastiCache",
                        metric_name="CacheHitRate",
                        dimensions_map={"CacheClusterId": cache_cluster_id},
                        statistic="Average",
                        period=FIVE_MINUTES,
                    )  # fmt: skip
                ],
                left_y_axis=cw.YAxisProps(min=0, max=100),
            ),
            cw.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms)),
        )
        dashboard.add_widgets(
            cw.GraphWidget(
                title="Writer batch size and lag (s)",
                left=[_app_metric("WriterBatchSize", "messages per batch").with_(statistic="Average")],
                right=[_app_metric("WriterLagSeconds", "lag").with_(statistic="Maximum")],
            ),
            cw.GraphWidget(
                title="Reports",
                left=[
                    _app_metric(n, n)
                    for n in ("ReportsCreated", "ReportDeliveries", "ReportDeliveryRetries", "ReportDeliveryFailures")
                ],
            ),  # fmt: skip
            cw.GraphWidget(
                title="Maintenance and read cache",
                left=[_app_metric(n, n) for n in ("HeartbeatsDeleted", "AggregatesRepaired")],
                right=[_app_metric("CacheHit", "cache hits"), _app_metric("CacheMiss", "cache misses")],
            ),
        )
        self.dashboard = dashboard

    def _alarm(self, name: str, metric: cw.IMetric, threshold: float, description: str, periods: int = 1) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        alarm.add_ok_action(cw_actions.SnsAction(self.topic))
        return alarm
