"""The suite under another "now" (`make test-fake-now`): every process the tests run sees the real clock plus
CODETIME_TEST_CLOCK_OFFSET seconds, so all of them agree and time keeps running.

- Python (pytest itself, and `codetime` subprocesses started through `command()`): time-machine, which moves the
  wall clock (time.time, datetime.now, ...) and leaves the monotonic clock, sleeps and waits alone.
- PostgreSQL (the session's servers and the embedded one of `codetime dev`): libfaketime preloaded with the same
  offset (Debian's `faketime`). Python itself cannot run under libfaketime 0.9.10: thread waits hang and
  time.sleep fails with EINVAL.
- Redis keeps the real clock: CodeTime keeps nothing there that depends on the date (TTLs and the rate limiter's
  TIME are relative).

Run as a script, `python fake_clock.py PROGRAM ARGS...` runs a Python console script under the offset."""

from __future__ import annotations

import os
import runpy
import sys
import time
from pathlib import Path

OFFSET_ENV = "CODETIME_TEST_CLOCK_OFFSET"
# Debian's `faketime` package, on any architecture (x86_64-linux-gnu, aarch64-linux-gnu, ...).
LIBFAKETIME = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), Path("/nonexistent"))


def offset() -> float | None:
    """The configured offset in seconds, or None when the suite runs on the real clock."""
    raw = os.environ.get(OFFSET_ENV)
    return float(raw) if raw else None


def start() -> None:
    """Move this Python process's wall clock by the offset (once; no-op without one)."""
    seconds = offset()
    if seconds is None:
        return
    import time_machine

    time_machine.travel(time.time() + seconds, tick=True).start()


def native_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's) for a non-Python server process: libfaketime with the offset, if any."""
    env = dict(os.environ if env is None else env)
    seconds = offset()
    if seconds is not None:
        if not LIBFAKETIME.exists():
            raise RuntimeError("libfaketime is missing: run scripts/install-system-deps.sh (Debian's faketime)")
        env["LD_PRELOAD"] = str(LIBFAKETIME)
        env["FAKETIME"] = f"{seconds:+.0f}s"
    return env


def command(argv: list[str]) -> list[str]:
    """argv of a Python console script (e.g. .venv/bin/codetime), run under the offset when there is one."""
    if offset() is None:
        return argv
    return [sys.executable, str(Path(__file__).resolve()), *argv]


if __name__ == "__main__":
    start()
    # The PostgreSQL that `codetime dev` embeds is started by this process: it gets libfaketime, Python does not.
    os.environ.update(native_env())
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
