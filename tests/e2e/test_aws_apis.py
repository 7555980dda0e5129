"""The AWS APIs the deployed system relies on, beyond the queue: Secrets Manager read at run time by
codetime.clients, and EventBridge schedules delivering to an SQS target with the stack's retry policy and DLQ.

Run against moto (`make test`'s first pass) and LocalStack (`make test-localstack`, `--aws=localstack`).
"""

from __future__ import annotations

import json
import time

import psycopg
import pytest

from codetime.clients import database_url, key_pepper
from codetime.domain.keys import hash_key
from codetime.lifecycle import reset_clients
from codetime.services.keys import create_user
from conftest import TEST_PEPPER
from functions import ingestion, summary
from harness import basic, call_api, start_of_today

pytestmark = pytest.mark.e2e

KEY = "waka_5e1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b"


def test_database_and_pepper_come_from_secrets_manager(sqs, db_env, aws_apis, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    assert "DATABASE_URL" not in os.environ and "CODETIME_KEY_PEPPER" not in os.environ
    assert database_url() == db_env
    assert key_pepper() == TEST_PEPPER.encode()
    create_user(email="sec@example.com", username="sec", timezone="UTC", api_key=KEY)
    with psycopg.connect(db_env) as conn:
        (stored,) = conn.execute("SELECT key_hash FROM api_keys").fetchone()  # type: ignore[misc]
    assert bytes(stored) == hash_key(KEY, TEST_PEPPER.encode())  # keyed with the secret's value

    now = max(start_of_today() + 120, time.time())  # both heartbeats today, at any hour
    beats = [{"entity": "a.py", "type": "file", "time": t, "project": "sec"} for t in (now - 120, now - 60)]
    posted = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(KEY),
                      body=beats)  # fmt: skip
    assert posted.status == 202 and [s for _, s in posted.json["responses"]] == [201, 201]
    sqs.drain()
    today = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(KEY))
    assert today.json["data"]["grand_total"]["total_seconds"] == pytest.approx(60, abs=1e-3)
    assert db_env not in today.text and TEST_PEPPER not in today.text

    # A JSON secret ({"dsn": ...}) works as well as a bare DSN; a new cold start reads the new value.
    json_arn = aws_apis.create_secret("codetime/database-json", json.dumps({"dsn": db_env}))
    monkeypatch.setenv("DATABASE_SECRET_ARN", json_arn)
    reset_clients()
    assert database_url() == db_env
    again = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(KEY))
    assert again.status == 200 and again.json["data"]["grand_total"]["total_seconds"] == pytest.approx(60, abs=1e-3)


def test_a_wrong_pepper_secret_rejects_every_key(sqs, aws_apis, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    create_user(email="sec@example.com", username="sec", api_key=KEY)
    monkeypatch.setenv("CODETIME_KEY_PEPPER_SECRET_ARN", aws_apis.create_secret("codetime/other-pepper", "other"))
    reset_clients()
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(KEY),
                        body=[{"entity": "a.py", "type": "file", "time": time.time()}])  # fmt: skip
    assert response.status == 401 and "other" not in response.text
    assert sqs.depth() == 0


@pytest.mark.localstack_only  # moto stores schedules but never fires them
def test_schedule_rule_delivers_a_scheduled_event_to_its_sqs_target(aws_apis) -> None:  # type: ignore[no-untyped-def]
    sqs = aws_apis.client("sqs")
    dlq_url, dlq_arn = aws_apis.create_queue("codetime-schedules-dlq")
    target_url, target_arn = aws_apis.create_queue("codetime-report-tick")
    rule_arn = aws_apis.create_rule(
        "codetime-report-tick", ScheduleExpression="rate(1 minute)", State="ENABLED",
        Description="CodeTime: report tick",
    )  # fmt: skip
    # What EventBridge needs to deliver to a queue in AWS: the queue's resource policy for the rule.
    policy = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": target_arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        }],
    }  # fmt: skip
    sqs.set_queue_attributes(QueueUrl=target_url, Attributes={"Policy": json.dumps(policy)})
    events = aws_apis.client("events")
    rule_name = rule_arn.rsplit("/", 1)[1]
    # The stack's schedule targets: two retries, events older than an hour dropped into the schedules' DLQ.
    target = {
        "Id": "report-tick", "Arn": target_arn,
        "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
        "DeadLetterConfig": {"Arn": dlq_arn},
    }  # fmt: skip
    assert events.put_targets(Rule=rule_name, Targets=[target])["FailedEntryCount"] == 0
    (listed,) = events.list_targets_by_rule(Rule=rule_name)["Targets"]
    assert listed["RetryPolicy"] == target["RetryPolicy"] and listed["DeadLetterConfig"] == {"Arn": dlq_arn}
    assert events.describe_rule(Name=rule_name)["ScheduleExpression"] == "rate(1 minute)"

    deadline = time.monotonic() + 90  # a rate(1 minute) rule fires within a minute
    messages: list[dict] = []
    while not messages and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=target_url, WaitTimeSeconds=10).get("Messages", [])
    assert messages, "the schedule did not deliver within 90 s"
    event = json.loads(messages[0]["Body"])
    assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [rule_arn] and event["detail"] == {}
    assert {"version", "id", "account", "time", "region"} <= set(event)
    assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=0).get("Messages", []) == []


def test_event_pattern_rule_delivers_to_its_sqs_target(aws_apis) -> None:  # type: ignore[no-untyped-def]
    sqs = aws_apis.client("sqs")
    url, arn = aws_apis.create_queue("codetime-events")
    pattern = {"source": ["codetime.test"], "detail-type": ["Report Requested"]}
    rule_arn = aws_apis.create_rule("codetime-pattern", EventPattern=json.dumps(pattern))
    events = aws_apis.client("events")
    events.put_targets(Rule=rule_arn.rsplit("/", 1)[1], Targets=[{"Id": "q", "Arn": arn}])
    put = events.put_events(Entries=[
        {"Source": "codetime.test", "DetailType": "Report Requested", "Detail": json.dumps({"user": "u1"})},
        {"Source": "codetime.test", "DetailType": "Something Else", "Detail": "{}"},
    ])  # fmt: skip
    assert put["FailedEntryCount"] == 0
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MaxNumberOfMessages=10).get("Messages", [])
    bodies = [json.loads(m["Body"]) for m in messages]
    assert [(b["detail-type"], b["detail"]) for b in bodies] == [("Report Requested", {"user": "u1"})]
