"""The live endpoint's AWS side on moto: the live Lambda given real-shaped API Gateway WebSocket events
($connect, $default, $disconnect from events/), the DynamoDB connection registry, the writer handing its changes to
the changes queue (SQS), the live Lambda publishing them to the delivery queue, and the delivery Lambda posting to
connections through the management API (apigatewaymanagementapi PostToConnection), with GoneException removing a
stale connection.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from typing import Any

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from functions import ingestion, live_delivery, summary
from functions import live as live_function
from harness import basic, call_api, invoke, load_event, sqs_event, start_of_today

# LocalStack's free build has no API Gateway v2 (WebSocket APIs, their management API): moto only.
pytestmark = [pytest.mark.e2e, pytest.mark.moto_only]
ADA = "waka_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
BOB = "waka_2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
SAMPLE_KEY = "waka_9f1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b"
REGION, ACCOUNT = "us-east-1", "123456789012"


class LiveAws:
    def __init__(self, aws_apis: Any, table: str, queue_url: str, queue_arn: str, api_id: str) -> None:
        self.aws, self.table, self.queue_url, self.queue_arn, self.api_id = (
            aws_apis,
            table,
            queue_url,
            queue_arn,
            api_id,
        )

    @property
    def dynamodb(self) -> Any:
        return self.aws.client("dynamodb")

    def items(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=self.table)["Items"]

    def connect(self, connection_id: str, key: str, *, query: bool = False) -> dict[str, Any]:
        event = copy.deepcopy(load_event("ws_connect_query.json" if query else "ws_connect.json"))
        event["requestContext"]["connectionId"] = connection_id
        if query:
            event["queryStringParameters"] = {"api_key": key}
            event["multiValueQueryStringParameters"] = {"api_key": [key]}
        else:
            event["headers"]["Sec-WebSocket-Protocol"] = f"codetime, {key}"
            event["multiValueHeaders"]["Sec-WebSocket-Protocol"] = [f"codetime, {key}"]
        return invoke(live_function.handler, event, "codetime-live")

    def message(self, connection_id: str, body: Any) -> dict[str, Any]:
        event = copy.deepcopy(load_event("ws_message_subscribe.json"))
        event["requestContext"]["connectionId"] = connection_id
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        return invoke(live_function.handler, event, "codetime-live")

    def disconnect(self, connection_id: str) -> dict[str, Any]:
        event = copy.deepcopy(load_event("ws_disconnect.json"))
        event["requestContext"]["connectionId"] = connection_id
        return invoke(live_function.handler, event, "codetime-live")

    def _drain(self, url: str, arn: str, handler: Any, name: str) -> list[dict[str, Any]]:
        sqs = self.aws.client("sqs")
        responses = []
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                           WaitTimeSeconds=0).get("Messages", [])  # fmt: skip
            if not messages:
                return responses
            responses.append(invoke(handler, sqs_event(messages, arn), name))
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ])  # fmt: skip

    def publish(self) -> list[dict[str, Any]]:
        """Run the live Lambda on everything in the changes queue (the writer's hand-offs)."""
        return self._drain(self.changes_url, self.changes_arn, live_function.handler, "codetime-live")

    def deliver(self) -> list[dict[str, Any]]:
        """Run the delivery Lambda on everything in the delivery queue; the handler responses."""
        return self._drain(self.queue_url, self.queue_arn, live_delivery.handler, "codetime-live-delivery")

    def received(self, connection_id: str) -> list[dict[str, Any]]:
        """What moto's management API got for a connection (the frames a client would receive), parsed."""
        data = apigatewaymanagementapi_backends[ACCOUNT][REGION].connections[connection_id].data
        decoder, text, out, at = json.JSONDecoder(), data.decode(), [], 0
        while at < len(text):
            value, at = decoder.raw_decode(text, at)
            out.append(value)
        return out


@pytest.fixture
def live_aws(sqs: Any, aws_apis: Any, monkeypatch: pytest.MonkeyPatch) -> LiveAws:
    from codetime.connections import GSI, PARTITION_KEY, SORT_KEY, TOPIC, TTL_ATTRIBUTE
    from codetime.lifecycle import reset_clients
    from codetime.services.keys import create_user

    dynamodb = aws_apis.client("dynamodb")
    table = aws_apis.name("codetime-live")
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in (PARTITION_KEY, SORT_KEY, TOPIC)],
        KeySchema=[
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"}, {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[{
            "IndexName": GSI, "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": TOPIC, "KeyType": "HASH"}, {"AttributeName": SORT_KEY, "KeyType": "RANGE"}],
        }],
    )  # fmt: skip
    dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True,
                                                                          "AttributeName": TTL_ATTRIBUTE})  # fmt: skip
    queue_url, queue_arn = aws_apis.create_queue("codetime-live-delivery")
    changes_url, changes_arn = aws_apis.create_queue("codetime-live-changes")
    api = aws_apis.client("apigatewayv2").create_api(
        Name="codetime-live", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )
    aws_apis.client("apigatewayv2").create_stage(ApiId=api["ApiId"], StageName="live")
    monkeypatch.setenv("CODETIME_LIVE_TABLE", table)
    monkeypatch.setenv("CODETIME_LIVE_QUEUE_URL", queue_url)
    monkeypatch.setenv("CODETIME_LIVE_CHANGES_URL", changes_url)
    monkeypatch.setenv("CODETIME_LIVE_ENDPOINT", f"https://{api['ApiId']}.execute-api.{REGION}.amazonaws.com/live")
    reset_clients()
    ada, _ = create_user(email="ada@example.com", username="ada", timezone="UTC", api_key=ADA)
    create_user(email="bob@example.com", username="bob", timezone="UTC", api_key=BOB)
    live = LiveAws(aws_apis, table, queue_url, queue_arn, api["ApiId"])
    live.changes_url, live.changes_arn, live.ada = changes_url, changes_arn, ada.id
    return live


