"""The live protocol's message handling without servers: parsing, server messages, the in-memory registry, the
message handler's answers to pings and bad messages, and publishing's guarantees (budget, never raising)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import pytest

from codetime.connections import Connection, Live, MemoryRegistry, QueueSender, Subscription, decode_deliveries
from codetime.domain import live as protocol
from codetime.services import live as service


class Recorder:
    """A sender that keeps what it was given (`gone`: connections that no longer exist)."""

    def __init__(self, gone: set[str] | None = None, fail: bool = False) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.gone, self.fail, self.flushes = gone or set(), fail, 0

    def send(self, connection_id: str, text: str) -> bool:
        if self.fail:
            raise ConnectionError("boom")
        if connection_id in self.gone:
            return False
        self.sent.append((connection_id, json.loads(text)))
        return True

    def flush(self) -> None:
        self.flushes += 1


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "JSON objects"), ("nope", "JSON objects"), ("42", "JSON objects"), ('"ping"', "JSON objects"),
        ("null", "JSON objects"), ('{"type": 1}', "Unknown message type"), ('{"channel": "user.today"}', "type"),
        ('{"type": "subscribe", "channel": 7}', "Unknown channel"),
        ('{"type": "unsubscribe", "channel": "users.today"}', "Unknown channel"),
        ('{"type": "subscribe", "channel": "user.today", "filters": "x"}', "filters must be an object"),
        ('{"type": "subscribe", "channel": "user.heartbeats", "filters": {"project": 3}}', "non-empty string"),
        ('{"type": "subscribe", "channel": "user.heartbeats", "filters": {"project": "a\\u0000b"}}', "non-empty"),
        ('{"type": "subscribe", "channel": "user.heartbeats", "filters": {"language": "Go"}}', "Unknown filter"),
        ('{"type": "subscribe", "channel": "org.presence", "filters": {}}', "needs the filter 'org'"),
        ("[" * 5000 + "]" * 5000, "too large"),
        ("[" * 4000 + "]" * 4000, "JSON objects"),  # deep nesting inside the size limit: refused, no crash
    ],
)  # fmt: skip
def test_bad_messages_name_the_problem(text: str, error: str) -> None:
    with pytest.raises(protocol.LiveMessageError, match=error):
        protocol.parse_message(text)


def test_good_messages() -> None:
    assert protocol.parse_message('{"type": "ping"}') == protocol.Command("ping")
    assert protocol.parse_message(b'{"type": "ping", "extra": 1}') == protocol.Command("ping")
    assert protocol.parse_message('{"type": "unsubscribe", "channel": "user.goals"}') == protocol.Command(
        "unsubscribe", "user.goals"
    )
    command = protocol.parse_message('{"type": "subscribe", "channel": "user.heartbeats", "filters": {"project": "x"}}')
    assert command == protocol.Command("subscribe", "user.heartbeats", {"project": "x"})
    assert protocol.parse_message('{"type": "subscribe", "channel": "user.today", "filters": null}').filters == {}


def test_server_messages_have_the_documented_shapes() -> None:
    event = json.loads(protocol.event("statusbar.today", "user.today", {"a": 1}))
    assert set(event) == {"type", "channel", "data", "at"} and event["at"].endswith("Z")
    assert json.loads(protocol.error("bad")) == {"type": "error", "error": "bad"}
    assert json.loads(protocol.PONG) == {"type": "pong"}
    view = protocol.heartbeat_view("p", "Python", "vim", "C:\\Users\\ada\\src\\main.py", 1_800_000_000.5)
    assert view == {"project": "p", "language": "Python", "editor": "vim", "entity": "main.py",
                    "time": "2027-01-15T08:00:00.500Z"}  # fmt: skip
    assert protocol.heartbeat_view(None, None, None, "/srv/app/", 0)["entity"] == "app"


def test_subprotocol_credential_form() -> None:
    assert protocol.subprotocol_credential("codetime, waka_abc") == "waka_abc"
    assert protocol.subprotocol_credential("codetime,a.b.c") == "a.b.c"
    for header in (None, "", "codetime", "waka_abc", "graphql-ws, waka_abc", "codetime, a, b"):
        assert protocol.subprotocol_credential(header) is None, header


def test_memory_registry_semantics() -> None:
    registry = MemoryRegistry()
    future = int(time.time()) + 60
    registry.add(Connection("c1", "u1", False, future))
    registry.add(Connection("c2", "u1", True, future))
    registry.add(Connection("old", "u1", False, int(time.time()) - 1))  # expired: invisible
    assert registry.count("u1") == 2 and registry.get("old") is None and registry.get("c2").read_only
    registry.subscribe(Subscription("c1", "user.today", "user#u1"), future)
    registry.subscribe(Subscription("c2", "user.heartbeats", "user#u1", {"project": "x"}), future)
    registry.subscribe(Subscription("gone", "user.today", "user#u1"), future)  # unknown connection: ignored
    assert {(s.connection_id, s.channel) for s in registry.subscribers("user#u1")} == {
        ("c1", "user.today"), ("c2", "user.heartbeats")}  # fmt: skip
    registry.unsubscribe("c1", "user.today")
    registry.remove("c2")
    assert registry.subscribers("user#u1") == [] and registry.count("u1") == 1
    assert registry.claim("u1", "heartbeat", 5, 100.0) and not registry.claim("u1", "heartbeat", 5, 104.0)
    assert registry.claim("u1", "heartbeat", 5, 105.0)
    assert registry.swap("u1", "goals", {"g": "pending"}) is None
    assert registry.swap("u1", "goals", {"g": "success"}) == {"g": "pending"}


def _live(sender: Recorder) -> Live:
    live = Live(MemoryRegistry(), sender)
    live.registry.add(Connection("c1", str(uuid.uuid4()), False, int(time.time()) + 60))
    return live


def test_ping_and_bad_messages_are_answered_and_flushed() -> None:
    sender = Recorder()
    live = _live(sender)
    service.handle_message(live, "c1", '{"type": "ping"}')
    service.handle_message(live, "c1", "{")
    service.handle_message(live, "c1", '{"type": "unsubscribe", "channel": "user.today"}')
    assert [m for _, m in sender.sent][:2] == [{"type": "pong"}, {"type": "error", "error": "Messages must be JSON "
                                                                                            "objects."}]  # fmt: skip
    assert sender.sent[2][1]["type"] == "unsubscribed" and sender.sent[2][1]["channel"] == "user.today"
    assert sender.flushes == 3
    service.handle_message(live, "unknown", '{"type": "ping"}')
    assert sender.sent[-1] == ("unknown", {"type": "error", "error": "Unknown or expired connection; reconnect."})


def test_a_gone_connection_is_removed_when_answered() -> None:
    sender = Recorder(gone={"c1"})
    live = _live(sender)
    service.handle_message(live, "c1", '{"type": "ping"}')
    assert live.registry.get("c1") is None


def test_publish_changes_never_raises_and_keeps_to_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from codetime.config import get_settings

    user = uuid.uuid4()
    live = _live(Recorder(fail=True))
    live.registry.subscribe(Subscription("c1", "user.today", f"user#{user}"), int(time.time()) + 60)
    # The user cannot be loaded here (no database): counted as an error, nothing raised.
    monkeypatch.setenv("DATABASE_URL", "postgresql://127.0.0.1:1/none?connect_timeout=1")
    monkeypatch.setenv("CODETIME_DB_POOL_TIMEOUT_SECONDS", "1")
    get_settings.cache_clear()
    try:
        result = service.publish_changes(live, [protocol.Change(user, {date.today()})])
        assert result.errors == 1 and result.sent == 0
        monkeypatch.setenv("CODETIME_LIVE_PUBLISH_BUDGET_MS", "0")
        get_settings.cache_clear()
        changes = [protocol.Change(uuid.uuid4(), {date.today()}), protocol.Change(user, {date.today()})]
        result = service.publish_changes(live, changes)
        assert result.skipped_users == 2 and result.errors == 0
    finally:
        from codetime.lifecycle import reset_clients

        reset_clients()


def test_the_writers_hand_off_is_one_call_and_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    from codetime import connections

    handed: list[str] = []

    class Target:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def put(self, body: str) -> None:
            if self.fail:
                raise TimeoutError("queue away")
            handed.append(body)

    user, day = uuid.uuid4(), date(2027, 3, 27)
    latest = {user: protocol.Latest(1_800_000_000.0, "a.py", "p", "Python", None)}
    connections.stop_local()
    assert service.publish({user: {day}}, latest)  # nowhere to hand over: nothing to do
    connections.use_local(Recorder(), Target(fail=False))
    try:
        assert service.publish({user: {day}}, latest) and len(handed) == 1
        [change] = protocol.decode_changes(handed)
        assert change == protocol.Change(user, {day}, latest[user])
        connections.use_local(Recorder(), Target(fail=True))
        assert service.publish({user: {day}}, latest) is False  # logged and counted, never raised
    finally:
        connections.stop_local()


def test_changes_are_merged_per_user() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    first = protocol.encode_changes({a: [date(2027, 3, 27)]}, {a: protocol.Latest(10.0, "x.py")})
    second = protocol.encode_changes(
        {a: [date(2027, 3, 28)], b: [date(2027, 3, 28)]}, {a: protocol.Latest(20.0, "y.py")}
    )
    merged = {c.user_id: c for c in protocol.decode_changes([first, second])}
    assert merged[a].days == {date(2027, 3, 27), date(2027, 3, 28)} and merged[a].latest.entity == "y.py"
    assert merged[b].latest is None


def test_queue_sender_packs_messages_under_the_sqs_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    bodies: list[str] = []

    class FakeSqs:
        def send_message(self, QueueUrl: str, MessageBody: str) -> None:  # noqa: N803 (boto3's names)
            bodies.append(MessageBody)

    monkeypatch.setattr("codetime.connections.aws_client", lambda service: FakeSqs())
    sender = QueueSender("https://sqs.example/q")
    big = "x" * 50_000
    for i in range(9):
        assert sender.send(f"c{i}", json.dumps({"type": "e", "data": big}))
    sender.flush()
    sender.flush()  # nothing pending: nothing sent
    assert len(bodies) == 3 and all(len(b.encode()) < 256 * 1024 for b in bodies)
    delivered = [pair for body in bodies for pair in decode_deliveries(body)]
    assert [cid for cid, _ in delivered] == [f"c{i}" for i in range(9)]


def test_the_connection_cap_holds_under_concurrent_connects_on_a_slow_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten connects at once against a cap of three, on a registry whose reads and writes take time (as a network
    store's do): exactly three are admitted. A count followed by an add would admit all ten."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from codetime.config import get_settings
    from codetime.services.auth import Principal

    class SlowRegistry(MemoryRegistry):
        def count(self, user_id: str) -> int:
            time.sleep(0.02)
            return super().count(user_id)

        def add(self, connection: Connection) -> None:
            time.sleep(0.02)
            super().add(connection)

    user = SimpleNamespace(id=uuid.uuid4())  # connect reads only the id
    monkeypatch.setattr(service, "authenticate", lambda credential: Principal(user=user, key_id=uuid.uuid4()))
    monkeypatch.setenv("CODETIME_LIVE_MAX_CONNECTIONS", "3")
    get_settings.cache_clear()
    live = Live(SlowRegistry(), Recorder())
    barrier = threading.Barrier(10)

    def connect(i: int) -> bool:
        barrier.wait()
        try:
            service.connect(live, f"c{i}", "key")
        except service.TooManyConnections:
            return False
        return True

    try:
        with ThreadPoolExecutor(10) as pool:
            admitted = list(pool.map(connect, range(10)))
    finally:
        get_settings.cache_clear()
    assert admitted.count(True) == 3 and live.registry.count(str(user.id)) == 3
    assert {c.key_id for c in live.registry.connections(str(user.id))} != {None}  # each knows its key
