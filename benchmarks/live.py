"""`make bench` (g): live updates. Freshness: from the 202 of a heartbeat post to the `statusbar.today` event at a
WebSocket client, under `codetime dev` (its local queue polls every 0.5 s; embedded PostgreSQL). Writer throughput
with publishing on and off: the same writer batches of today's heartbeats, alternating runs."""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def bench_freshness(posts: int) -> list[float]:
    """Seconds from each post's 202 to its statusbar.today event, over `posts` sequential posts."""
    import httpx
    import websockets

    from servers import free_port, start_dev, stop_dev

    with tempfile.TemporaryDirectory() as tmp:
        proc, base, key = start_dev(Path(tmp) / "data", free_port())
        try:
            return asyncio.run(_freshness(base, key, posts, httpx, websockets))
        finally:
            stop_dev(proc)


async def _freshness(base: str, key: str, posts: int, httpx: Any, websockets: Any) -> list[float]:
    arrivals: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
    samples = []
    url = base.replace("http://", "ws://") + "/api/v1/live"
    async with websockets.connect(url, subprotocols=["codetime", key]) as ws, httpx.AsyncClient() as client:

        async def read() -> None:
            async for text in ws:
                await arrivals.put((time.perf_counter(), json.loads(text)))

        reader = asyncio.create_task(read())
        await ws.send(json.dumps({"type": "subscribe", "channel": "user.today"}))
        for kind in ("subscribed", "statusbar.today"):  # the acknowledgement and the current state
            assert (await arrivals.get())[1]["type"] == kind
        rng = random.Random(7)
        for i in range(posts):
            # A random pause: posts arrive at any point of the local queue's poll cycle, as a plugin's would
            # (back-to-back posts would all land just after a poll and wait out its whole interval).
            await asyncio.sleep(rng.uniform(0, 0.5))
            beat = [{"entity": f"bench{i % 7}.py", "type": "file", "time": time.time(), "project": "freshness"}]
            response = await client.post(f"{base}/api/v1/users/current/heartbeats.bulk", json=beat, auth=(key, ""))
            accepted = time.perf_counter()
            assert response.status_code == 202, response.text
            while True:
                arrived, message = await asyncio.wait_for(arrivals.get(), 30)
                if message["type"] == "statusbar.today":
                    break
            samples.append(max(0.0, arrived - accepted))
        reader.cancel()
    return samples


