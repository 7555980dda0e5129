"""The local runtime against real PostgreSQL: the embedded server's lifecycle, the local queue worker's SQS-like
semantics, and migrations' idempotency."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from codetime.db import get_pool
from codetime.db.migrate import _migration_files, migrate
from codetime.local.lambda_context import LocalLambdaContext
from codetime.local.queue_worker import QUEUE_ARN, LocalQueueWorker
from codetime.queue import LocalQueue

pytestmark = pytest.mark.integration


# ------------------------------------------------ embedded PostgreSQL ------------------------------------------------


@pytest.fixture
def pg_dir() -> Iterator[Path]:
    # Not tmp_path: as root pgserver opens every parent of the data dir to other users, and pytest's base temp
    # dir is meant to stay private.
    folder = Path(tempfile.mkdtemp(prefix="codetime-embedded-pg-"))
    try:
        yield folder / "pgdata"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _is_up(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def test_embedded_postgres_keeps_data_across_restarts(pg_dir: Path) -> None:
    pytest.importorskip("pgserver")
    from codetime.local.embedded_pg import EmbeddedPostgres

    pg = EmbeddedPostgres(pg_dir)
    dsn = pg.start()
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            assert conn.info.dbname == "codetime"
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('survives')")
    finally:
        pg.stop()
    assert not _is_up(dsn)

    first, second = EmbeddedPostgres(pg_dir), EmbeddedPostgres(pg_dir)
    try:
        assert first.start() == dsn
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT note FROM kept").fetchall() == [("survives",)]
        assert second.start() == dsn  # a second user in the same process shares the server ...
        second.stop()
        assert _is_up(dsn)  # ... and its stop() leaves the server to the first
    finally:
        second.stop()
        first.stop()
    assert not _is_up(dsn)


def test_embedded_postgres_starts_after_a_crashed_run(pg_dir: Path) -> None:
    pytest.importorskip("pgserver")
    from codetime.local.embedded_pg import EmbeddedPostgres

    pg = EmbeddedPostgres(pg_dir)
    dsn = pg.start()
    pid_file = (pg_dir / "postmaster.pid").read_text().splitlines()
    pg.stop()
    # What a SIGKILLed run leaves: a postmaster.pid whose pid now belongs to another live process (here: us),
    # and a dead process still listed as holding the server.
    (pg_dir / "postmaster.pid").write_text("\n".join([str(os.getpid()), *pid_file[1:]]) + "\n")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (pg_dir / ".handle_pids.json").write_text(f"[{int(dead.stdout)}]")

    assert pg.start() == dsn
    assert _is_up(dsn)
    pg.stop()
    assert not _is_up(dsn)  # the dead holder did not keep it running


# --------------------------------------------------- local queue ----------------------------------------------------


@pytest.fixture
def queue_db(plain_pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The package pointed at the session's plain PostgreSQL, migrated, with an empty local_queue."""
    from codetime.lifecycle import reset_clients

    with psycopg.connect(plain_pg_dsn) as conn:
        migrate(conn, timescale=False)
    with psycopg.connect(plain_pg_dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE local_queue")
    monkeypatch.delenv("DATABASE_SECRET_ARN", raising=False)
    monkeypatch.setenv("DATABASE_URL", plain_pg_dsn)
    reset_clients()
    yield plain_pg_dsn
    reset_clients()


def _rows() -> list[tuple[int, int, bool]]:
    with get_pool().connection() as conn:
        return conn.execute("SELECT id, receive_count, dead FROM local_queue ORDER BY id").fetchall()


def _make_visible() -> None:
    with get_pool().connection() as conn:
        conn.execute("UPDATE local_queue SET visible_at = now()")


def _failing(body: str, events: list[dict], contexts: list[Any]) -> Any:
    def handler(event: dict, context: Any) -> dict:
        events.append(event)
        contexts.append(context)
        failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == body]
        return {"batchItemFailures": failures}

    return handler


