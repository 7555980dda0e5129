"""Shared by the report, maintenance and ops tests: seeding heartbeats and a loopback webhook receiver."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from codetime.db import get_pool
from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
from codetime.repositories.users import User
from codetime.services.writer import write_heartbeats


def seed(user: User, start_local: datetime, minutes: int, *, project: str = "codetime", language: str = "Python",
         step: int = 120) -> None:  # fmt: skip
    """Heartbeats every `step` seconds for `minutes` minutes from `start_local`, written by the real writer."""
    context = RequestContext(user_id=str(user.id), user_agent="wakatime/v1.90.0 (linux-6.1) go1.22 vscode/1.90.0")
    first = start_local.timestamp()
    raws = [
        {"entity": f"/src/{project}/main.py", "type": "file", "time": first + i, "project": project,
         "language": language, "is_write": True}
        for i in range(0, minutes * 60 + 1, step)
    ]  # fmt: skip
    beats = [normalize_heartbeat(raw, context, now=first + 86400 * 400, max_age_seconds=86400 * 3650) for raw in raws]
    with get_pool().connection() as conn:
        write_heartbeats(conn, beats)


def local(tz: str, day: Any, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))


class WebhookReceiver:
    """A tiny HTTP server on loopback recording every POST; `fail_next` answers that many with 500."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path == "/redirect":
                    self.send_response(307)
                    self.send_header("Location", "/json")
                    self.end_headers()
                    return
                with receiver.lock:
                    failing = receiver.fail_next > 0
                    if failing:
                        receiver.fail_next -= 1
                    else:
                        receiver.received.append({"path": self.path, "json": json.loads(body)})
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hours(start: datetime, end: datetime) -> list[datetime]:
    out, at = [], start
    while at <= end:
        out.append(at)
        at += timedelta(hours=1)
    return out
