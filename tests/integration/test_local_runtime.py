"""The local queue worker's SQS-like semantics against real PostgreSQL, and migrations' idempotency."""

from __future__ import annotations

import time

import psycopg
import pytest

from codetime.db import get_pool
from codetime.db.migrate import migrate
from codetime.local.queue_worker import LocalQueueWorker
from codetime.queue import LocalQueue

pytestmark = pytest.mark.integration


def _rows() -> list[tuple[int, int, bool]]:
    with get_pool().connection() as conn:
        return conn.execute("SELECT id, receive_count, dead FROM local_queue ORDER BY id").fetchall()


def _make_visible() -> None:
    with get_pool().connection() as conn:
        conn.execute("UPDATE local_queue SET visible_at = now()")


def test_successes_are_deleted_failures_retried_then_dead(any_db_env: str) -> None:
    LocalQueue().send(["one", "two", "three"])
    events: list[dict] = []
    poison = str(_rows()[1][0])

    def handler(event: dict, context: object) -> dict:
        events.append(event)
        return {
            "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "two"]
        }

    worker = LocalQueueWorker(handler, max_receives=3)
    assert worker.run_once() == 3
    record = events[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs" and record["body"] == "one"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert set(record) >= {"messageId", "receiptHandle", "md5OfBody", "eventSourceARN", "awsRegion"}
    assert [(str(i), n, d) for i, n, d in _rows()] == [(poison, 1, False)]
    assert worker.run_once() == 0  # not visible again yet (backoff)
    for expected in (2, 3):
        _make_visible()
        assert worker.run_once() == 1
        assert events[-1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == str(expected)
    assert [(str(i), n, d) for i, n, d in _rows()] == [(poison, 3, True)]  # in the local dead-letter queue
    _make_visible()
    assert worker.run_once() == 0


def test_a_raising_handler_keeps_every_message(any_db_env: str) -> None:
    LocalQueue().send(["a", "b"])

    def handler(event: dict, context: object) -> dict:
        raise RuntimeError("database down")

    assert LocalQueueWorker(handler).run_once() == 2
    assert [n for _, n, _ in _rows()] == [1, 1]


def test_background_worker_delivers_within_a_second_or_two(any_db_env: str) -> None:
    seen: list[str] = []
    worker = LocalQueueWorker(lambda e, c: seen.extend(r["body"] for r in e["Records"]) or {}, poll_interval=0.1)
    worker.start()
    try:
        LocalQueue().send(["hello"])
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen == ["hello"]
    finally:
        worker.stop()
    assert _rows() == []


def test_migrations_are_idempotent(any_db_env: str) -> None:
    with psycopg.connect(any_db_env) as conn:
        assert migrate(conn, timescale="timescale" in any_db_env or False) == []
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == ["0001_core", "0002_timescale"]
