from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NoReturn

import pytest

from servers import PostgresServer, RedisServer

# ------------------------------------------------------------------------------------------------------------
# Real servers (PostgreSQL/TimescaleDB, Redis), started lazily: only when a test requests these fixtures.
# With CI set (or CODETIME_REQUIRE_SERVERS=1) a server that cannot start FAILS the tests; otherwise they skip.
# ------------------------------------------------------------------------------------------------------------


def servers_required() -> bool:
    """True when missing servers must fail the run instead of skipping (CI or CODETIME_REQUIRE_SERVERS=1)."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or os.environ.get("CODETIME_REQUIRE_SERVERS") == "1"


def _unavailable(what: str, exc: BaseException) -> NoReturn:
    message = f"{what} unavailable: {exc}"
    if servers_required():
        pytest.fail(f"{message} (servers are required: CI / CODETIME_REQUIRE_SERVERS=1)", pytrace=False)
    pytest.skip(f"{message} (set CI or CODETIME_REQUIRE_SERVERS=1 to make this an error)")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL cluster (TimescaleDB preloaded when installed) for the whole session."""
    try:
        server = PostgresServer()
        server.start()
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def timescale_dsn(pg_server: PostgresServer) -> str:
    """DSN of a fresh database with the timescaledb extension, created once per session."""
    try:
        return pg_server.create_database("codetime_test_timescale", timescale=True)
    except Exception as exc:
        _unavailable("TimescaleDB", exc)


@pytest.fixture(scope="session")
def plain_pg_dsn(pg_server: PostgresServer) -> str:
    """DSN of a fresh database without TimescaleDB, created once per session."""
    try:
        return pg_server.create_database("codetime_test_plain", timescale=False)
    except Exception as exc:
        _unavailable("PostgreSQL database", exc)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One throwaway redis-server for the whole session (tests that stop() it must start() it again)."""
    try:
        server = RedisServer()
        server.start()
    except Exception as exc:
        _unavailable("Redis", exc)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    """``redis://127.0.0.1:PORT/0`` of the session Redis."""
    return redis_server.url


# -------------------------------------------- end of real servers ------------------------------------------


# ------------------------------------------------------------------------------------------------------------
# Application environments: the real package pointed at the session's servers (and moto for AWS).
# ------------------------------------------------------------------------------------------------------------

TEST_PEPPER = "test-pepper-not-a-secret"
_TABLES = (
    "api_keys, users, heartbeats, daily_totals, daily_entity_totals, daily_dependency_totals, daily_activity, "
    "local_queue, goals"
)


def _migrated(dsn: str, timescale: bool) -> str:
    import psycopg

    from codetime.db.migrate import migrate

    with psycopg.connect(dsn) as conn:
        migrate(conn, timescale=timescale)
    return dsn


@pytest.fixture(scope="session")
def migrated_timescale(timescale_dsn: str) -> str:
    return _migrated(timescale_dsn, True)


@pytest.fixture(scope="session")
def migrated_plain(plain_pg_dsn: str) -> str:
    return _migrated(plain_pg_dsn, False)


def _use_database(dsn: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    import psycopg

    from codetime.clients import reset_clients

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {_TABLES}")
    for name in ("REDIS_URL", "SQS_QUEUE_URL", "DATABASE_SECRET_ARN", "CODETIME_KEY_PEPPER_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", dsn)
    monkeypatch.setenv("CODETIME_KEY_PEPPER", TEST_PEPPER)
    monkeypatch.setenv("CODETIME_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "CodeTimeTest")
    reset_clients()
    yield dsn
    reset_clients()


@pytest.fixture
def db_env(migrated_timescale: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The package configured against the TimescaleDB database (emptied), no Redis, no SQS."""
    yield from _use_database(migrated_timescale, monkeypatch, tmp_path)


@pytest.fixture(params=["timescale", "plain"])
def any_db_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """As db_env, once on TimescaleDB and once on plain PostgreSQL."""
    dsn = request.getfixturevalue("migrated_timescale" if request.param == "timescale" else "migrated_plain")
    yield from _use_database(dsn, monkeypatch, tmp_path)


@pytest.fixture
def redis_env(db_env: str, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """db_env plus the session's real Redis (flushed)."""
    import redis

    from codetime.clients import reset_clients

    redis.Redis.from_url(redis_url).flushdb()
    monkeypatch.setenv("REDIS_URL", redis_url)
    reset_clients()
    yield redis_url
    reset_clients()


class SqsHarness:
    """moto-served SQS queue + DLQ, drained into the real writer handler the way Lambda's event source does."""

    def __init__(self, queue_url: str, dlq_url: str, queue_arn: str) -> None:
        self.queue_url, self.dlq_url, self.queue_arn = queue_url, dlq_url, queue_arn

    @property
    def client(self):  # type: ignore[no-untyped-def]
        from codetime.clients import aws_client

        return aws_client("sqs")

    def receive(self, url: str | None = None, max_messages: int = 10) -> list[dict]:
        response = self.client.receive_message(
            QueueUrl=url or self.queue_url, MaxNumberOfMessages=max_messages, AttributeNames=["All"],
            VisibilityTimeout=0 if url else 1, WaitTimeSeconds=0,
        )  # fmt: skip
        return response.get("Messages", [])

    def depth(self, url: str | None = None) -> int:
        attrs = self.client.get_queue_attributes(
            QueueUrl=url or self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    def drain(self, max_rounds: int = 100) -> list[dict]:
        """Deliver every queued message to functions.writer.handler; returns the handler responses."""
        from functions.writer import handler
        from harness import invoke, sqs_event

        responses = []
        for _ in range(max_rounds):
            messages = self.receive()
            if not messages:
                break
            response = invoke(handler, sqs_event(messages, self.queue_arn), "codetime-writer")
            responses.append(response)
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                self.client.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
        return responses


@pytest.fixture
def sqs(db_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqsHarness]:
    """db_env plus a moto SQS queue (redrive to a DLQ after 3 receives) set as SQS_QUEUE_URL."""
    import json

    from moto import mock_aws

    from codetime.clients import aws_client, reset_clients

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        reset_clients()
        client = aws_client("sqs")
        dlq_url = client.create_queue(QueueName="codetime-heartbeats-dlq")["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_url = client.create_queue(
            QueueName="codetime-heartbeats",
            Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})},
        )["QueueUrl"]
        queue_arn = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        monkeypatch.setenv("SQS_QUEUE_URL", queue_url)
        reset_clients()
        yield SqsHarness(queue_url, dlq_url, queue_arn)
    reset_clients()


class LiveServer:
    """The local app on a free loopback port, with the local queue delivering to the real writer handler."""

    def __init__(self, base_url: str, worker) -> None:  # type: ignore[no-untyped-def]
        self.base_url, self.worker = base_url, worker

    def wait_for_queue(self, timeout: float = 15.0) -> None:
        import time

        from codetime.db import get_pool

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with get_pool().connection() as conn:
                if conn.execute("SELECT count(*) FROM local_queue WHERE NOT dead").fetchone()[0] == 0:
                    return
            time.sleep(0.1)
        raise AssertionError("local queue was not drained in time")


@pytest.fixture
def live_server(db_env: str) -> Iterator[LiveServer]:
    import threading
    import time

    import uvicorn

    from codetime.api.app import create_local_app
    from codetime.local.queue_worker import LocalQueueWorker
    from functions.writer import handler as writer_handler
    from servers import free_port

    worker = LocalQueueWorker(writer_handler, poll_interval=0.1)
    worker.start()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_local_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", worker)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        worker.stop()
