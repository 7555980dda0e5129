"""EventBridge schedules for periodic jobs (the report tick, daily maintenance), with retries and a DLQ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_cdk.nag import acknowledge


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """One periodic invocation: `function` gets EventBridge's scheduled event."""

    name: str
    function: lambda_.IFunction
    schedule: events.Schedule
    description: str
    # The scheduled event's `detail`, for a function serving several jobs (maintenance: {"job": "leaderboards"}).
    detail: dict[str, str] | None = None


class Schedules(Construct):
    """One rule per job. An invocation that still fails after `retry_attempts` (or is older than `max_event_age`,
    default one hour)
    lands in `dead_letters`, which the observability construct alarms on. No jobs: nothing is created.

    The report and maintenance functions come with their own issues; the stack passes them here, e.g.
    `ScheduledJob("ReportTick", reports_fn, events.Schedule.rate(Duration.minutes(15)), "...")`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        jobs: Sequence[ScheduledJob],
        retry_attempts: int = 2,
        max_event_age: Duration | None = None,
    ) -> None:
        super().__init__(scope, id)
        max_event_age = max_event_age or Duration.hours(1)
        self.dead_letters: sqs.Queue | None = None
        self.rules: dict[str, events.Rule] = {}
        if not jobs:
            return
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.dead_letters,
            {
                "AwsSolutions-SQS3": "This queue is itself a dead-letter queue: EventBridge targets' DeadLetterConfig "
                "(an SQS redrive policy cannot name it as one).",
            },
        )
        for job in jobs:
            self.rules[job.name] = events.Rule(
                self,
                job.name,
                description=job.description,
                schedule=job.schedule,
                targets=[
                    targets.LambdaFunction(
                        job.function,
                        retry_attempts=retry_attempts,
                        max_event_age=max_event_age,
                        dead_letter_queue=self.dead_letters,
                        event=events.RuleTargetInput.from_object(
                            {
                                "detail-type": "Scheduled Event",
                                "source": "aws.events",
                                "time": events.EventField.time,
                                "detail": job.detail,
                            }
                        )
                        if job.detail
                        else None,
                    )
                ],
            )
