"""Live updates on AWS (README "Live updates"): the WebSocket API and its stage, the connection registry (DynamoDB),
the delivery queue and its function, their IAM, and the alarms on publish and delivery errors.

    client ──wss──> WebSocket API (stage `live`) ── $connect / $disconnect / $default ──┐
    writer (VPC) ── after each batch: one message of changed users ──> changes queue ───┤
                                                                                         v
                            registry (DynamoDB) <── live function (VPC: database, cache, registry)
                                                         │ replies and events
                                                         v
                         delivery queue ──> delivery function (no VPC) ── PostToConnection ──> clients
                                                         └── GoneException: the connection's items deleted

Why hand-offs rather than PostToConnection from the writer: computing the events (statusbar, goals) in the write
path cost the writer 2.4x its throughput (`make bench` (g)), while one SendMessage per batch is flat however many
connections listen; and the VPC reaches SQS (interface endpoint) and DynamoDB (gateway endpoint) but has no route
to API Gateway's management API without a NAT gateway (docs/architecture.md "Live updates").
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from codetime.connections import GSI, PARTITION_KEY, SORT_KEY, TOPIC, TTL_ATTRIBUTE
from infra_cdk.api import AccessLogSettings
from infra_cdk.nag import acknowledge

STAGE = "live"
FIVE_MINUTES = Duration.minutes(5)
# No query string, no headers: `?api_key=` / `?token=` and Sec-WebSocket-Protocol carry credentials.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId", "time": "$context.requestTime", "ip": "$context.identity.sourceIp",
    "connectionId": "$context.connectionId", "eventType": "$context.eventType", "routeKey": "$context.routeKey",
    "status": "$context.status", "integrationError": "$context.integrationErrorMessage",
    "userAgent": "$context.identity.userAgent",
}  # fmt: skip
# What the live function does to the registry ($connect count and put, subscribe, $disconnect).
ROUTE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query",
                 "dynamodb:BatchWriteItem")  # fmt: skip
# ... and what publishing adds (coalescing and goal-status items).
PUBLISH_ACTIONS = ("dynamodb:UpdateItem",)
# What delivery does with a gone or revoked connection: find its items, delete them, free its slot under the cap.
DELIVERY_ACTIONS = ("dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem")
# A delivery message nothing of which got through (throttled, 5xx) is received again, this many times in all, then
# dead-lettered (alarmed); the retention leaves room for every receive.
DELIVERY_RECEIVES = 3


class Live(Construct):
    """`url` (wss://...) is the endpoint clients connect to; `table` the registry; `queue` the delivery queue."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        routes: lambda_.Function,
        routes_entry: lambda_.IFunction,
        delivery: lambda_.Function,
        writers: Sequence[lambda_.Function],
        revokers: Sequence[lambda_.Function] = (),
        topic: sns.ITopic,
        log_retention: logs.RetentionDays,
        throttle_rate: int,
        throttle_burst: int,
    ) -> None:
        super().__init__(scope, id)
        # Connections, subscriptions and per-user state; every item expires (TTL) within ~2 h of its connection's
        # end even if $disconnect is lost. Nothing here outlives a connection, so the table is not retained.
        self.table = dynamodb.Table(
            self, "Connections",
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )  # fmt: skip
        self.table.add_global_secondary_index(
            index_name=GSI,
            partition_key=dynamodb.Attribute(name=TOPIC, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        # The VPC's functions reach DynamoDB without NAT (a gateway endpoint: free, route-table based).
        vpc.add_gateway_endpoint("DynamoDbEndpoint", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB)

        self.dead_letters = sqs.Queue(
            self, "DeliveryDeadLetters", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            retention_period=Duration.days(1),
        )  # fmt: skip
        # Live messages are worth seconds: a failed one is received again after the visibility timeout (the delivery
        # function's own timeout, the least Lambda allows), DELIVERY_RECEIVES times in all within the retention,
        # then dead-lettered; one older than the retention is stale and dropped.
        visibility = delivery.timeout or Duration.seconds(30)
        self.queue = sqs.Queue(
            self, "Delivery", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            retention_period=Duration.seconds(visibility.to_seconds() * (DELIVERY_RECEIVES + 1)),
            visibility_timeout=visibility,
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letters, max_receive_count=DELIVERY_RECEIVES),
        )  # fmt: skip
        delivery.add_event_source(sources.SqsEventSource(self.queue, batch_size=10, report_batch_item_failures=True))
        # The writer's hand-offs: the live function publishes them (up to 10 written batches merged per user).
        self.changes_dead_letters = sqs.Queue(
            self, "ChangesDeadLetters", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            retention_period=Duration.days(1),
        )  # fmt: skip
        self.changes = sqs.Queue(
            self, "Changes", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            retention_period=Duration.minutes(1), visibility_timeout=Duration.seconds(6 * 10),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.changes_dead_letters, max_receive_count=2),
        )  # fmt: skip
        routes.add_event_source(sources.SqsEventSource(self.changes, batch_size=10, report_batch_item_failures=True))

        def integration(name: str) -> apigwv2.WebSocketRouteOptions:
            return apigwv2.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration(name, routes_entry)
            )

        self.api = apigwv2.WebSocketApi(
            self, "Api", api_name=f"{Stack.of(self).stack_name}-live",
            description="CodeTime live updates (README: Live updates)",
            connect_route_options=integration("ConnectIntegration"),
            disconnect_route_options=integration("DisconnectIntegration"),
            default_route_options=integration("DefaultIntegration"),
        )  # fmt: skip
        access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        self.stage = apigwv2.WebSocketStage(
            self, "Stage", web_socket_api=self.api, stage_name=STAGE, auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=throttle_rate, burst_limit=throttle_burst),
            access_log_settings=AccessLogSettings(access_logs, ACCESS_LOG_FIELDS),
        )  # fmt: skip
        self.url = self.stage.url
        acknowledge(
            self.api,
            {
                "AwsSolutions-APIG4": "The function authenticates every request: $connect checks the API key or "
                "OIDC token (the HTTP API's check) and answers 401; $disconnect and $default cannot carry an "
                "authorizer and act only on connections that $connect recorded.",
            },
        )

        base = {"CODETIME_LIVE_TABLE": self.table.table_name}
        for name, value in {**base, "CODETIME_LIVE_QUEUE_URL": self.queue.queue_url}.items():
            routes.add_environment(name, value)
        self.queue.grant_send_messages(routes)
        self.table.grant(routes, *ROUTE_ACTIONS, *PUBLISH_ACTIONS)
        # The writer only hands off: one queue, nothing else (it never reads the registry). So do the functions that
        # revoke credentials (keys, account deletion): the live function closes the connections they opened.
        for function in (*writers, *revokers):
            function.add_environment("CODETIME_LIVE_CHANGES_URL", self.changes.queue_url)
            self.changes.grant_send_messages(function)
        delivery_env = {**base, "CODETIME_LIVE_ENDPOINT": self.stage.callback_url,
                        "CODETIME_LIVE_QUEUE_URL": self.queue.queue_url}  # fmt: skip
        for name, value in delivery_env.items():
            delivery.add_environment(name, value)
        self.table.grant(delivery, *DELIVERY_ACTIONS)
        # A message partly delivered: its failed part goes back to the queue on its own (no repeats).
        self.queue.grant_send_messages(delivery)
        self.stage.grant_management_api_access(delivery)  # execute-api:ManageConnections on this stage only
        stack = Stack.of(self)
        table_id = stack.resolve(stack.get_logical_id(self.table.node.default_child))
        api_id = stack.resolve(stack.get_logical_id(self.api.node.default_child))
        for function in (routes, delivery):
            acknowledge(
                function,
                {f"AwsSolutions-IAM5[Resource::<{table_id}.Arn>/index/*]": "The registry's one GSI (by_topic), "
                 "used to find a user's connections and a channel's subscribers; grants name it by wildcard."},
            )  # fmt: skip
        acknowledge(
            delivery,
            {f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<{api_id}>"
             f"/{STAGE}/*/@connections/*]": "ManageConnections (PostToConnection) on this stage's connections "
             "only; connection ids exist only at run time."},
        )  # fmt: skip

        def metric(name: str) -> cw.Metric:
            return cw.Metric(namespace="CodeTime", metric_name=name, dimensions_map={"service": "codetime"},
                             statistic="Sum", period=FIVE_MINUTES)  # fmt: skip

        self.alarms = [
            self._alarm("PublishErrorsAlarm", metric("LivePublishErrors"), 5, topic,
                        "Live changes could not be handed off or published (changes queue, registry, reads)"),
            self._alarm("DeliveryErrorsAlarm", metric("LiveDeliveryErrors"), 5, topic,
                        "Live messages could not be posted to connections (management API failing)"),
            self._alarm("DeliveryRetriesAlarm", metric("LiveDeliveryRetries"), 100, topic,
                        "Many live messages are being retried (management API throttling or failing)"),
            self._alarm("DeliveryFunctionErrorsAlarm", delivery.metric_errors(period=FIVE_MINUTES), 1, topic,
                        "The live delivery function failed"),
            self._alarm("LiveFunctionErrorsAlarm", routes.metric_errors(period=FIVE_MINUTES), 5, topic,
                        "The live WebSocket function failed (connects, messages)"),
            self._alarm("DeliveryDeadLettersAlarm", self.dead_letters.metric_approximate_number_of_messages_visible(
                period=FIVE_MINUTES, statistic="Maximum"), 1, topic, "Live delivery batches dead-lettered"),
            self._alarm("ChangesDeadLettersAlarm", self.changes_dead_letters
                        .metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum"), 1,
                        topic, "Live changes batches dead-lettered"),
        ]  # fmt: skip

    def _alarm(self, name: str, metric: cw.IMetric, threshold: float, topic: sns.ITopic, description: str) -> cw.Alarm:
        alarm = cw.Alarm(
            self, name, metric=metric, threshold=threshold, evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING, alarm_description=description,
        )  # fmt: skip
        alarm.add_alarm_action(cw_actions.SnsAction(topic))
        alarm.add_ok_action(cw_actions.SnsAction(topic))
        return alarm
