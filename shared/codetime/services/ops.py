"""Operations: health of every dependency, dead-letter inspection and replay, per-user Prometheus metrics.

Dead letters are shown summarised (ids, times, receive counts, sizes, how many heartbeats for which users): never
their bodies. Replay moves them back to the main queue; the writer's dedup (unique (user, time, hash)) makes a
message written once however often it is replayed.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from codetime.cache import RedisCache, get_cache
from codetime.clients import aws_client
from codetime.config import get_settings
from codetime.db import get_pool
from codetime.domain import ai
from codetime.domain.errors import Conflict
from codetime.domain.ranges import today_in
from codetime.logs import logger
from codetime.queue_messages import PoisonMessage, decode_message
from codetime.repositories.jobs import OPEN, JobRepository
from codetime.repositories.local_queue import LocalQueueRepository
from codetime.repositories.ops import OpsRepository
from codetime.repositories.users import User
from codetime.services import aggregation


def dlq_url() -> str | None:
    return os.environ.get("SQS_DLQ_URL") or None


# ------------------------------------------------------------------------------------------------ health


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = {"ok": True, **(check() or {})}
    except Exception as exc:  # a health check reports failures, it does not raise them
        result = {"ok": False, "error": type(exc).__name__}
    result["latency_ms"] = round(1000 * (time.perf_counter() - started), 1)
    return result


def _database() -> dict[str, Any]:
    with get_pool().connection() as conn:
        conn.execute("SELECT 1")
    return {}


def _redis() -> dict[str, Any]:
    cache = get_cache()
    if not isinstance(cache, RedisCache):
        return {"configured": False}
    if not cache.ping():
        raise ConnectionError("redis did not answer")
    return {"configured": True}


def _sqs_stats(url: str) -> dict[str, int]:
    attrs = aws_client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return {"depth": int(attrs["ApproximateNumberOfMessages"]),
            "in_flight": int(attrs["ApproximateNumberOfMessagesNotVisible"])}  # fmt: skip


def _oldest_age(url: str) -> float | None:
    # SQS exposes the oldest message's age only as a CloudWatch metric (1-minute resolution).
    now = datetime.now(UTC)
    points = aws_client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": url.rstrip("/").rsplit("/", 1)[-1]}],
        StartTime=now - timedelta(minutes=10), EndTime=now, Period=60, Statistics=["Maximum"],
    ).get("Datapoints", [])  # fmt: skip
    return max(points, key=lambda p: p["Timestamp"])["Maximum"] if points else None


def _queue() -> dict[str, Any]:
    url = get_settings().sqs_queue_url
    if not url:
        with get_pool().connection() as conn:
            return {"kind": "local", **LocalQueueRepository(conn).stats()}
    found: dict[str, Any] = {"kind": "sqs", **_sqs_stats(url)}
    try:
        found["oldest_age_seconds"] = _oldest_age(url)
    except Exception as exc:  # the queue is fine even when the metric cannot be read
        found["oldest_age_seconds"], found["oldest_age_error"] = None, type(exc).__name__
    dead = dlq_url()
    found["dlq_depth"] = _sqs_stats(dead)["depth"] if dead else None
    return found


def _writer() -> dict[str, Any]:
    with get_pool().connection() as conn:
        last = OpsRepository(conn).last("writer")
    if last is None:
        return {"last_success": None, "age_seconds": None}
    at, detail = last
    return {"last_success": at.isoformat(), "age_seconds": round((datetime.now(UTC) - at).total_seconds(), 1),
            "last_batch": detail}  # fmt: skip


def health() -> dict[str, Any]:
    """Every dependency's reachability and the pipeline's backlog; `status` is `ok` or `degraded`."""
    checks = {"database": _timed(_database), "redis": _timed(_redis), "queue": _timed(_queue),
              "writer": _timed(_writer)}  # fmt: skip
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "degraded", "checks": checks}


def mark_writer_success(received: int, inserted: int) -> None:
    """Recorded by the writer after each batch that stored its heartbeats (shown by the ops health check)."""
    with get_pool().connection() as conn:
        OpsRepository(conn).mark("writer", {"received": received, "inserted": inserted})


# ------------------------------------------------------------------------------------------------ dead letters


@dataclass(frozen=True, slots=True)
class DeadLetter:
    message_id: str
    sent_at: str | None
    receive_count: int
    bytes: int
    heartbeats: int | None
    users: dict[str, int]
    problem: str | None


def _summarise(message_id: str, body: str, sent_at: str | None, receive_count: int) -> DeadLetter:
    try:
        beats = decode_message(body)
    except PoisonMessage:
        return DeadLetter(message_id, sent_at, receive_count, len(body.encode()), None, {}, "undecodable message")
    users = Counter(hb.user_id for hb in beats)
    return DeadLetter(message_id, sent_at, receive_count, len(body.encode()), len(beats), dict(users), None)


def _ms_iso(ms: str | None) -> str | None:
    return datetime.fromtimestamp(int(ms) / 1000, UTC).isoformat() if ms else None


def list_dead_letters(limit: int = 50) -> list[DeadLetter]:
    """Summaries of up to `limit` dead-lettered messages (SQS DLQ, or the local queue's dead rows)."""
    url = dlq_url()
    if get_settings().sqs_queue_url is None:
        with get_pool().connection() as conn:
            rows = LocalQueueRepository(conn).dead_letters(limit)
        return [_summarise(str(i), body, sent.isoformat(), count) for i, sent, count, body in rows]
    if url is None:
        raise DlqNotConfigured("SQS_DLQ_URL is not set.")
    sqs = aws_client("sqs")
    seen: dict[str, DeadLetter] = {}
    handles: list[str] = []
    while len(seen) < limit:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=min(10, limit - len(seen)), VisibilityTimeout=30,
            AttributeNames=["All"], WaitTimeSeconds=0,
        ).get("Messages", [])  # fmt: skip
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            break
        for m in fresh:
            attrs = m.get("Attributes", {})
            seen[m["MessageId"]] = _summarise(
                m["MessageId"], m["Body"], _ms_iso(attrs.get("SentTimestamp")),
                int(attrs.get("ApproximateReceiveCount", 0)),
            )  # fmt: skip
            handles.append(m["ReceiptHandle"])
    # Looking must not hide them: visible again at once (for a replay, or the next look).
    for start in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                     for i, h in enumerate(handles[start : start + 10])],
        )  # fmt: skip
    return list(seen.values())