def _today_events(users: list[uuid.UUID], per_user: int, batch: int) -> list[dict[str, Any]]:
    """SQS events of 10 messages each, `batch` heartbeats per event, every heartbeat of today (UTC)."""
    from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
    from codetime.queue_messages import encode_messages
    from harness import sqs_event

    now = time.time()
    midnight = now - now % 86400
    step = min(1.0, (now - midnight - 1) / per_user)
    heartbeats = []
    for n, user in enumerate(users):
        ctx = RequestContext(user_id=str(user), user_agent="wakatime/v1.102.1 (linux) go1.23 vscode/1.95.3 "
                             "vscode-wakatime/25.0.0", machine="bench")  # fmt: skip
        for i in range(per_user):
            raw = {"entity": f"/src/p{n}/f{i % 40}.py", "type": "file", "time": now - (per_user - i) * step,
                   "project": f"p{n}", "language": "Python", "is_write": i % 5 == 0}  # fmt: skip
            heartbeats.append(normalize_heartbeat(raw, ctx, now=now, max_age_seconds=10**10))
    heartbeats.sort(key=lambda hb: hb.time)  # interleaved users, as plugins post them
    events = []
    for start in range(0, len(heartbeats), batch):
        chunk = heartbeats[start : start + batch]
        size = max(1, batch // 10)
        bodies = [b for i in range(0, len(chunk), size) for b in encode_messages(chunk[i : i + size])]
        events.append(sqs_event([{"MessageId": str(uuid.uuid4()), "ReceiptHandle": "r", "Body": b} for b in bodies],
                                "arn:aws:sqs:us-east-1:123456789012:bench"))  # fmt: skip
    return events


class _Sink:
    """The sender of the 'on' runs: counts messages (the WebSocket write itself happens on the server's loop)."""

    def __init__(self) -> None:
        self.messages = 0

    def send(self, connection_id: str, text: str) -> bool:
        self.messages += 1
        return True

    def flush(self) -> None:
        pass


class _Counter:
    """A change target that only counts: the writer's own cost of handing off (on AWS: one SendMessage)."""

    def __init__(self) -> None:
        self.bodies = 0

    def put(self, body: str) -> None:
        self.bodies += 1


MODES = ("off", "hand-off", "on")


def bench_writer_publishing(users: int, per_user: int, batch: int, rounds: int) -> tuple[dict[str, float], int]:
    """Heartbeats/s of the writer per mode, alternating runs on fresh users (every user subscribed to user.today,
    user.heartbeats and user.goals, one goal each): `off` (nothing listens), `hand-off` (the writer's part only:
    one changes message per batch), `on` (as under `codetime dev`: a publisher thread in the writer's process
    computes and sends the events). Also the messages sent."""
    from codetime import connections
    from codetime.api.routes.live import LocalPublisher
    from codetime.connections import Connection, Subscription
    from codetime.services import goals
    from codetime.services.keys import create_user
    from functions.writer import process_sqs_event

    sink = _Sink()
    totals = {mode: [0.0, 0] for mode in MODES}
    # Round 0 warms up (not counted); then each round runs the modes in a rotated order, so neither the table's
    # growth nor the machine's other load favours one mode.
    for round_ in range(rounds + 1):
        for mode in MODES[round_ % 3 :] + MODES[: round_ % 3]:
            ids = []
            for n in range(users):
                user, _ = create_user(email=None, username=f"live-{mode}-{round_}-{n}", timezone="UTC")
                goals.create(user, {"seconds": 3600, "delta": "day"})
                ids.append(user.id)
            events = _today_events(ids, per_user, batch)
            connections.stop_local()
            publisher = None
            if mode == "hand-off":
                connections.use_local(sink, _Counter())
            elif mode == "on":
                live = connections.use_local(sink)
                publisher = LocalPublisher(lambda live=live: live)
                connections.use_local(sink, publisher)
                expires = int(time.time()) + 3600
                for user_id in ids:
                    for channel in ("user.today", "user.heartbeats", "user.goals"):
                        cid = f"{user_id}-{channel}"
                        live.registry.add(Connection(cid, str(user_id), False, expires))
                        live.registry.subscribe(Subscription(cid, channel, f"user#{user_id}"), expires)
            started = time.perf_counter()
            for event in events:
                assert process_sqs_event(event) == {"batchItemFailures": []}
            if round_:
                totals[mode][0] += time.perf_counter() - started
                totals[mode][1] += users * per_user
            if publisher is not None:
                publisher.join()  # its last events, outside the timing (not the writer's cost)
    connections.stop_local()
    return {mode: count / seconds for mode, (seconds, count) in totals.items()}, sink.messages


def run(results: Any, posts: int = 100) -> None:
    from run import p50_p95, percentiles

    print(f"\n(g) live updates: freshness under `codetime dev` ({posts} posts, one at a time), writer publishing")
    samples = bench_freshness(posts)
    f50, f95 = p50_p95(samples)
    print(f"    202 -> statusbar.today at the client  {percentiles(samples)}   (local queue polls every 0.5 s)")
    results.add("live.freshness.p50", f50, "ms")
    results.add("live.freshness.p95", f95, "ms", target="<= 2000 ms")
    rates, messages = bench_writer_publishing(users=10, per_user=400, batch=100, rounds=3)
    off = rates["off"]
    print(f"    writer, nobody listening:        {off:8,.0f} heartbeats/s")
    print(f"    writer, hand-off (its own part): {rates['hand-off']:8,.0f} heartbeats/s   on/off = "
          f"{rates['hand-off'] / off:.3f}")  # fmt: skip
    print(f"    writer + publisher, one process: {rates['on']:8,.0f} heartbeats/s   on/off = {rates['on'] / off:.3f}"
          f"   ({messages:,} messages to 30 subscriptions)")  # fmt: skip
    results.add("live.writer.hand_off", rates["hand-off"], "heartbeats/s", "nobody listening", off,
                target="ratio >= 0.95")  # fmt: skip
    results.add("live.writer.with_publisher_in_process", rates["on"], "heartbeats/s", "nobody listening", off)
