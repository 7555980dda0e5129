"""The CLI's one local runtime: whatever a command does (returns, fails, raises), the embedded PostgreSQL it
started is stopped again. No servers: the embedded PostgreSQL, the migrations and the client resets are fakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from codetime import cli, lifecycle
from codetime.cli import runtime
from codetime.local import embedded_pg


class FakeEmbedded:
    instances: list[FakeEmbedded] = []

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.events = data_dir, ["created"]
        FakeEmbedded.instances.append(self)

    def start(self) -> str:
        self.events.append("start")
        return "postgresql://fake/codetime"

    def supervise(self) -> None:
        self.events.append("supervise")

    def stop(self) -> None:
        self.events.append("stop")


@pytest.fixture
def fake_runtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[FakeEmbedded]:
    FakeEmbedded.instances = []
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_SECRET_ARN", raising=False)
    monkeypatch.delenv("POWERTOOLS_LOG_LEVEL", raising=False)  # main() sets it; restored afterwards
    monkeypatch.setenv("CODETIME_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(embedded_pg, "EmbeddedPostgres", FakeEmbedded)
    monkeypatch.setattr(lifecycle, "reset_clients", lambda: None)
    monkeypatch.setattr(runtime, "migrate", lambda: [])
    return FakeEmbedded.instances


def test_the_runtime_is_stopped_when_the_command_raises(fake_runtime: list[FakeEmbedded]) -> None:
    with pytest.raises(RuntimeError, match="boom"), runtime.local_runtime() as local:
        assert local.embedded is fake_runtime[0] and local.data_dir.name == "data"
        raise RuntimeError("boom")
    assert fake_runtime[0].events == ["created", "start", "stop"]


def test_a_command_that_raises_through_main_stops_the_runtime(fake_runtime: list[FakeEmbedded], tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        cli.main(["invoke", "writer", str(tmp_path / "missing-event.json")])
    assert [embedded.events for embedded in fake_runtime] == [["created", "start", "stop"]]


def test_the_runtime_is_stopped_when_migrations_fail(
    fake_runtime: list[FakeEmbedded], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> list[str]:
        raise OSError("migration failed")

    monkeypatch.setattr(runtime, "migrate", broken)
    with pytest.raises(OSError, match="migration failed"), runtime.local_runtime(supervise=True):
        pytest.fail("the command must not run on an unmigrated database")
    assert fake_runtime[0].events == ["created", "start", "stop"]


def test_a_database_url_starts_no_embedded_server(
    fake_runtime: list[FakeEmbedded], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/codetime")
    with runtime.local_runtime() as local:
        assert local.embedded is None
    assert fake_runtime == []
