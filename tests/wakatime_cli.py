"""Drive the real legacy WakaTime CLI (PyPI ``wakatime==13.1.0``, unmodified) against a local server.

The CLI lives in its own venv built by ``scripts/install-wakatime-cli.sh``. Every run gets an isolated
home directory (``HOME`` and ``WAKATIME_HOME``), where the CLI keeps ``.wakatime.cfg``, its SQLite offline
queue and session cache ``.wakatime.db``, and its log ``.wakatime.log``.

Behaviour of 13.1.0 worth knowing (checked against its source):

* ``--api-url`` is the full URL it POSTs to, used verbatim (default
  ``https://api.wakatime.com/api/v1/users/current/heartbeats.bulk``); nothing is appended to it.
* A ``file`` entity must exist on disk, or the heartbeat is silently dropped; it is sent as its realpath.
* ``--extra-heartbeats`` reads ONE line of JSON from stdin.
* The ``TimeZone`` header comes from ``TZ``/``/etc/timezone`` through a vendored pytz WITHOUT zone data: only
  UTC survives (``TimeZone: UTC``); an IANA name like Europe/Berlin means no header at all.
* A ``.wakatime-project`` file above the entity wins over ``--project``; a git checkout adds ``branch``.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import subprocess
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-wakatime-cli.sh"
CLI_VERSION = "13.1.0"

# CLI exit codes (wakatime/constants.py).
SUCCESS = 0
API_ERROR = 102
CONFIG_FILE_PARSE_ERROR = 103
AUTH_ERROR = 104
UNKNOWN_ERROR = 105

_OFFLINE_TABLE = "heartbeat_2"
_SCRUBBED_ENV = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "VIRTUAL_ENV",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


@functools.cache
def ensure_legacy_cli() -> Path:
    """Install the legacy CLI if needed (idempotent, ~12 s the first time) and return its executable."""
    proc = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{INSTALL_SCRIPT.name} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}".rstrip())
    cli = Path(proc.stdout.strip().splitlines()[-1])
    if not os.access(cli, os.X_OK):
        raise RuntimeError(f"{INSTALL_SCRIPT.name} printed {cli!s}, which is not executable")
    return cli


def cli_env(home: Path, *, tz: str | None = None) -> dict[str, str]:
    """Environment for a CLI run confined to ``home`` (no proxies, no inherited PYTHONPATH)."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env["HOME"] = str(home)
    env["WAKATIME_HOME"] = str(home)
    if tz is not None:
        env["TZ"] = tz
    return env


def send_heartbeat(
    api_url: str,
    api_key: str,
    entity: str,
    *,
    time: float,
    project: str | None = None,
    language: str | None = None,
    category: str | None = None,
    is_write: bool = False,
    plugin: str = "vim/9.0 vim-wakatime/10.0.0",
    home: Path,
    extra_heartbeats: list[dict] | None = None,
    timeout: float = 60,
    entity_type: str = "file",
    hostname: str | None = None,
    tz: str | None = "UTC",
    verbose: bool = True,
    extra_args: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run the legacy CLI once, as an editor plugin would, and return the finished process.

    ``api_url`` is passed verbatim as ``--api-url``: 13.1.0 POSTs to exactly that URL, so give the full
    ``.../users/current/heartbeats.bulk`` URL to hit the bulk endpoint. A ``file`` entity (main or extra) must
    exist, else the CLI drops it. ``tz`` sets ``TZ`` for the CLI (None: inherit). Its vendored pytz has no
    zone data, so only ``UTC`` gives a ``TimeZone: UTC`` header; a zone name gives none, a tzfile "local".
    ``verbose`` adds ``--verbose`` so the log holds request and response.
    Exit code 0 = sent, 102 = API error (heartbeats queued offline), 104 = bad key, 105 = crash.
    """
    home.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(ensure_legacy_cli()),
        "--key",
        api_key,
        "--api-url",
        api_url,
        "--entity",
        entity,
        "--entity-type",
        entity_type,
        "--time",
        repr(float(time)),
        "--plugin",
        plugin,
    ]
    if project is not None:
        cmd += ["--project", project]
    if language is not None:
        cmd += ["--language", language]
    if category is not None:
        cmd += ["--category", category]
    if is_write:
        cmd.append("--write")
    if hostname is not None:
        cmd += ["--hostname", hostname]
    if verbose:
        cmd.append("--verbose")
    stdin = None
    if extra_heartbeats is not None:
        cmd.append("--extra-heartbeats")
        stdin = json.dumps(extra_heartbeats) + "\n"  # the CLI reads a single line
    cmd += list(extra_args)
    return subprocess.run(
        cmd,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(home, tz=tz),
        cwd=home,
    )


def offline_queue(home: Path) -> list[dict]:
    """Heartbeats waiting in the CLI's offline queue (table ``heartbeat_2`` of ``home/.wakatime.db``)."""
    db = home / ".wakatime.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_OFFLINE_TABLE,)
        ).fetchone()
        if not exists:
            return []
        rows = conn.execute(f"SELECT heartbeat FROM {_OFFLINE_TABLE}").fetchall()
    finally:
        conn.close()
    return [json.loads(row[0]) for row in rows]


def offline_queue_count(home: Path) -> int:
    """Number of heartbeats left in the CLI's offline queue."""
    return len(offline_queue(home))


def read_log(home: Path) -> str:
    """The CLI's log (``home/.wakatime.log``, one JSON object per line), or "" if it wrote none."""
    log = home / ".wakatime.log"
    return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


def describe_run(proc: subprocess.CompletedProcess[str], home: Path) -> str:
    """Exit code, output and log of a CLI run, for assertion messages."""
    return (
        f"exit code {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}\n"
        f"{home / '.wakatime.log'}:\n{read_log(home)}"
    )