def test_the_sample_events_are_real_shaped() -> None:
    connect = load_event("ws_connect.json")
    assert connect["requestContext"]["routeKey"] == "$connect" and connect["requestContext"]["eventType"] == "CONNECT"
    assert connect["headers"]["Sec-WebSocket-Protocol"] == f"codetime, {SAMPLE_KEY}"
    assert load_event("ws_connect_query.json")["queryStringParameters"] == {"api_key": SAMPLE_KEY}
    message = load_event("ws_message_subscribe.json")
    assert message["requestContext"]["eventType"] == "MESSAGE" and json.loads(message["body"])["type"] == "subscribe"
    assert load_event("ws_disconnect.json")["requestContext"]["routeKey"] == "$disconnect"


def test_connect_records_the_connection_with_a_ttl_and_refuses_bad_keys(live_aws: LiveAws) -> None:
    answer = live_aws.connect("conn-ada-1", ADA)
    assert answer["statusCode"] == 200 and answer["headers"] == {"Sec-WebSocket-Protocol": "codetime"}
    answer = live_aws.connect("conn-ada-2", ADA, query=True)
    assert answer["statusCode"] == 200 and answer["headers"] == {}  # no subprotocol offered, none answered
    items = {item["pk"]["S"]: item for item in live_aws.items()}
    slots = items.pop(f"slots#{live_aws.ada}")["conns"]["M"]  # the user's places under the connection cap
    assert set(items) == {"conn#conn-ada-1", "conn#conn-ada-2"} and set(slots) == {"conn-ada-1", "conn-ada-2"}
    expires = int(items["conn#conn-ada-1"]["expires_at"]["N"])
    assert time.time() + 2 * 3600 < expires <= time.time() + 2 * 3600 + 601  # API Gateway's 2 h, plus a margin

    for key in ("waka_00000000-0000-4000-8000-000000000000", "not-a-key", ""):
        refused = live_aws.connect("conn-bad", key)
        assert refused["statusCode"] == 401 and "error" in json.loads(refused["body"]), refused
    assert len(live_aws.items()) == 3

    live_aws.disconnect("conn-ada-1")
    items = {item["pk"]["S"]: item for item in live_aws.items()}
    assert set(items) == {"conn#conn-ada-2", f"slots#{live_aws.ada}"}
    assert set(items[f"slots#{live_aws.ada}"]["conns"]["M"]) == {"conn-ada-2"}


def test_too_many_connections_are_refused_with_429(live_aws: LiveAws, monkeypatch: pytest.MonkeyPatch) -> None:
    from codetime.config import get_settings

    monkeypatch.setenv("CODETIME_LIVE_MAX_CONNECTIONS", "2")
    get_settings.cache_clear()
    assert [live_aws.connect(f"c{i}", ADA)["statusCode"] for i in range(3)] == [200, 200, 429]
    assert live_aws.connect("b1", BOB)["statusCode"] == 200  # per user
    live_aws.disconnect("c0")
    assert live_aws.connect("c3", ADA)["statusCode"] == 200


