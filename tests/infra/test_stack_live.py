"""Live updates on AWS (infra_cdk/live.py): the WebSocket API, its routes and stage, the connection registry, the
delivery queue and function, least-privilege IAM and the alarms on publish and delivery errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.conftest import Synthesized

pytestmark = pytest.mark.infra


def _policy_statements(template: Synthesized, function: str) -> list[dict[str, Any]]:
    policy = template.logical_id(f"/Functions/{function}/ServiceRole/DefaultPolicy/", "AWS::IAM::Policy")
    return template.template["Resources"][policy]["Properties"]["PolicyDocument"]["Statement"]


def _actions(statements: list[dict[str, Any]], prefix: str) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        found |= {a for a in actions if a.startswith(prefix)}
    return found


def test_websocket_api_routes_reach_the_live_function(any_variant: Synthesized) -> None:
    api_id = any_variant.logical_id("/Live/Api/", "AWS::ApiGatewayV2::Api")
    assert any_variant.template["Resources"][api_id]["Properties"]["ProtocolType"] == "WEBSOCKET"
    routes = [r for r in any_variant.resources("AWS::ApiGatewayV2::Route").values() if r["Properties"]["ApiId"] ==
              {"Ref": api_id}]  # fmt: skip
    assert sorted(r["Properties"]["RouteKey"] for r in routes) == ["$connect", "$default", "$disconnect"]
    live = any_variant.logical_id("/Functions/Live/", "AWS::Lambda::Function")
    aliases = [k for k, v in any_variant.resources("AWS::Lambda::Alias").items()
               if "/Functions/Live/Live/" in v["Metadata"]["aws:cdk:path"]]  # fmt: skip
    live = aliases[0] if aliases else live  # with SnapStart, API Gateway invokes the `live` alias
    integrations = {k: v for k, v in any_variant.resources("AWS::ApiGatewayV2::Integration").items()
                    if v["Properties"]["ApiId"] == {"Ref": api_id}}  # fmt: skip
    assert len(integrations) == 3
    for integration in integrations.values():
        assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
        assert live in json.dumps(integration["Properties"]["IntegrationUri"])
    assert any_variant.function("Live")["Properties"]["Handler"] == "functions.live.handler"


def test_stage_is_throttled_access_logged_and_its_url_an_output(any_variant: Synthesized) -> None:
    stage = any_variant.at("/Live/Stage/", "AWS::ApiGatewayV2::Stage")["Properties"]
    assert stage["StageName"] == "live" and stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    log_format = stage["AccessLogSettings"]["Format"]
    assert "$context.connectionId" in log_format and "querystring" not in log_format.lower()
    assert "header" not in log_format.lower()  # Sec-WebSocket-Protocol carries credentials
    url = json.dumps(any_variant.template["Outputs"]["LiveUrl"]["Value"])
    assert '"wss://"' in url and "/live" in url


def test_registry_table_has_ttl_and_the_topic_index(any_variant: Synthesized) -> None:
    table = any_variant.at("/Live/Connections/", "AWS::DynamoDB::Table")["Properties"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_topic"
    assert index["KeySchema"] == [{"AttributeName": "topic", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}]  # fmt: skip
    assert table["SSESpecification"]["SSEEnabled"] is True
    endpoints = any_variant.resources("AWS::EC2::VPCEndpoint").values()
    assert any("dynamodb" in json.dumps(e["Properties"]["ServiceName"]) and e["Properties"].get("VpcEndpointType",
               "Gateway") == "Gateway" for e in endpoints)  # fmt: skip


def test_functions_get_the_live_settings_and_only_their_permissions(any_variant: Synthesized) -> None:
    env = any_variant.function("Live")["Properties"]["Environment"]["Variables"]
    assert {"CODETIME_LIVE_TABLE", "CODETIME_LIVE_QUEUE_URL"} <= set(env)
    env = any_variant.function("Writer")["Properties"]["Environment"]["Variables"]
    assert "CODETIME_LIVE_CHANGES_URL" in env and "CODETIME_LIVE_TABLE" not in env
    delivery = any_variant.function("LiveDelivery")["Properties"]
    assert delivery["Handler"] == "functions.live_delivery.handler"
    assert "VpcConfig" not in delivery  # reaches the management API without NAT
    assert {"CODETIME_LIVE_TABLE", "CODETIME_LIVE_ENDPOINT", "CODETIME_LIVE_QUEUE_URL"} <= set(
        delivery["Environment"]["Variables"])  # fmt: skip
    # The keys function (revocations, account deletion) hands off to the changes queue, as the writer does.
    env = any_variant.function("Keys")["Properties"]["Environment"]["Variables"]
    assert "CODETIME_LIVE_CHANGES_URL" in env and "CODETIME_LIVE_TABLE" not in env
    assert "DATABASE_SECRET_ARN" not in delivery["Environment"]["Variables"]

    assert _actions(_policy_statements(any_variant, "Live"), "dynamodb:") == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchWriteItem",
        "dynamodb:UpdateItem",
    }  # fmt: skip
    assert not _actions(_policy_statements(any_variant, "Writer"), "dynamodb:")  # the writer only hands off
    delivery_statements = _policy_statements(any_variant, "LiveDelivery")
    assert _actions(delivery_statements, "dynamodb:") == {"dynamodb:Query", "dynamodb:BatchWriteItem",
                                                           "dynamodb:UpdateItem"}  # fmt: skip
    assert not _actions(_policy_statements(any_variant, "Keys"), "dynamodb:")  # revoking only hands off
    assert _actions(delivery_statements, "execute-api:") == {"execute-api:ManageConnections"}
    [manage] = [s for s in delivery_statements if s["Action"] == "execute-api:ManageConnections"]
    assert json.dumps(manage["Resource"]).endswith('"/live/*/@connections/*"]]}')
    # Nobody else may post to connections; only the live function (and delivery, requeueing what failed) send to
    # the delivery queue; the writer and the keys function (revocations) to the changes queue.
    for name in ("Live", "Writer", "Summary", "Ingestion", "Keys"):
        assert not _actions(_policy_statements(any_variant, name), "execute-api:"), name

    def senders(queue: str) -> set[str]:
        return {
            name for name in ("Live", "Writer", "Summary", "Ingestion", "Keys", "Ops", "LiveDelivery")
            if any(queue in json.dumps(s["Resource"]) and "sqs:SendMessage" in json.dumps(s["Action"])
                   for s in _policy_statements(any_variant, name))
        }  # fmt: skip

    assert senders(any_variant.logical_id("/Live/Delivery/Resource", "AWS::SQS::Queue")) == {"Live", "LiveDelivery"}
    assert senders(any_variant.logical_id("/Live/Changes/Resource", "AWS::SQS::Queue")) == {"Writer", "Keys"}


@pytest.mark.parametrize(("queue_name", "function"), [("Delivery", "LiveDelivery"), ("Changes", "Live")])
def test_the_live_queues_feed_their_functions(any_variant: Synthesized, queue_name: str, function: str) -> None:
    queue = any_variant.logical_id(f"/Live/{queue_name}/Resource", "AWS::SQS::Queue")
    target = any_variant.logical_id(f"/Functions/{function}/", "AWS::Lambda::Function")
    mappings = [
        m["Properties"] for m in any_variant.resources("AWS::Lambda::EventSourceMapping").values()
        if queue in json.dumps(m["Properties"]["EventSourceArn"])
    ]  # fmt: skip
    assert len(mappings) == 1 and target in json.dumps(mappings[0]["FunctionName"])
    properties = any_variant.template["Resources"][queue]["Properties"]
    assert properties["MessageRetentionPeriod"] <= 180  # live messages are stale after minutes
    assert "RedrivePolicy" in properties


def test_failed_deliveries_are_retried_a_bounded_number_of_times_then_dead_lettered(any_variant: Synthesized) -> None:
    queue = any_variant.logical_id("/Live/Delivery/Resource", "AWS::SQS::Queue")
    properties = any_variant.template["Resources"][queue]["Properties"]
    dead_letters = any_variant.logical_id("/Live/DeliveryDeadLetters/Resource", "AWS::SQS::Queue")
    redrive = properties["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dead_letters, "Arn"]}
    assert redrive["maxReceiveCount"] == 3
    # Every receive fits in the retention (a retry happens only once the visibility timeout has passed), and the
    # visibility timeout is at least the function's timeout (Lambda's rule for SQS sources).
    timeout = any_variant.function("LiveDelivery")["Properties"]["Timeout"]
    assert timeout <= properties["VisibilityTimeout"]
    assert properties["VisibilityTimeout"] * redrive["maxReceiveCount"] < properties["MessageRetentionPeriod"]
    # The delivery function reports partial batch failures (only the failed messages are redelivered).
    [mapping] = [
        m["Properties"] for m in any_variant.resources("AWS::Lambda::EventSourceMapping").values()
        if queue in json.dumps(m["Properties"]["EventSourceArn"])
    ]  # fmt: skip
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # Dead letters and a surge of retries are alarmed.
    alarms = {
        v["Metadata"]["aws:cdk:path"].split("/")[-2]: v["Properties"]
        for v in any_variant.resources("AWS::CloudWatch::Alarm").values()
        if "/Live/" in v["Metadata"]["aws:cdk:path"]
    }  # fmt: skip
    dlq_alarm = alarms["DeliveryDeadLettersAlarm"]
    assert dlq_alarm["MetricName"] == "ApproximateNumberOfMessagesVisible" and dlq_alarm["Threshold"] == 1
    assert dead_letters in json.dumps(dlq_alarm["Dimensions"])
    assert alarms["DeliveryRetriesAlarm"]["MetricName"] == "LiveDeliveryRetries"


def test_alarms_on_publish_and_delivery_errors(any_variant: Synthesized) -> None:
    topic = any_variant.logical_id("/Observability/Alarms/", "AWS::SNS::Topic")
    alarms = {
        v["Metadata"]["aws:cdk:path"].split("/")[-2]: v["Properties"]
        for v in any_variant.resources("AWS::CloudWatch::Alarm").values()
        if "/Live/" in v["Metadata"]["aws:cdk:path"]
    }  # fmt: skip
    assert alarms["PublishErrorsAlarm"]["MetricName"] == "LivePublishErrors"
    assert alarms["DeliveryErrorsAlarm"]["MetricName"] == "LiveDeliveryErrors"
    assert {
        "DeliveryFunctionErrorsAlarm",
        "LiveFunctionErrorsAlarm",
        "DeliveryDeadLettersAlarm",
        "ChangesDeadLettersAlarm",
    } <= set(alarms)
    for alarm in alarms.values():
        assert {"Ref": topic} in alarm["AlarmActions"]
