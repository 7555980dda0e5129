from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import fake_clock
import pytest

from localstack_server import LocalStackServer
from servers import PostgresServer, RedisServer


def pytest_configure(config: pytest.Config) -> None:
    # `make test-fake-now`: this process's wall clock moves by CODETIME_TEST_CLOCK_OFFSET (see fake_clock.py).
    fake_clock.start()


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
    "daily_summaries, daily_ai_totals, user_agents, "
    "local_queue, report_deliveries, reports, report_settings, ops_status, user_rules, jobs, goals, "
    "confirmation_codes, "
    "leaderboard_totals, leaderboard_users"
)
_TABLES += ", organizations, org_members, org_invites, org_dashboards, org_dashboard_members"  # teams (issue 12)


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

    from codetime.lifecycle import reset_clients

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

    from codetime.lifecycle import reset_clients

    redis.Redis.from_url(redis_url).flushdb()
    monkeypatch.setenv("REDIS_URL", redis_url)
    reset_clients()
    yield redis_url
    reset_clients()


# ------------------------------------------------------------------------------------------------------------
# AWS APIs: moto in-process (default), or LocalStack (`--aws=localstack`, `make test-localstack`): the same tests
# against a second, independent implementation of SQS, Secrets Manager and EventBridge.
# ------------------------------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--aws", choices=("moto", "localstack"), default=os.environ.get("CODETIME_AWS") or "moto",
        help="what serves the AWS APIs in tests using the aws_apis fixture (LocalStack: only those tests run)",
    )  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--aws") == "localstack":
        # The LocalStack tier runs exactly the tests that talk to AWS APIs.
        # Except what LocalStack's free build does not serve (API Gateway v2: WebSocket APIs): `moto_only`.
        keep = [
            item for item in items
            if "aws_apis" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("moto_only")
        ]  # fmt: skip
    else:
        # What only LocalStack can do (e.g. fire schedules) runs in the LocalStack tier, which `make test` runs too.
        keep = [item for item in items if not item.get_closest_marker("localstack_only")]
    dropped = [item for item in items if item not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


@pytest.fixture(scope="session")
def localstack_server() -> Iterator[LocalStackServer]:
    """LocalStack on a free loopback port (or the one at AWS_ENDPOINT_URL); stopped at the end of the session."""
    server = LocalStackServer()
    try:
        server.start()
    except Exception as exc:
        server.stop()
        _unavailable("LocalStack", exc)
    try:
        yield server
    finally:
        server.stop()


class AwsApis:
    """The AWS endpoint of one test: resources get unique names and are deleted afterwards (LocalStack is shared)."""

    def __init__(self, backend: str, endpoint: str | None) -> None:
        self.backend, self.endpoint = backend, endpoint
        self.suffix = uuid.uuid4().hex[:8]
        self._cleanups: list[Callable[[], object]] = []

    def client(self, service: str):  # type: ignore[no-untyped-def]
        from codetime.clients import aws_client

        return aws_client(service)

    def name(self, base: str) -> str:
        return f"{base}-{self.suffix}"

    def create_queue(self, base: str, **attributes: str) -> tuple[str, str]:
        """A queue (SSE on, as deployed); returns (url, arn)."""
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=self.name(base), Attributes={"SqsManagedSseEnabled": "true", **attributes})[
            "QueueUrl"
        ]
        self._cleanups.append(lambda: sqs.delete_queue(QueueUrl=url))
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def create_secret(self, base: str, value: str) -> str:
        """A Secrets Manager secret; returns its ARN."""
        client = self.client("secretsmanager")
        arn = client.create_secret(Name=self.name(base), SecretString=value)["ARN"]
        self._cleanups.append(lambda: client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True))
        return arn

    def create_rule(self, base: str, **kwargs: Any) -> str:
        """An EventBridge rule on the default bus; returns its ARN (its targets are removed with it)."""
        client = self.client("events")
        name = self.name(base)
        arn = client.put_rule(Name=name, **kwargs)["RuleArn"]

        def delete() -> None:
            targets = client.list_targets_by_rule(Rule=name)["Targets"]
            if targets:
                client.remove_targets(Rule=name, Ids=[t["Id"] for t in targets])
            client.delete_rule(Name=name)

        self._cleanups.append(delete)
        return arn

    def on_cleanup(self, cleanup: Callable[[], object]) -> None:
        """Run `cleanup` after the test (LocalStack only; moto forgets everything anyway)."""
        self._cleanups.append(cleanup)

    def cleanup(self) -> None:
        for cleanup in reversed(self._cleanups):
            with contextlib.suppress(Exception):  # e.g. a test deleted the queue itself
                cleanup()
        self._cleanups.clear()


@pytest.fixture
def aws_apis(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsApis]:
    """AWS APIs for one test, from moto or LocalStack (`--aws`); codetime.clients' boto3 clients point at them."""
    from codetime.lifecycle import reset_clients

    backend = request.config.getoption("--aws")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    if backend == "localstack":
        server: LocalStackServer = request.getfixturevalue("localstack_server")
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)
        reset_clients()
        apis = AwsApis(backend, server.endpoint)
        try:
            yield apis
        finally:
            apis.cleanup()
            reset_clients()
        return
    from moto import mock_aws

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        reset_clients()
        yield AwsApis(backend, None)
    reset_clients()


class SqsHarness:
    """SQS queue + DLQ (moto or LocalStack), drained into the real writer handler the way Lambda's event source does."""

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
def sqs(db_env: str, aws_apis: AwsApis, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqsHarness]:
    """db_env plus an SQS queue (redrive to a DLQ after 3 receives) set as SQS_QUEUE_URL, and the database DSN and
    key pepper moved into Secrets Manager (DATABASE_SECRET_ARN, CODETIME_KEY_PEPPER_SECRET_ARN), as deployed."""
    import json

    from codetime.lifecycle import reset_clients

    dlq_url, dlq_arn = aws_apis.create_queue("codetime-heartbeats-dlq")
    queue_url, queue_arn = aws_apis.create_queue(
        "codetime-heartbeats", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
    )
    monkeypatch.setenv("SQS_QUEUE_URL", queue_url)
    monkeypatch.setenv("DATABASE_SECRET_ARN", aws_apis.create_secret("codetime/database", db_env))
    monkeypatch.setenv("CODETIME_KEY_PEPPER_SECRET_ARN", aws_apis.create_secret("codetime/key-pepper", TEST_PEPPER))
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("CODETIME_KEY_PEPPER")
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