def test_messages_subscribe_publish_and_deliver(live_aws: LiveAws, sqs: Any) -> None:
    assert live_aws.connect("ada-1", ADA)["statusCode"] == 200
    assert live_aws.connect("bob-1", BOB)["statusCode"] == 200
    assert live_aws.message("ada-1", {"type": "ping"})["statusCode"] == 200
    assert live_aws.message("ada-1", "not json")["statusCode"] == 200
    assert live_aws.message("ada-1", {"type": "subscribe", "channel": "user.today"})["statusCode"] == 200
    assert live_aws.message("bob-1", {"type": "subscribe", "channel": "user.today", "filters": {"user": "ada"}})[
        "statusCode"] == 200  # fmt: skip
    live_aws.deliver()
    ada = live_aws.received("ada-1")
    assert [m["type"] for m in ada] == ["pong", "error", "subscribed", "statusbar.today"]
    assert ada[3]["data"]["grand_total"]["total_seconds"] == 0
    bob = live_aws.received("bob-1")
    assert [m["type"] for m in bob] == ["error"] and "your own channels" in bob[0]["error"]

    # Heartbeats through the ingestion Lambda, SQS and the writer, which hands its changes to the changes queue; the
    # live Lambda publishes them to the delivery queue; the delivery Lambda posts them.
    first = max(start_of_today("UTC") + 1, time.time() - 300)
    beats = [{"entity": "/src/app.py", "type": "file", "time": first + 60 * i, "project": "live"} for i in range(4)]
    posted = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(ADA),
                      body=beats)  # fmt: skip
    assert posted.status == 202
    assert sqs.drain() == [{"batchItemFailures": []}]
    [handed] = live_aws.aws.client("sqs").receive_message(QueueUrl=live_aws.changes_url, VisibilityTimeout=0)[
        "Messages"]  # fmt: skip
    assert [c["user"] for c in json.loads(handed["Body"])["changes"]] == [str(live_aws.ada)]
    assert live_aws.publish() == [{"batchItemFailures": []}]
    live_aws.deliver()
    event = live_aws.received("ada-1")[-1]
    assert event["type"] == "statusbar.today" and event["channel"] == "user.today"
    rest = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today",
                    headers=basic(ADA))  # fmt: skip
    assert event["data"] == rest.json["data"] and event["data"]["grand_total"]["total_seconds"] == 180
    assert len(live_aws.received("bob-1")) == 1  # nothing of Ada's reached Bob

    # $disconnect removes every item of the connection (connection and subscriptions).
    live_aws.disconnect("ada-1")
    assert not [i for i in live_aws.items() if i["pk"]["S"] == "conn#ada-1"]


def test_gone_connections_leave_the_registry(live_aws: LiveAws) -> None:
    from botocore.stub import Stubber

    from codetime.clients import live_management_client
    from codetime.config import get_settings

    assert live_aws.connect("stale", ADA)["statusCode"] == 200
    assert live_aws.connect("fresh", ADA)["statusCode"] == 200
    live_aws.message("stale", {"type": "subscribe", "channel": "user.today"})
    live_aws.message("fresh", {"type": "subscribe", "channel": "user.today"})
    live_aws.deliver()
    assert [i["sk"]["S"] for i in live_aws.items() if i["pk"]["S"] == "conn#stale"] == ["conn", "sub#user.today"]

    client = live_management_client(get_settings().live_endpoint)
    with Stubber(client) as stub:
        # The client went away without a $disconnect: API Gateway answers 410 GoneException.
        stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410,
                              expected_params={"ConnectionId": "stale", "Data": b'{"type": "pong"}'})  # fmt: skip
        live_aws.message("stale", {"type": "ping"})
        responses = live_aws.deliver()
        stub.assert_no_pending_responses()
    assert responses == [{"batchItemFailures": []}]
    assert not [i for i in live_aws.items() if i["pk"]["S"] == "conn#stale"]
    assert [i["sk"]["S"] for i in live_aws.items() if i["pk"]["S"] == "conn#fresh"] == ["conn", "sub#user.today"]