class DlqNotConfigured(Conflict):
    pass


def replay_dead_letters(limit: int = 1000) -> dict[str, int]:
    """Move up to `limit` dead letters back to the main queue; returns how many moved and how many failed."""
    queue = get_settings().sqs_queue_url
    if queue is None:
        with get_pool().connection() as conn:
            moved = LocalQueueRepository(conn).replay_dead_letters(limit)
        logger.info("local dead letters replayed", extra={"replayed": moved})
        return {"replayed": moved, "failed": 0}
    url = dlq_url()
    if url is None:
        raise DlqNotConfigured("SQS_DLQ_URL is not set.")
    sqs = aws_client("sqs")
    moved = failed = 0
    while moved + failed < limit:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=min(10, limit - moved - failed), VisibilityTimeout=60,
            WaitTimeSeconds=0,
        ).get("Messages", [])  # fmt: skip
        if not messages:
            break
        sent = sqs.send_message_batch(
            QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(messages)]
        )
        ok = {entry["Id"] for entry in sent.get("Successful", [])}
        # Deleted only once the main queue holds them; a crash in between leaves a copy in both, which the
        # writer's dedup stores once.
        done = [{"Id": i, "ReceiptHandle": messages[int(i)]["ReceiptHandle"]} for i in sorted(ok)]
        if done:
            sqs.delete_message_batch(QueueUrl=url, Entries=done)
        moved += len(ok)
        failed += len(messages) - len(ok)
        if len(ok) < len(messages):
            break  # what failed stays in the DLQ (visible again after 60 s); do not spin on it
    logger.info("dead letters replayed", extra={"replayed": moved, "failed": failed})
    return {"replayed": moved, "failed": failed}


# ------------------------------------------------------------------------------------------------ Prometheus

