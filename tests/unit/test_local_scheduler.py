"""The local runtime's scheduler fires EventBridge-shaped events on the stack's schedules, missing no minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from codetime.local.scheduler import LocalJob, LocalScheduler


def test_jobs_fire_in_their_minutes_even_when_polls_are_late() -> None:
    now = [datetime(2026, 11, 22, 2, 58, 40, tzinfo=UTC)]
    events: list[tuple[str, dict]] = []
    jobs = [
        LocalJob("ReportTick", lambda m: m.minute == 0, lambda e, c: events.append(("tick", e))),
        LocalJob("Maintenance", lambda m: (m.hour, m.minute) == (3, 30), lambda e, c: events.append(("maint", e))),
    ]
    scheduler = LocalScheduler(jobs, clock=lambda: now[0])
    assert scheduler.run_due() == []
    now[0] += timedelta(minutes=2)  # 03:00:40
    assert scheduler.run_due() == ["ReportTick"]
    assert scheduler.run_due() == []  # the same minute never fires twice
    now[0] += timedelta(minutes=95)  # a long pause (laptop asleep): 03:30 and 04:00 both passed
    assert scheduler.run_due() == ["Maintenance", "ReportTick"]
    times = [e["time"] for _, e in events]
    assert times == ["2026-11-22T03:00:00Z", "2026-11-22T03:30:00Z", "2026-11-22T04:00:00Z"]
    tick = events[0][1]
    assert tick["source"] == "aws.events" and tick["detail-type"] == "Scheduled Event"
    assert tick["resources"][0].endswith(":rule/codetime-ReportTick")


def test_a_failing_job_does_not_stop_the_others() -> None:
    def boom(event: dict, context: object) -> None:
        raise RuntimeError("boom")

    seen: list[str] = []
    scheduler = LocalScheduler(
        [LocalJob("A", lambda m: True, boom), LocalJob("B", lambda m: True, lambda e, c: seen.append(e["time"]))],
        clock=lambda: datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
    )
    assert scheduler.run_due() == ["A", "B"] and seen == ["2026-11-22T09:00:00Z"]