def test_publishing_failures_never_fail_the_write(live_aws: LiveAws, sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from codetime.lifecycle import reset_clients

    assert live_aws.connect("ada-1", ADA)["statusCode"] == 200
    live_aws.message("ada-1", {"type": "subscribe", "channel": "user.today"})
    # The changes queue is gone (deleted, or no permission): the writer still writes and reports no failure.
    live_aws.aws.client("sqs").delete_queue(QueueUrl=live_aws.changes_url)
    reset_clients()
    first = max(start_of_today("UTC") + 1, time.time() - 300)
    beats = [{"entity": "a.py", "type": "file", "time": first + 60 * i, "project": "live"} for i in range(3)]
    assert call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(ADA),
                    body=beats).status == 202  # fmt: skip
    assert sqs.drain() == [{"batchItemFailures": []}]
    rest = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today",
                    headers=basic(ADA))  # fmt: skip
    assert rest.json["data"]["grand_total"]["total_seconds"] == 120


# ---------------------------------------------------------------------------------------------- revocation


def _gone_from_api_gateway(connection_id: str) -> bool:
    """DeleteConnection happened: moto's management API no longer holds the connection."""
    return connection_id not in apigatewaymanagementapi_backends[ACCOUNT][REGION].connections


def test_a_revoked_key_closes_its_connections_and_only_those(live_aws: LiveAws) -> None:
    from codetime.services.auth import load_user
    from codetime.services.keys import create_key, list_keys
    from functions import keys as keys_function

    ada = load_user(live_aws.ada)
    second = create_key(ada, "second")
    assert live_aws.connect("by-first", ADA)["statusCode"] == 200
    assert live_aws.connect("by-first-query", ADA, query=True)["statusCode"] == 200
    assert live_aws.connect("by-second", second.plaintext)["statusCode"] == 200
    for cid in ("by-first", "by-first-query", "by-second"):
        live_aws.message(cid, {"type": "subscribe", "channel": "user.today"})
    live_aws.deliver()
    items = {i["pk"]["S"]: i for i in live_aws.items() if i["sk"]["S"] == "conn"}
    first_id = next(k.id for k in list_keys(ada) if k.label != "second")
    assert items["conn#by-first"]["key_id"]["S"] == str(first_id)  # the registry knows each connection's key
    assert items["conn#by-second"]["key_id"]["S"] == str(second.key.id)

    # Revoked through the API (the keys Lambda), with the other key: the revocation goes to the changes queue, the
    # live function closes that key's connections through the delivery queue, the delivery Lambda deletes them.
    revoked = call_api(keys_function.handler, "DELETE", f"/api/v1/auth/keys/{first_id}",
                       headers=basic(second.plaintext))  # fmt: skip
    assert revoked.status == 204, revoked.json
    assert live_aws.publish() == [{"batchItemFailures": []}]
    assert live_aws.deliver() == [{"batchItemFailures": []}]
    for cid in ("by-first", "by-first-query"):
        assert _gone_from_api_gateway(cid), cid
        assert not [i for i in live_aws.items() if i["pk"]["S"] == f"conn#{cid}"]
    # The one that stays open was told nothing; the closed ones' last frame said why (moto keeps no data of a
    # deleted connection, so the closing message is checked on the stubbed path below).
    assert not _gone_from_api_gateway("by-second")
    assert [i["sk"]["S"] for i in live_aws.items() if i["pk"]["S"] == "conn#by-second"] == ["conn", "sub#user.today"]
    # Heartbeats after the revocation reach only the open connection's subscriber.
    assert live_aws.message("by-second", {"type": "ping"})["statusCode"] == 200
    live_aws.deliver()
    assert live_aws.received("by-second")[-1] == {"type": "pong"}


def test_revocation_posts_the_closing_message_then_deletes(live_aws: LiveAws) -> None:
    from botocore.stub import Stubber

    from codetime.clients import live_management_client
    from codetime.config import get_settings
    from codetime.domain import live as protocol
    from codetime.services import live as service

    assert live_aws.connect("to-close", ADA)["statusCode"] == 200
    service.revoked(live_aws.ada)  # as account deletion does: every connection of the user
    assert live_aws.publish() == [{"batchItemFailures": []}]
    closing = protocol.closing(4401, "credential revoked")
    assert json.loads(closing) == {"type": "closing", "code": 4401, "reason": "credential revoked"}
    client = live_management_client(get_settings().live_endpoint)
    with Stubber(client) as stub:
        stub.add_response("post_to_connection", {}, {"ConnectionId": "to-close", "Data": closing.encode()})
        stub.add_response("delete_connection", {}, {"ConnectionId": "to-close"})
        assert live_aws.deliver() == [{"batchItemFailures": []}]
        stub.assert_no_pending_responses()
    assert not [i for i in live_aws.items() if i["pk"]["S"] == "conn#to-close"]


