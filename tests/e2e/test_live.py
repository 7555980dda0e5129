"""Live updates against `codetime dev` (a subprocess, as a person runs it) with a real WebSocket client (websockets).

One server for the module: every auth form, subscriptions, heartbeats posted through the API and the events they
cause (statusbar.today equal to the REST answer, the coalesced heartbeat, goal progress), bad messages, refused
subscriptions, and isolation between users.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fake_clock
import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from harness import start_of_today
from servers import free_port, start_dev, stop_dev

pytestmark = pytest.mark.e2e
CODETIME = str(Path(sys.executable).parent / "codetime")
ADA_KEY = "waka_5d0c1f6a-7b8e-4c9d-8e1f-2a3b4c5d6e7f"
BOB_KEY = "waka_6e1d2a7b-8c9f-4d0e-9f2a-3b4c5d6e7f80"
WAIT = 15.0  # seconds an expected event may take (the local queue polls every 0.5 s)


class Dev:
    data_dir: Path

    def __init__(self, base: str, dev_key: str, token: str, read_only_key: str) -> None:
        self.base, self.dev_key, self.token, self.read_only_key = base, dev_key, token, read_only_key
        self.ws = base.replace("http://", "ws://") + "/api/v1/live"

    def post(self, key: str, beats: list[dict[str, Any]]) -> None:
        response = httpx.post(f"{self.base}/api/v1/users/current/heartbeats.bulk", json=beats, auth=(key, ""),
                              timeout=10)  # fmt: skip
        assert response.status_code == 202, response.text

    def statusbar(self, key: str) -> dict[str, Any]:
        response = httpx.get(f"{self.base}/api/v1/users/current/statusbar/today", auth=(key, ""), timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["data"]


def _cli(args: list[str], data_dir: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CODETIME_DATA_DIR"] = str(data_dir)
    done = subprocess.run(fake_clock.command([CODETIME, *args]), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    data_dir = tmp_path_factory.mktemp("live") / "data"
    # A coalescing interval no slow machine can outrun, so "within the interval" is certain in the test.
    os.environ["CODETIME_LIVE_HEARTBEAT_INTERVAL"] = "30"
    try:
        proc, base, key = start_dev(data_dir, free_port())
    finally:
        del os.environ["CODETIME_LIVE_HEARTBEAT_INTERVAL"]
    try:
        _cli(["users", "create", "--email", "ada@example.com", "--api-key", ADA_KEY], data_dir)
        _cli(["users", "create", "--email", "bob@example.com", "--api-key", BOB_KEY], data_dir)
        token = _cli(["token", "--email", "ada@example.com"], data_dir)
        issued = httpx.post(f"{base}/api/v1/auth/key", json={"label": "dashboard", "read_only": True},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
        assert issued.status_code == 201, issued.text
        found = Dev(base, key, token, issued.json()["data"]["key"])
        found.data_dir = data_dir  # for the CLI (users of the tests' own)
        yield found
    finally:
        stop_dev(proc)


@pytest.fixture(autouse=True)
def _same_day() -> None:
    """Each test runs within one UTC day (a midnight due in the next two minutes is waited out first): snapshots
    and REST answers of "today" are compared."""
    start_of_today("UTC")


def _today_beats(count: int, project: str = "demo", step: float = 30.0, **extra: Any) -> list[dict[str, Any]]:
    """Heartbeats of today (the users' timezone is UTC), ending now, at most `count * step` seconds back."""
    first = max(start_of_today("UTC") + 1, time.time() - count * step)
    return [
        {"entity": f"/home/ada/{project}/src/main.py", "type": "file", "time": first + i * step / 2,
         "project": project, "language": "Python", **extra}
        for i in range(count)
    ]  # fmt: skip


async def _recv(ws: Any, timeout: float = WAIT) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def _until(ws: Any, kind: str, timeout: float = WAIT) -> dict[str, Any]:
    """The next message of type `kind`, skipping others."""
    deadline = time.monotonic() + timeout
    while True:
        message = await _recv(ws, max(0.1, deadline - time.monotonic()))
        if message["type"] == kind:
            return message


async def _send(ws: Any, message: dict[str, Any] | str) -> dict[str, Any]:
    await ws.send(message if isinstance(message, str) else json.dumps(message))
    return await _recv(ws)


async def _subscribe(ws: Any, channel: str, **filters: str) -> dict[str, Any]:
    ack = await _send(ws, {"type": "subscribe", "channel": channel, "filters": filters})
    assert ack["type"] == "subscribed" and ack["channel"] == channel and ack["data"] == {"filters": filters}, ack
    return ack


def run(coroutine: Any) -> Any:
    """Run on a loop of its own. Not asyncio.run: it leaves the main thread without a current event loop, and the
    tests after this module call handlers through Mangum, which asks for one."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def test_refused_connections_get_http_401(dev: Dev) -> None:
    async def status(url: str, **kwargs: Any) -> int:
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(url, open_timeout=10, **kwargs):
                pass
        return refused.value.response.status_code

    async def main() -> None:
        assert await status(dev.ws) == 401
        assert await status(dev.ws + "?api_key=waka_00000000-0000-4000-8000-000000000000") == 401
        assert await status(dev.ws + "?api_key=not-a-key") == 401
        assert await status(dev.ws + "?token=a.b.c") == 401
        assert await status(dev.ws, subprotocols=["codetime", "waka_00000000-0000-4000-8000-000000000000"]) == 401

    run(main())


def test_each_auth_form_connects_and_answers_ping(dev: Dev) -> None:
    async def main() -> None:
        forms = [
            ({"subprotocols": ["codetime", ADA_KEY]}, ""),
            ({"subprotocols": ["codetime", dev.token]}, ""),
            ({}, f"?api_key={ADA_KEY}"),
            ({}, f"?token={dev.token}"),
            ({"subprotocols": ["codetime", dev.read_only_key]}, ""),  # read-only keys may subscribe
        ]
        for kwargs, query in forms:
            async with websockets.connect(dev.ws + query, open_timeout=10, **kwargs) as ws:
                assert ws.subprotocol == ("codetime" if kwargs else None)
                assert await _send(ws, {"type": "ping"}) == {"type": "pong"}
                await _subscribe(ws, "user.today")
                snapshot = await _recv(ws)
                assert snapshot["type"] == "statusbar.today" and snapshot["data"] == dev.statusbar(ADA_KEY)

    run(main())


def test_bad_messages_get_errors_and_the_connection_stays_open(dev: Dev) -> None:
    bad = [
        ("not json", "JSON"),
        ("[1, 2]", "JSON objects"),
        (json.dumps({"type": "dance"}), "Unknown message type"),
        (json.dumps({"type": "subscribe"}), "Unknown channel"),
        (json.dumps({"type": "subscribe", "channel": "user.everything"}), "Unknown channel"),
        (json.dumps({"type": "subscribe", "channel": "user.today", "filters": {"colour": "red"}}), "Unknown filter"),
        (json.dumps({"type": "subscribe", "channel": "user.heartbeats", "filters": {"project": ""}}), "non-empty"),
        (json.dumps({"type": "subscribe", "channel": "user.heartbeats", "filters": ["x"]}), "object"),
        (json.dumps({"type": "subscribe", "channel": "org.presence"}), "needs the filter 'org'"),
        (json.dumps({"type": "ping", "pad": "x" * 9000}), "too large"),
        ("[" * 100_000 + "]" * 100_000, "too large"),
    ]

    async def main() -> None:
        async with websockets.connect(dev.ws, subprotocols=["codetime", ADA_KEY], open_timeout=10) as ws:
            for text, expected in bad:
                answer = await _send(ws, text)
                assert answer["type"] == "error" and expected in answer["error"], (text[:60], answer)
                assert set(answer) == {"type", "error"}
            assert await _send(ws, {"type": "ping"}) == {"type": "pong"}

    run(main())


def test_refused_subscriptions(dev: Dev) -> None:
    async def main() -> None:
        async with websockets.connect(dev.ws, subprotocols=["codetime", ADA_KEY], open_timeout=10) as ws:
            # Another user's channel, by username or id: refused, as REST refuses /users/bob/...
            for other in ("bob", "dev", "00000000-0000-4000-8000-000000000000"):
                answer = await _send(ws, {"type": "subscribe", "channel": "user.today", "filters": {"user": other}})
                assert answer["type"] == "error" and "your own channels" in answer["error"], answer
            # Organizations do not exist (yet): org.presence is refused, never silently accepted.
            answer = await _send(ws, {"type": "subscribe", "channel": "org.presence", "filters": {"org": "acme"}})
            assert answer["type"] == "error" and "org" in answer["error"].lower(), answer
            await _subscribe(ws, "user.today", user="current")
            assert (await _recv(ws))["type"] == "statusbar.today"
            assert await _send(ws, {"type": "ping"}) == {"type": "pong"}

    run(main())


def test_heartbeats_posted_through_the_api_push_statusbar_today_equal_to_rest(dev: Dev) -> None:
    async def main() -> None:
        async with (
            websockets.connect(dev.ws, subprotocols=["codetime", ADA_KEY], open_timeout=10) as ada,
            websockets.connect(dev.ws + f"?api_key={BOB_KEY}", open_timeout=10) as bob,
        ):
            await _subscribe(ada, "user.today")
            before = await _recv(ada)
            await _subscribe(bob, "user.today")
            bob_before = (await _recv(bob))["data"]
            dev.post(ADA_KEY, _today_beats(4))
            event = await _until(ada, "statusbar.today")
            assert event["channel"] == "user.today" and event["at"].endswith("Z")
            assert event["data"] == dev.statusbar(ADA_KEY)  # exactly the REST answer's data
            assert event["data"]["grand_total"]["total_seconds"] > before["data"]["grand_total"]["total_seconds"]
            # Bob hears nothing of Ada's heartbeats: his next message is the answer to his own ping.
            assert await _send(bob, {"type": "ping"}) == {"type": "pong"}
            assert dev.statusbar(BOB_KEY) == bob_before

            # Unsubscribed: no more events.
            assert (await _send(ada, {"type": "unsubscribe", "channel": "user.today"}))["type"] == "unsubscribed"
            dev.post(ADA_KEY, _today_beats(2, step=10))
            await asyncio.sleep(2.5)  # several queue polls: the write is done, and nothing was sent
            assert await _send(ada, {"type": "ping"}) == {"type": "pong"}

    run(main())


def test_user_heartbeats_coalesced_and_filtered_by_project(dev: Dev) -> None:
    async def main() -> None:
        async with (
            websockets.connect(dev.ws, subprotocols=["codetime", ADA_KEY], open_timeout=10) as everything,
            websockets.connect(dev.ws, subprotocols=["codetime", ADA_KEY], open_timeout=10) as other_project,
        ):
            await _subscribe(everything, "user.heartbeats")
            await _subscribe(other_project, "user.heartbeats", project="elsewhere")
            beats = _today_beats(3, project="livedemo")
            dev.post(ADA_KEY, beats)
            event = await _until(everything, "heartbeat")
            newest = max(beats, key=lambda b: b["time"])
            assert set(event["data"]) == {"project", "language", "editor", "entity", "time"}
            # The entity's basename only: the path stays on the machine.
            assert (event["data"]["project"], event["data"]["language"], event["data"]["entity"]) == (
                "livedemo",
                "Python",
                "main.py",
            )
            assert abs(_epoch(event["data"]["time"]) - newest["time"]) < 0.01
            # Coalesced: a second batch within the interval sends nothing more.
            dev.post(ADA_KEY, _today_beats(2, project="livedemo", step=8))
            await asyncio.sleep(2.5)
            assert await _send(everything, {"type": "ping"}) == {"type": "pong"}
            assert await _send(other_project, {"type": "ping"}) == {"type": "pong"}  # filtered out

    run(main())


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_goal_progress_and_reached(dev: Dev) -> None:
    created = httpx.post(f"{dev.base}/api/v1/users/current/goals", auth=(BOB_KEY, ""), timeout=10,
                         json={"seconds": 60, "delta": "day", "projects": ["goalie"]})  # fmt: skip
    assert created.status_code == 201, created.text
    goal_id = created.json()["data"]["id"]

    async def main() -> None:
        async with websockets.connect(dev.ws, subprotocols=["codetime", BOB_KEY], open_timeout=10) as ws:
            await _subscribe(ws, "user.goals")
            snapshot = await _until(ws, "goal.progress")
            assert snapshot["data"]["id"] == goal_id and snapshot["data"]["status"] == "pending"
            assert snapshot["data"]["actual_seconds"] == 0 and snapshot["data"]["goal_seconds"] == 60
            dev.post(BOB_KEY, _today_beats(5, project="goalie", step=40))  # 80 s: over the 60 s goal
            progress = await _until(ws, "goal.progress")
            assert progress["data"]["id"] == goal_id and progress["data"]["status"] == "success"
            assert progress["data"]["actual_seconds"] >= 60 and progress["data"]["percent"] == 100.0
            reached = await _recv(ws)
            assert reached["type"] == "goal.reached" and reached["data"] == progress["data"]
            # Reached once: more coding sends progress again, not another goal.reached.
            dev.post(BOB_KEY, _today_beats(2, project="goalie", step=4))
            assert (await _until(ws, "goal.progress"))["data"]["status"] == "success"
            assert await _send(ws, {"type": "ping"}) == {"type": "pong"}
            rest = httpx.get(f"{dev.base}/api/v1/users/current/goals/{goal_id}", auth=(BOB_KEY, ""), timeout=10)
            assert rest.json()["data"]["chart_data"][-1]["range_status"] == "success"

    run(main())


def test_two_terminals_the_legacy_cli_posts_and_the_socket_sees_the_time(dev: Dev, tmp_path: Path) -> None:
    """The issue's "done when": a WebSocket client on /api/v1/live, and the real legacy WakaTime CLI posting
    heartbeats to the api_url `codetime dev` prints; the time updates live."""
    from wakatime_cli import describe_run, ensure_legacy_cli, send_heartbeat

    ensure_legacy_cli()
    source = tmp_path / "main.py"
    source.write_text("print('live')\n")
    first = max(start_of_today("UTC") + 1, time.time() - 300)
    extra = [{"entity": str(source), "type": "file", "time": first + 90, "project": "terminals", "language": "Python"}]

    async def main() -> None:
        async with websockets.connect(dev.ws, subprotocols=["codetime", dev.dev_key], open_timeout=10) as ws:
            await _subscribe(ws, "user.today")
            before = (await _recv(ws))["data"]["grand_total"]["total_seconds"]
            # The legacy CLI refuses the waka_ prefix; the server takes the key in either spelling.
            key = dev.dev_key.removeprefix("waka_")
            run_cli = asyncio.get_running_loop().run_in_executor(None, lambda: send_heartbeat(
                f"{dev.base}/api/v1", key, str(source), time=first, project="terminals", language="Python",
                home=tmp_path / "home", extra_heartbeats=extra))  # fmt: skip
            finished = await run_cli  # the socket buffers what arrives meanwhile
            assert finished.returncode == 0, describe_run(finished, tmp_path / "home")
            event = await _until(ws, "statusbar.today", timeout=30)
            assert event["data"]["grand_total"]["total_seconds"] == pytest.approx(before + 90)
            assert "terminals" in [p["name"] for p in event["data"]["projects"]]
            assert event["data"] == dev.statusbar(dev.dev_key)

    run(main())


def _issue_key(dev: Dev, token: str, label: str) -> tuple[str, str]:
    issued = httpx.post(f"{dev.base}/api/v1/auth/key", json={"label": label},
                        headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    assert issued.status_code == 201, issued.text
    return issued.json()["data"]["key"], issued.json()["data"]["id"]


async def _closed_by_server(ws: Any) -> tuple[dict[str, Any], int, str]:
    """The last message before the server closed the socket, and the close frame's code and reason."""
    last = await _until(ws, "closing")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), WAIT)
    return last, closed.value.rcvd.code, closed.value.rcvd.reason