def test_successes_are_deleted_failures_retried_then_dead(queue_db: str) -> None:
    LocalQueue().send(["one", "two", "three"])
    poison = _rows()[1][0]
    events: list[dict] = []
    contexts: list[Any] = []
    worker = LocalQueueWorker(_failing("two", events, contexts), max_receives=3)

    assert worker.run_once() == 3
    records = events[0]["Records"]
    assert [r["body"] for r in records] == ["one", "two", "three"]
    record = records[0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == QUEUE_ARN
    assert record["awsRegion"] == "us-east-1" and record["messageAttributes"] == {}
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert set(record["attributes"]) == {
        "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
    }  # fmt: skip
    assert abs(int(record["attributes"]["SentTimestamp"]) / 1000 - time.time()) < 60
    assert record["md5OfBody"] == "f97c5d29941bfb1b2fdab0874906ab82"  # md5("one")
    assert records[1]["messageId"] == str(poison) and record["receiptHandle"]
    context = contexts[0]
    assert isinstance(context, LocalLambdaContext) and context.function_name == "codetime-writer"
    assert context.get_remaining_time_in_millis() > 0

    assert _rows() == [(poison, 1, False)]  # the two successes are gone
    assert worker.run_once() == 0  # the failure is not visible again yet (2 s backoff)
    for expected in (2, 3):
        _make_visible()
        assert worker.run_once() == 1
        assert events[-1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == str(expected)
    assert _rows() == [(poison, 3, True)]  # in the local dead-letter queue
    _make_visible()
    assert worker.run_once() == 0  # dead messages are never delivered again


def test_a_raising_handler_keeps_every_message(queue_db: str) -> None:
    LocalQueue().send(["a", "b"])

    def handler(event: dict, context: Any) -> dict:
        raise RuntimeError("database down")

    assert LocalQueueWorker(handler).run_once() == 2
    assert [(n, d) for _, n, d in _rows()] == [(1, False), (1, False)]
    with get_pool().connection() as conn:
        hidden = conn.execute("SELECT bool_and(visible_at > now()) FROM local_queue").fetchone()[0]
    assert hidden  # retried after the backoff, not in a tight loop


def test_an_unknown_failure_id_fails_the_whole_batch(queue_db: str) -> None:
    LocalQueue().send(["a", "b"])
    worker = LocalQueueWorker(lambda e, c: {"batchItemFailures": [{"itemIdentifier": "no-such-message"}]})
    assert worker.run_once() == 2
    assert [n for _, n, _ in _rows()] == [1, 1]  # what Lambda does with an invalid partial-failure response


def test_background_worker_delivers_within_a_second_or_two(queue_db: str) -> None:
    seen: list[str] = []
    worker = LocalQueueWorker(lambda e, c: seen.extend(r["body"] for r in e["Records"]) or {})  # default polling
    worker.start()
    try:
        time.sleep(0.1)  # let the worker go idle first, so delivery depends on polling
        LocalQueue().send(["hello"])
        sent = time.monotonic()
        while not seen and time.monotonic() - sent < 5:
            time.sleep(0.02)
        latency = time.monotonic() - sent
        assert seen == ["hello"]
        assert latency < 2, f"delivered after {latency:.2f} s"
    finally:
        stopping = time.monotonic()
        worker.stop()
    assert time.monotonic() - stopping < 2
    assert _rows() == []


# ---------------------------------------------------- migrations ----------------------------------------------------


def test_migrations_are_idempotent(any_db_env: str) -> None:
    with psycopg.connect(any_db_env) as conn:
        assert migrate(conn, timescale="timescale" in any_db_env or False) == []
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'heartbeats'")}
    assert versions[:3] == ["0001_core", "0002_timescale", "0002b_hypertable_indexes"]
    assert versions == [name for name, _ in _migration_files()]
    # Only the dedup index: create_hypertable's default time index costs every write and serves no query.
    assert indexes == {"heartbeats_dedup"}