def test_deleting_the_account_closes_every_connection(live_aws: LiveAws) -> None:
    from codetime.services.auth import load_user
    from functions import keys as keys_function
    from harness import confirmed

    ada = load_user(live_aws.ada)
    for cid in ("a1", "a2"):
        assert live_aws.connect(cid, ADA)["statusCode"] == 200
    assert live_aws.connect("b1", BOB)["statusCode"] == 200
    deleted = call_api(keys_function.handler, "DELETE", "/api/v1/users/current", query={"confirm": "ada"},
                       headers=confirmed(basic(ADA), ada))  # fmt: skip
    assert deleted.status in (200, 202), deleted.json
    live_aws.publish()
    live_aws.deliver()
    assert _gone_from_api_gateway("a1") and _gone_from_api_gateway("a2")
    assert {i["pk"]["S"] for i in live_aws.items() if i["sk"]["S"] == "conn"} == {"conn#b1"}


# ---------------------------------------------------------------------------------------------- the cap


def _atomic_item_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each write, its condition included, atomically; moto (in-process, called from threads)
    checks a condition and writes in two Python steps another thread can come between. One lock around moto's
    item writes gives it DynamoDB's guarantee, and nothing more: a query then a write still races."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    for name in ("put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def atomic(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, atomic)


def test_concurrent_connects_over_the_cap_admit_exactly_the_cap(
    live_aws: LiveAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from codetime.config import get_settings

    monkeypatch.setenv("CODETIME_LIVE_MAX_CONNECTIONS", "3")
    get_settings.cache_clear()
    _atomic_item_writes(monkeypatch)
    barrier = threading.Barrier(10)

    def connect(i: int) -> int:
        barrier.wait()  # all ten at once
        return live_aws.connect(f"burst-{i}", ADA)["statusCode"]

    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(connect, range(10)))
    assert sorted(statuses) == [200] * 3 + [429] * 7
    connections = [i for i in live_aws.items() if i["sk"]["S"] == "conn"]
    assert len(connections) == 3
    [slots] = [i for i in live_aws.items() if i["pk"]["S"] == f"slots#{live_aws.ada}"]
    assert set(slots["conns"]["M"]) == {i["pk"]["S"].removeprefix("conn#") for i in connections}

    # A disconnect frees its slot; a slot whose connection expired without a $disconnect is reclaimed at the cap.
    admitted = sorted(i["pk"]["S"].removeprefix("conn#") for i in connections)
    live_aws.disconnect(admitted[0])
    assert live_aws.connect("after-disconnect", ADA)["statusCode"] == 200
    assert live_aws.connect("over", ADA)["statusCode"] == 429
    live_aws.dynamodb.update_item(
        TableName=live_aws.table, Key={"pk": {"S": f"slots#{live_aws.ada}"}, "sk": {"S": "slots"}},
        UpdateExpression="SET conns.#c = :past", ExpressionAttributeNames={"#c": admitted[1]},
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )  # fmt: skip
    assert live_aws.connect("after-expiry", ADA)["statusCode"] == 200
    assert live_aws.connect("over-again", ADA)["statusCode"] == 429


# ---------------------------------------------------------------------------------------------- retries


def _queue_deliveries(live_aws: LiveAws, deliveries: list[tuple[str, str]]) -> None:
    from codetime.connections import QueueSender

    sender = QueueSender(live_aws.queue_url)
    for cid, text in deliveries:
        sender.send(cid, text)
    sender.flush()


def _receive_once(live_aws: LiveAws) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One receive of the delivery queue and the delivery Lambda's answer for it (messages left in the queue)."""
    sqs = live_aws.aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=live_aws.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                   VisibilityTimeout=0).get("Messages", [])  # fmt: skip
    return messages, invoke(live_delivery.handler, sqs_event(messages, live_aws.queue_arn), "codetime-live-delivery")


