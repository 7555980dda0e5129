"""The local runtime's EventBridge: fires scheduled events at the report and maintenance handlers."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from codetime.local.lambda_context import ACCOUNT, REGION, LocalLambdaContext
from codetime.logs import logger

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True, slots=True)
class LocalJob:
    name: str
    due: Callable[[datetime], bool]  # given a whole UTC minute
    handler: Callable[[dict[str, Any], Any], Any]


# The scheduled event's detail of the hourly leaderboard refresh (infra_cdk/stack.py sends the same).
LEADERBOARD_JOB = {"job": "leaderboards"}


def default_jobs(reports: Handler, maintenance: Handler) -> list[LocalJob]:
    """The same schedules the stack creates, for these Lambda handlers: the report tick on the hour, maintenance
    daily at 03:30 UTC, the leaderboard refresh (the maintenance function with a detail) hourly at :05."""
    return [
        LocalJob("ReportTick", lambda m: m.minute == 0, reports),
        LocalJob("Maintenance", lambda m: (m.hour, m.minute) == (3, 30), maintenance),
        LocalJob(
            "LeaderboardRefresh",
            lambda m: m.minute == 5,
            lambda event, context: maintenance({**event, "detail": LEADERBOARD_JOB}, context),
        ),
    ]


def scheduled_event(name: str, at: datetime) -> dict[str, Any]:
    """EventBridge's scheduled event, as the rule `name` would send it at `at`."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": ACCOUNT, "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/codetime-{name}"], "detail": {},
    }  # fmt: skip


class LocalScheduler:
    """Checks every `poll_interval` seconds which whole minutes have passed and fires the jobs due in them (none is
    lost while a job runs). A failing job is logged; the next occurrence runs as usual."""

    def __init__(
        self, jobs: list[LocalJob], *, poll_interval: float = 15.0, clock: Callable[[], datetime] | None = None
    ):
        self.jobs = jobs
        self.poll_interval = poll_interval
        self.clock = clock or (lambda: datetime.now(UTC))
        self._last: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="local-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(self.poll_interval)

    def run_due(self) -> list[str]:
        """Fire every job due in the minutes since the last call (the first call: the current minute only)."""
        now = self.clock().astimezone(UTC).replace(second=0, microsecond=0)
        minute = now if self._last is None else self._last + timedelta(minutes=1)
        fired = []
        while minute <= now:
            for job in self.jobs:
                if job.due(minute):
                    fired.append(job.name)
                    try:
                        job.handler(scheduled_event(job.name, minute), LocalLambdaContext(f"codetime-{job.name}"))
                    except Exception:
                        logger.exception("scheduled job failed", extra={"job": job.name})
            minute += timedelta(minutes=1)
        self._last = now
        return fired
