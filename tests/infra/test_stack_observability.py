"""Dashboard and alarms; the schedules construct (ready for the report and maintenance functions)."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from infra.conftest import Synthesized
from infra_cdk.schedules import ScheduledJob, Schedules

pytestmark = pytest.mark.infra


def test_dashboard_shows_the_whole_pipeline(any_variant: Synthesized) -> None:
    body = json.dumps(any_variant.one("AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"])
    for metric in (
        "HeartbeatsAccepted",  # ingest rate (Powertools metric of the ingestion service)
        "ApproximateNumberOfMessagesVisible",  # queue and DLQ depth
        "ApproximateAgeOfOldestMessage",
        "Errors",  # writer and API function errors
        "Duration",
        "4xx",
        "5xx",
        "Latency",
        "CacheHitRate",
        "WriterLagSeconds",  # reports, maintenance, writer batches and the read cache (their own EMF metrics)
        "WriterBatchSize",
        "ReportDeliveryFailures",
        "AggregatesRepaired",
        "CacheMiss",
    ):
        assert metric in body, metric
    assert "p99" in body


def test_alarms_notify_the_topic(any_variant: Synthesized) -> None:
    topic = any_variant.logical_id("/Observability/Alarms/", "AWS::SNS::Topic")
    alarms = any_variant.resources("AWS::CloudWatch::Alarm")
    names = {v["Metadata"]["aws:cdk:path"].split("/")[-2] for v in alarms.values()}
    assert {"ApiServerErrors", "ApiLatencyP99", "QueueBacklog", "WriterErrors", "DeadLetters0", "DeadLetters1",
            "ReportDeliveryFailures", "AggregatesRepaired"} <= names  # fmt: skip
    repaired = next(a for a in alarms.values() if "/AggregatesRepaired/" in a["Metadata"]["aws:cdk:path"])
    assert '"MetricName": "AggregatesRepaired"' in json.dumps(repaired["Properties"])
    assert repaired["Properties"]["Threshold"] == 1
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic}]
    dlq = any_variant.logical_id("/Pipeline/DeadLetters/", "AWS::SQS::Queue")
    dlq_alarm = next(a for a in alarms.values() if a["Metadata"]["aws:cdk:path"].endswith("/DeadLetters0/Resource"))
    assert dlq_alarm["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]
    assert dlq_alarm["Properties"]["Threshold"] == 1


def test_alarm_topic_is_encrypted_tls_only_and_mails_by_context(rds: Synthesized, tuned: Synthesized) -> None:
    topic = rds.one("AWS::SNS::Topic")["Properties"]
    key = rds.logical_id("/Observability/TopicKey/", "AWS::KMS::Key")
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
    assert rds.one("AWS::KMS::Key")["Properties"]["EnableKeyRotation"] is True
    policy = json.dumps(rds.one("AWS::SNS::TopicPolicy")["Properties"]["PolicyDocument"])
    assert '"aws:SecureTransport": "false"' in policy
    assert not rds.resources("AWS::SNS::Subscription")
    subscription = tuned.one("AWS::SNS::Subscription")["Properties"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "ops@example.com")


def test_report_tick_and_maintenance_are_scheduled_with_retries_and_a_dlq(any_variant: Synthesized) -> None:
    rules = {v["Metadata"]["aws:cdk:path"].split("/")[-2]: v["Properties"]
             for v in any_variant.resources("AWS::Events::Rule").values()}  # fmt: skip
    assert set(rules) == {"ReportTick", "Maintenance", "LeaderboardRefresh"}
    assert rules["ReportTick"]["ScheduleExpression"] == "cron(0 * * * ? *)"  # on the hour: users pick an hour
    assert rules["Maintenance"]["ScheduleExpression"] == "cron(30 3 * * ? *)"
    assert rules["LeaderboardRefresh"]["ScheduleExpression"] == "cron(5 * * * ? *)"
    # The maintenance function tells the leaderboard job by the event's detail (functions/maintenance.py).
    (refresh,) = rules["LeaderboardRefresh"]["Targets"]
    transformer = refresh["InputTransformer"]
    assert transformer["InputPathsMap"] == {"time": "$.time"}  # the event's own time, as functions/ read it
    sent = json.loads(transformer["InputTemplate"].replace("<time>", '"2027-03-27T23:05:00Z"'))
    assert sent["detail"] == {"job": "leaderboards"} and sent["time"] == "2027-03-27T23:05:00Z"
    assert (
        "Input" not in rules["Maintenance"]["Targets"][0]
        and "InputTransformer" not in rules["Maintenance"]["Targets"][0]
    )
    dlq = any_variant.logical_id("/Schedules/DeadLetters/", "AWS::SQS::Queue")
    for name, function in (("ReportTick", "Reports"), ("Maintenance", "Maintenance"),
                           ("LeaderboardRefresh", "Maintenance")):  # fmt: skip
        (target,) = rules[name]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [any_variant.logical_id(f"/Functions/{function}/",
                                                                        "AWS::Lambda::Function"), "Arn"]}  # fmt: skip
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq, "Arn"]}}
    alarms = any_variant.resources("AWS::CloudWatch::Alarm").values()
    dimensions = [a["Properties"].get("Dimensions") for a in alarms]
    assert [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}] in dimensions


def test_schedules_retry_and_dead_letter() -> None:
    stack = Stack(App(), "ScheduleCheck")
    function = lambda_.Function(
        stack, "Tick", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )  # fmt: skip
    schedules = Schedules(
        stack,
        "Schedules",
        jobs=[
            ScheduledJob("ReportTick", function, events.Schedule.rate(Duration.minutes(15)), "Report tick"),
            ScheduledJob("Maintenance", function, events.Schedule.cron(hour="3", minute="17"), "Daily maintenance"),
        ],
    )
    template = Template.from_stack(stack)
    assert schedules.dead_letters is not None
    template.resource_count_is("AWS::Events::Rule", 2)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(15 minutes)",
            "Targets": [
                Match.object_like(
                    {
                        "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
                        "DeadLetterConfig": {"Arn": Match.any_value()},
                    }
                )
            ],
        },
    )
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "cron(17 3 * * ? *)"})
    template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})
    # EventBridge may deliver failed invocations to the DLQ, and nothing may reach it without TLS.
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
                        Match.object_like({"Principal": {"Service": "events.amazonaws.com"}}),
                    ]
                )
            }
        },
    )