@pytest.mark.parametrize(("code", "status"), [("LimitExceededException", 429), ("InternalServerError", 500)])
def test_transient_failures_are_partial_batch_failures(live_aws: LiveAws, code: str, status: int) -> None:
    from botocore.stub import Stubber

    from codetime.clients import live_management_client
    from codetime.config import get_settings

    assert live_aws.connect("busy", ADA)["statusCode"] == 200
    _queue_deliveries(live_aws, [("busy", '{"type":"pong"}'), ("busy", '{"type":"pong","n":2}')])
    client = live_management_client(get_settings().live_endpoint)
    with Stubber(client) as stub:
        stub.add_client_error("post_to_connection", service_error_code=code, http_status_code=status)
        messages, answer = _receive_once(live_aws)
        stub.assert_no_pending_responses()  # the connection's second message waited: order is kept
    [message] = messages
    assert answer == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert [i["sk"]["S"] for i in live_aws.items() if i["pk"]["S"] == "conn#busy"] == ["conn"]  # not removed
    # Redelivered (SQS puts it back after the visibility timeout), it goes through whole.
    messages, answer = _receive_once(live_aws)
    assert [m["MessageId"] for m in messages] == [message["MessageId"]] and answer == {"batchItemFailures": []}
    assert live_aws.received("busy") == [{"type": "pong"}, {"type": "pong", "n": 2}]


def test_gone_is_not_retried_and_a_partial_failure_requeues_only_the_failed_part(live_aws: LiveAws) -> None:
    from botocore.stub import Stubber

    from codetime.clients import live_management_client
    from codetime.config import get_settings

    for cid in ("ok", "stale", "slow"):
        assert live_aws.connect(cid, ADA)["statusCode"] == 200
    _queue_deliveries(live_aws, [("ok", '{"type":"pong"}'), ("stale", '{"type":"pong"}'),
                                 ("slow", '{"type":"pong"}')])  # fmt: skip
    client = live_management_client(get_settings().live_endpoint)
    with Stubber(client) as stub:
        stub.add_response("post_to_connection", {}, {"ConnectionId": "ok", "Data": b'{"type":"pong"}'})
        stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410)
        stub.add_client_error("post_to_connection", service_error_code="LimitExceededException", http_status_code=429)
        [message], answer = _receive_once(live_aws)
        stub.assert_no_pending_responses()
    # Nothing to redeliver: "ok" got its message (a redelivery would repeat it), "stale" is gone for good.
    assert answer == {"batchItemFailures": []}
    assert not [i for i in live_aws.items() if i["pk"]["S"] == "conn#stale"]
    live_aws.aws.client("sqs").delete_message(QueueUrl=live_aws.queue_url, ReceiptHandle=message["ReceiptHandle"])
    # Only the failed delivery is back in the queue, as a message of its own.
    sqs = live_aws.aws.client("sqs")
    [requeued] = sqs.receive_message(QueueUrl=live_aws.queue_url, MaxNumberOfMessages=10,
                                     VisibilityTimeout=0)["Messages"]  # fmt: skip
    assert json.loads(requeued["Body"]) == {"deliveries": [["slow", '{"type":"pong"}']]}
    _, answer = _receive_once(live_aws)
    assert answer == {"batchItemFailures": []}
    assert live_aws.received("slow") == [{"type": "pong"}]


def test_revocation_finds_a_connection_the_index_lags_on(live_aws: LiveAws, monkeypatch: pytest.MonkeyPatch) -> None:
    """The GSI is eventually consistent: a connection opened a moment before the revocation may be missing from it.
    The user's slots item, read consistently, still names it."""
    from codetime.connections import DynamoRegistry
    from codetime.services import live as service

    assert live_aws.connect("just-opened", ADA)["statusCode"] == 200
    assert live_aws.connect("bob-stays", BOB)["statusCode"] == 200
    service.revoked(live_aws.ada)
    with monkeypatch.context() as lagging:
        lagging.setattr(DynamoRegistry, "_query_topic", lambda self, topic, prefix, **extra: [])  # the index lags
        live_aws.publish()
    live_aws.deliver()
    assert _gone_from_api_gateway("just-opened")
    assert {i["pk"]["S"] for i in live_aws.items() if i["sk"]["S"] == "conn"} == {"conn#bob-stays"}
