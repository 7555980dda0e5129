"""The stack's own queue definitions (infra_cdk.pipeline.Pipeline, synthesized by CDK) deployed through
LocalStack's CloudFormation, then the real handlers run the golden day and a poison message through them."""

from __future__ import annotations

import json
import os
import time

import pytest

from codetime.services.keys import create_user
from conftest import AwsApis, SqsHarness
from functions import ingestion, summary
from harness import FIXTURES, basic, call_api

pytestmark = pytest.mark.e2e

KEY = "waka_7c1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b"
MAX_RECEIVES = 3


def _pipeline_template() -> dict:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App, CfnOutput, DefaultStackSynthesizer, Duration, Stack

    from infra_cdk.pipeline import Pipeline

    app = App()
    # Not bootstrapped: no check of the bootstrap stack's version (an SSM parameter) in the template.
    stack = Stack(app, "CodeTimeQueues", synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False))
    pipeline = Pipeline(
        stack, "Pipeline", max_receive_count=MAX_RECEIVES, writer_timeout=Duration.seconds(60),
        batch_window=Duration.seconds(5),
    )  # fmt: skip
    for name, value in {
        "QueueUrl": pipeline.queue.queue_url, "QueueArn": pipeline.queue.queue_arn,
        "DeadLettersUrl": pipeline.dead_letters.queue_url, "DeadLettersArn": pipeline.dead_letters.queue_arn,
    }.items():  # fmt: skip
        CfnOutput(stack, name, value=value)
    return app.synth().get_stack_by_name("CodeTimeQueues").template


@pytest.fixture(scope="module")
def pipeline_template() -> dict:
    return _pipeline_template()


@pytest.fixture
def stack_queues(db_env, aws_apis: AwsApis, pipeline_template: dict, monkeypatch) -> SqsHarness:  # type: ignore[no-untyped-def]
    from codetime.lifecycle import reset_clients
    from conftest import TEST_PEPPER

    cloudformation = aws_apis.client("cloudformation")
    name = aws_apis.name("codetime-queues")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(pipeline_template))
    aws_apis.on_cleanup(lambda: cloudformation.delete_stack(StackName=name))
    deadline = time.monotonic() + 60
    while True:
        (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        if stack["StackStatus"] != "CREATE_IN_PROGRESS" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    monkeypatch.setenv("SQS_QUEUE_URL", outputs["QueueUrl"])
    monkeypatch.setenv("CODETIME_KEY_PEPPER_SECRET_ARN", aws_apis.create_secret("codetime/key-pepper", TEST_PEPPER))
    monkeypatch.delenv("CODETIME_KEY_PEPPER")
    reset_clients()
    return SqsHarness(outputs["QueueUrl"], outputs["DeadLettersUrl"], outputs["QueueArn"])


# moto's CloudFormation needs moto[cloudformation] (openapi-spec-validator, docker, ...): LocalStack has it built in.
@pytest.mark.localstack_only
def test_stack_queues_carry_the_golden_day_and_dead_letter_poison(stack_queues: SqsHarness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    attributes = stack_queues.client.get_queue_attributes(QueueUrl=stack_queues.queue_url, AttributeNames=["All"])[
        "Attributes"
    ]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == MAX_RECEIVES
    dlq_arn = stack_queues.client.get_queue_attributes(QueueUrl=stack_queues.dlq_url, AttributeNames=["QueueArn"])
    assert redrive["deadLetterTargetArn"] == dlq_arn["Attributes"]["QueueArn"]
    assert int(attributes["VisibilityTimeout"]) == 6 * 60 + 5

    monkeypatch.setenv("CODETIME_MAX_HEARTBEAT_AGE_DAYS", "36500")  # the captured day is in 2026
    create_user(email="dev@example.com", username="dev", timezone="Europe/Moscow", api_key=KEY)
    heartbeats = json.loads((FIXTURES / "wakatime-live/heartbeats-day.json").read_text())["data"]
    for start in range(0, len(heartbeats), 25):
        posted = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(KEY),
                          body=heartbeats[start : start + 25])  # fmt: skip
        assert posted.status == 202, posted
    stack_queues.client.send_message(QueueUrl=stack_queues.queue_url, MessageBody='{"v": 1, "heartbeats": 7}')

    deliveries, dead = 0, []
    deadline = time.monotonic() + 30
    while not dead and time.monotonic() < deadline:
        for response in stack_queues.drain():
            deliveries += len(response["batchItemFailures"])
        time.sleep(0.3)
        dead = stack_queues.receive(stack_queues.dlq_url)
    assert [m["Body"] for m in dead] == ['{"v": 1, "heartbeats": 7}']
    assert deliveries == MAX_RECEIVES and stack_queues.depth() == 0

    summaries = call_api(summary.handler, "GET", "/api/v1/users/current/summaries", headers=basic(KEY),
                         query={"start": "2026-08-18", "end": "2026-08-18"})  # fmt: skip
    assert summaries.json["data"][0]["grand_total"]["total_seconds"] == pytest.approx(21839.291, abs=1e-3)