def test_a_revoked_key_closes_its_open_connections_with_4401(dev: Dev) -> None:
    key, key_id = _issue_key(dev, dev.token, "revoke-me")

    async def main() -> None:
        async with (
            websockets.connect(dev.ws, subprotocols=["codetime", key], open_timeout=10) as revoked,
            websockets.connect(dev.ws + f"?api_key={key}", open_timeout=10) as revoked_too,
            websockets.connect(dev.ws, subprotocols=["codetime", ADA_KEY], open_timeout=10) as other_key,
            websockets.connect(dev.ws, subprotocols=["codetime", dev.token], open_timeout=10) as by_token,
        ):
            for ws in (revoked, revoked_too, other_key):
                await _subscribe(ws, "user.today")
                assert (await _recv(ws))["type"] == "statusbar.today"
            answer = httpx.delete(f"{dev.base}/api/v1/auth/keys/{key_id}",
                                  headers={"Authorization": f"Bearer {dev.token}"}, timeout=10)  # fmt: skip
            assert answer.status_code == 204, answer.text
            for ws in (revoked, revoked_too):
                last, code, reason = await _closed_by_server(ws)
                assert last == {"type": "closing", "code": 4401, "reason": "credential revoked"}
                assert (code, reason) == (4401, "credential revoked")
            # The same user's other credentials stay connected, and hear the user's events.
            assert await _send(other_key, {"type": "ping"}) == {"type": "pong"}
            assert await _send(by_token, {"type": "ping"}) == {"type": "pong"}
            dev.post(ADA_KEY, _today_beats(2, project="after-revoke", step=10))
            assert (await _until(other_key, "statusbar.today"))["data"] == dev.statusbar(ADA_KEY)
        # ... and the revoked key cannot connect again.
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(dev.ws, subprotocols=["codetime", key], open_timeout=10):
                pass
        assert refused.value.response.status_code == 401

    run(main())


