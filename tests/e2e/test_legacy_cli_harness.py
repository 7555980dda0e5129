"""Proves the legacy WakaTime CLI harness (tests/wakatime_cli.py) against a stdlib fake of the bulk endpoint.

The fake answers like live WakaTime: 202 with one ``[body, status]`` entry per heartbeat. The cases also pin
the 13.1.0 behaviours the real end-to-end tests rely on (verbatim --api-url, offline queue, item statuses).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import wakatime_cli
from wakatime_cli import describe_run, offline_queue, offline_queue_count, send_heartbeat

pytestmark = pytest.mark.e2e

BULK_PATH = "/api/v1/users/current/heartbeats.bulk"
T0 = 1_700_000_000.25

Responder = Callable[[str, Any], tuple[int, Any]]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def wakatime_like(path: str, body: Any) -> tuple[int, Any]:
    """202 with one accepted item per heartbeat on the bulk path, 404 anywhere else."""
    if path != BULK_PATH:
        return 404, {"error": "Not found"}
    return 202, {"responses": [[{"id": str(uuid.uuid4())}, 201] for _ in body]}


@dataclass
class FakeServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    respond: Responder = wakatime_like

    @property
    def bulk_url(self) -> str:
        return self.url + BULK_PATH

    def heartbeats(self) -> list[dict]:
        return [hb for req in self.requests for hb in req.json()]


@pytest.fixture(scope="module")
def cli() -> Path:
    return wakatime_cli.ensure_legacy_cli()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fake.requests.append(Recorded("POST", self.path, dict(self.headers.items()), body))
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            status, payload = fake.respond(self.path, parsed)
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def api_key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "work" / "codetime-demo"
    root.mkdir(parents=True)
    for name, text in {"main.py": "print('hi')\n", "util.py": "X = 1\n", "README.md": "# demo\n"}.items():
        (root / name).write_text(text)
    return root.resolve()


def test_heartbeat_and_extras_reach_bulk_endpoint(
    cli: Path, server: FakeServer, api_key: str, home: Path, project_dir: Path
) -> None:
    main, util, readme = (str(project_dir / n) for n in ("main.py", "util.py", "README.md"))
    extras = [
        {"entity": util, "type": "file", "time": T0 + 30, "is_write": True, "category": "debugging"},
        {"entity": readme, "type": "file", "time": T0 + 60, "project": "docs", "language": "Markdown"},
    ]
    proc = send_heartbeat(
        server.bulk_url,
        api_key,
        main,
        time=T0,
        project="codetime-demo",
        language="Python",
        category="coding",
        home=home,
        extra_heartbeats=extras,
        hostname="dev-box",
        tz="UTC",
    )
    assert proc.returncode == wakatime_cli.SUCCESS, describe_run(proc, home)
    assert server.requests, describe_run(proc, home)

    for req in server.requests:
        assert (req.method, req.path) == ("POST", BULK_PATH)
        assert req.headers["Authorization"] == "Basic " + base64.b64encode(api_key.encode()).decode()
        assert req.headers["User-Agent"].startswith("wakatime/13.1.0 (")
        assert req.headers["User-Agent"].endswith(" vim/9.0 vim-wakatime/10.0.0")
        assert req.headers["TimeZone"] == "UTC"
        assert req.headers["X-Machine-Name"] == "dev-box"
        assert req.headers["Content-Type"] == "application/json"
        assert isinstance(req.json(), list)

    sent = {hb["entity"]: hb for hb in server.heartbeats()}
    assert set(sent) == {main, util, readme}
    first = server.requests[0].json()[0]
    assert first == sent[main]
    assert first["time"] == T0
    assert first["project"] == "codetime-demo"
    assert first["language"] == "Python"
    assert first["category"] == "coding"
    assert first["type"] == "file"
    assert first["is_write"] is False
    assert first["user_agent"].startswith("wakatime/13.1.0 ")
    # 13.1.0 always sends every key, null when it has no value.
    assert set(first) == {
        "time", "entity", "type", "category", "is_write", "project", "branch", "language",
        "dependencies", "lines", "lineno", "cursorpos", "user_agent",
    }  # fmt: skip
    assert first["branch"] is None and first["lineno"] is None and first["cursorpos"] is None
    assert first["lines"] == 1

    assert sent[util]["time"] == T0 + 30 and sent[util]["is_write"] is True
    assert sent[util]["project"] == "codetime-demo"  # extras inherit --project
    assert sent[util]["category"] == "debugging"
    assert sent[util]["language"] == "Python"  # detected from the file
    assert sent[readme]["project"] == "docs"
    # Its pygments has no "Markdown" lexer, so it falls back to detection by extension, lowercase.
    assert sent[readme]["language"] == "markdown"
    assert sent[readme]["category"] is None  # no default category

    assert offline_queue_count(home) == 0, describe_run(proc, home)
    assert (home / ".wakatime.log").exists()


def test_server_error_queues_then_next_run_replays(
    cli: Path, server: FakeServer, api_key: str, home: Path, project_dir: Path
) -> None:
    main = str(project_dir / "main.py")
    server.respond = lambda path, body: (500, {"error": "boom"})
    proc = send_heartbeat(server.bulk_url, api_key, main, time=T0, project="p", home=home)
    assert proc.returncode == wakatime_cli.API_ERROR, describe_run(proc, home)
    assert len(server.requests) == 1
    assert offline_queue_count(home) == 1
    assert offline_queue(home)[0]["entity"] == main
    assert offline_queue(home)[0]["time"] == T0

    # The next successful run sends its own heartbeat, then replays the queue in a separate request.
    server.requests.clear()
    server.respond = wakatime_like
    proc = send_heartbeat(server.bulk_url, api_key, main, time=T0 + 120, project="p", home=home)
    assert proc.returncode == wakatime_cli.SUCCESS, describe_run(proc, home)
    assert [[hb["time"] for hb in req.json()] for req in server.requests] == [[T0 + 120], [T0]]
    assert offline_queue_count(home) == 0


def test_api_url_is_posted_to_verbatim(
    cli: Path, server: FakeServer, api_key: str, home: Path, project_dir: Path
) -> None:
    """A base URL like ``.../api/v1`` is NOT completed to the bulk path by 13.1.0."""
    proc = send_heartbeat(server.url + "/api/v1", api_key, str(project_dir / "main.py"), time=T0, home=home)
    assert [r.path for r in server.requests] == ["/api/v1"]
    assert proc.returncode == wakatime_cli.API_ERROR, describe_run(proc, home)  # our fake 404s there
    assert offline_queue_count(home) == 1


def test_per_item_statuses(cli: Path, server: FakeServer, api_key: str, home: Path, project_dir: Path) -> None:
    """Item 201/202 = done, 400 = dropped, other status or missing item = queued (and replayed in the run)."""
    first_batch = [201, 202, 400, 500]  # one entry short: the 5th heartbeat gets no result

    def respond(path: str, body: Any) -> tuple[int, Any]:
        statuses = first_batch if len(server.requests) == 1 else [201] * len(body)
        return 202, {"responses": [[{"id": str(uuid.uuid4())}, s] for s in statuses]}

    server.respond = respond
    main = str(project_dir / "main.py")
    extras = [{"entity": main, "type": "file", "time": T0 + i} for i in range(1, 5)]
    proc = send_heartbeat(server.bulk_url, api_key, main, time=T0, home=home, extra_heartbeats=extras)
    assert proc.returncode == wakatime_cli.SUCCESS, describe_run(proc, home)
    sent = [sorted(hb["time"] for hb in req.json()) for req in server.requests]
    assert sent == [[T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4], [T0 + 3, T0 + 4]]
    assert offline_queue_count(home) == 0


def test_accepted_without_responses_body_requeues_everything(
    cli: Path, server: FakeServer, api_key: str, home: Path, project_dir: Path
) -> None:
    """A 202 whose body lacks ``responses`` counts as success, but every heartbeat is queued and re-sent."""
    server.respond = lambda path, body: (202, None)
    proc = send_heartbeat(server.bulk_url, api_key, str(project_dir / "main.py"), time=T0, home=home)
    assert proc.returncode == wakatime_cli.SUCCESS, describe_run(proc, home)
    assert len(server.requests) == 2  # sent, queued, replayed once in the same run, queued again
    assert offline_queue_count(home) == 1


def test_real_zone_names_never_reach_timezone_header(
    cli: Path, server: FakeServer, api_key: str, home: Path, project_dir: Path
) -> None:
    """The PyPI build vendors pytz without zone files: TZ=Europe/Berlin yields no (or a fallback) header."""
    proc = send_heartbeat(
        server.bulk_url, api_key, str(project_dir / "main.py"), time=T0, home=home, tz="Europe/Berlin"
    )
    assert proc.returncode == wakatime_cli.SUCCESS, describe_run(proc, home)
    assert server.requests[0].headers.get("TimeZone") != "Europe/Berlin"


def test_waka_prefixed_key_is_rejected(cli: Path, server: FakeServer, home: Path, project_dir: Path) -> None:
    key = "waka_" + str(uuid.uuid4())
    proc = send_heartbeat(server.bulk_url, key, str(project_dir / "main.py"), time=T0, home=home)
    assert proc.returncode == wakatime_cli.AUTH_ERROR, describe_run(proc, home)
    assert server.requests == []