_DIMENSIONS = (
    ("project", "project", "Total seconds for each project (today)."),
    ("language", "language", "Total seconds for each language (today)."),
    ("editor", "editor", "Total seconds for each editor (today)."),
    ("operating_system", "operating_system", "Total seconds for each operating system (today)."),
    ("machine", "machine", "Total seconds for each machine (today)."),
    ("category", "category", "Total seconds for each category (today)."),
)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus_metrics(user: User) -> str:
    """The user's coding time in Prometheus text format, with Wakapi's metric names (its Grafana dashboards
    work unchanged): today's total and per-dimension seconds, and the all-time total."""
    tz = user.effective_timezone
    today = today_in(tz)
    totals = aggregation.range_totals(user, today, today)
    with get_pool().connection() as conn:
        all_time = OpsRepository(conn).all_time_seconds(user.id)
    per: dict[str, dict[str, float]] = {dim: Counter(totals.shown(dim)) for dim, _, _ in _DIMENSIONS}
    today_total = sum(per["project"].values())
    lines = [
        "# HELP wakatime_cumulative_seconds_total Total seconds (all time).",
        "# TYPE wakatime_cumulative_seconds_total counter",
        f"wakatime_cumulative_seconds_total {all_time:.6f}",
        "# HELP wakatime_seconds_total Total seconds (today).",
        "# TYPE wakatime_seconds_total counter",
        f"wakatime_seconds_total {today_total:.6f}",
    ]
    for dim, name, help_text in _DIMENSIONS:
        metric = f"wakatime_{name}_seconds_total"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter"]
        for value, seconds in sorted(per[dim].items()):
            lines.append(f'{metric}{{name="{_label(value)}"}} {seconds:.6f}')
    return "\n".join(lines + _ai_metrics(aggregation.ai_range_figures(user, today, today, by=()).total)) + "\n"


# ------------------------------------------------------------------------------------------------ jobs

# The filters of the jobs list: `open` is what is still to run (pending or running), the others one status each.
JOB_FILTERS: dict[str, tuple[str, ...] | None] = {
    "all": None, "open": OPEN, "pending": ("pending",), "running": ("running",), "done": ("done",),
    "failed": ("failed",), "superseded": ("superseded",),
}  # fmt: skip


def list_jobs(status: str, page: int, per_page: int) -> dict[str, Any]:
    """One page of background recompute jobs, newest first, with the pagination of the API's other lists."""
    with get_pool().connection() as conn:
        rows, total = JobRepository(conn).listing(JOB_FILTERS[status], per_page, (page - 1) * per_page)
    total_pages = max(1, -(-total // per_page))
    return {
        "data": [
            {**asdict(job), "id": str(job.id), "user_id": str(job.user_id)}
            for job in rows
        ],
        "total": total, "total_pages": total_pages, "page": page,
        "prev_page": page - 1 if page > 1 else None, "next_page": page + 1 if page < total_pages else None,
    }  # fmt: skip


# Wakapi has no AI metrics: these follow its naming (wakatime_<what>_total, today's values, like
# wakatime_seconds_total), one per sum of domain/ai.py.
_AI_METRICS = (
    ("ai_additions", "Lines added by AI (today)."),
    ("ai_deletions", "Lines deleted by AI (today)."),
    ("human_additions", "Lines added by hand (today)."),
    ("human_deletions", "Lines deleted by hand (today)."),
    ("ai_input_tokens", "AI input tokens, not cached (today)."),
    ("ai_cached_input_tokens", "AI cached input tokens (today)."),
    ("ai_output_tokens", "AI output tokens (today)."),
    ("ai_prompt_events", "AI prompts (today)."),
    ("ai_sessions", "AI sessions (today)."),
)


def _ai_metrics(figures: ai.AiFigures) -> list[str]:
    totals = ai.line_totals(figures)
    lines = []
    for name, help_text in _AI_METRICS:
        metric = f"wakatime_{name}_total"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter", f"{metric} {totals[name]}"]
    metric = "wakatime_ai_model_line_changes_total"
    lines += [f"# HELP {metric} Lines changed by AI per model family (today).", f"# TYPE {metric} counter"]
    for model, count in sorted(figures.model_lines.items()):
        lines.append(f'{metric}{{name="{_label(model)}"}} {count}')
    return lines