def test_a_rotated_key_closes_its_connections(dev: Dev) -> None:
    key, key_id = _issue_key(dev, dev.token, "rotate-me")

    async def main() -> None:
        async with websockets.connect(dev.ws, subprotocols=["codetime", key], open_timeout=10) as ws:
            assert await _send(ws, {"type": "ping"}) == {"type": "pong"}
            rotated = httpx.post(f"{dev.base}/api/v1/auth/keys/{key_id}/rotate",
                                 headers={"Authorization": f"Bearer {dev.token}"}, timeout=10)  # fmt: skip
            assert rotated.status_code in (200, 201), rotated.text
            assert (await _closed_by_server(ws))[1] == 4401

    run(main())


def test_deleting_the_account_closes_every_connection(dev: Dev) -> None:
    carol_key = "waka_7f2e3b8c-9d0a-4e1f-8a2b-4c5d6e7f8091"
    _cli(["users", "create", "--email", "carol@example.com", "--api-key", carol_key], dev.data_dir)
    carol_token = _cli(["token", "--email", "carol@example.com"], dev.data_dir)

    async def main() -> None:
        async with (
            websockets.connect(dev.ws, subprotocols=["codetime", carol_key], open_timeout=10) as by_key,
            websockets.connect(dev.ws, subprotocols=["codetime", carol_token], open_timeout=10) as by_token,
            websockets.connect(dev.ws, subprotocols=["codetime", ADA_KEY], open_timeout=10) as someone_else,
        ):
            deleted = httpx.delete(f"{dev.base}/api/v1/users/current", params={"confirm": "carol"},
                                   headers={"Authorization": f"Bearer {carol_token}"}, timeout=30)  # fmt: skip
            assert deleted.status_code in (200, 202), deleted.text
            for ws in (by_key, by_token):
                assert (await _closed_by_server(ws))[1:] == (4401, "credential revoked")
            assert await _send(someone_else, {"type": "ping"}) == {"type": "pong"}

    run(main())


def test_concurrent_connections_over_the_cap_admit_exactly_the_cap(dev: Dev) -> None:
    """CODETIME_LIVE_MAX_CONNECTIONS (20 by default) opened all at once, and five more: exactly 20 open, the others
    get the handshake's 429; closing one makes room for one."""
    cap = 20

    async def attempt() -> Any:
        try:
            return await websockets.connect(dev.ws, subprotocols=["codetime", BOB_KEY], open_timeout=20)
        except InvalidStatus as exc:
            return exc.response.status_code

    async def main() -> None:
        outcomes = await asyncio.gather(*(attempt() for _ in range(cap + 5)))
        sockets = [o for o in outcomes if not isinstance(o, int)]
        try:
            assert sorted(o for o in outcomes if isinstance(o, int)) == [429] * 5
            assert len(sockets) == cap
            for ws in sockets[:3]:
                assert await _send(ws, {"type": "ping"}) == {"type": "pong"}
            await sockets.pop().close()
            deadline = time.monotonic() + WAIT
            while isinstance(again := await attempt(), int):  # until the server has handled the close
                assert again == 429 and time.monotonic() < deadline, again
                await asyncio.sleep(0.1)
            sockets.append(again)
            assert await attempt() == 429
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))

    run(main())
