"""Throwaway PostgreSQL/TimescaleDB and Redis servers for the test suite.

Each server listens on a free 127.0.0.1 TCP port, keeps its files in a temporary directory and is stopped
cleanly (``pg_ctl stop -m fast`` / ``SHUTDOWN NOSAVE``) even when something fails half-way.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import fake_clock
import psycopg
from psycopg import sql

DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"
INSTALL_HINT = "run `make test` (it installs them via scripts/install-system-deps.sh)"
PG_SUPERUSER = "postgres"
_START_ATTEMPTS = 3


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _short_tempdir(prefix: str) -> Path:
    # Unix socket paths are limited to ~107 bytes: fall back to /tmp when TMPDIR is deep.
    path = tempfile.mkdtemp(prefix=prefix)
    if len(path) > 70:
        shutil.rmtree(path, ignore_errors=True)
        path = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    return Path(path)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def pg_bin_dir() -> Path:
    """Directory holding the PostgreSQL server binaries (env ``PG_BIN`` or the Debian default)."""
    return Path(os.environ.get("PG_BIN") or DEFAULT_PG_BIN)


def pg_binary(name: str) -> str:
    """Path of one PostgreSQL binary; ``RuntimeError`` with an install hint when missing."""
    path = pg_bin_dir() / name
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"PostgreSQL binary {path} not found (set PG_BIN or {INSTALL_HINT})")
    return str(path)


def redis_binary() -> str:
    """Path of ``redis-server`` from PATH; ``RuntimeError`` with an install hint when missing."""
    path = shutil.which("redis-server")
    if path is None:
        raise RuntimeError(f"redis-server not found on PATH ({INSTALL_HINT})")
    return path


def _runuser_binary() -> str:
    for candidate in (shutil.which("runuser"), "/usr/sbin/runuser", "/sbin/runuser"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("running as root but `runuser` (util-linux) is missing; PostgreSQL refuses root")


class PostgresServer:
    """A throwaway PostgreSQL cluster (with TimescaleDB preloaded when it is installed)."""

    def __init__(self) -> None:
        self.port: int = 0
        self._initdb = pg_binary("initdb")
        self._pg_ctl = pg_binary("pg_ctl")
        self._postgres = pg_binary("postgres")
        pkglibdir = subprocess.run(
            [pg_binary("pg_config"), "--pkglibdir"], check=True, capture_output=True, text=True
        ).stdout.strip()
        self._timescale_available = (Path(pkglibdir) / "timescaledb.so").is_file()
        self._as_root = os.geteuid() == 0
        self._runuser = _runuser_binary() if self._as_root else ""
        self._tmp: Path | None = None
        self._running = False
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def has_timescale(self) -> bool:
        """True when ``timescaledb`` is preloaded, so ``CREATE EXTENSION timescaledb`` can work."""
        return self._timescale_available

    @property
    def data_dir(self) -> Path:
        assert self._tmp is not None, "server not started"
        return self._tmp / "data"

    @property
    def log_file(self) -> Path:
        assert self._tmp is not None, "server not started"
        return self._tmp / "postgres.log"

    def dsn(self, dbname: str = "postgres") -> str:
        """DSN of database ``dbname`` on this server."""
        return f"postgresql://{PG_SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [self._runuser, "-u", "postgres", "--", *args] if self._as_root else args
        assert self._tmp is not None
        # cwd inside the temp dir: the postgres user may not be allowed into the caller's cwd.
        return subprocess.run(cmd, cwd=self._tmp, capture_output=True, text=True, timeout=timeout)

    def _write_config(self, base_conf: str) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self._tmp}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        if self._timescale_available:
            settings["shared_preload_libraries"] = "'timescaledb'"
            settings["timescaledb.telemetry_level"] = "off"
        block = "\n".join(f"{key} = {value}" for key, value in settings.items())
        (self.data_dir / "postgresql.conf").write_text(f"{base_conf}\n# codetime test server\n{block}\n")

    def start(self) -> None:
        """initdb a fresh cluster in a temp directory and start it; cleans up if anything fails."""
        if self._running:
            return
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        if self._as_root:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(f"running as root but there is no `postgres` OS user ({INSTALL_HINT})") from None
        self._tmp = _short_tempdir("codetime-pg-")
        if self._as_root:
            os.chown(self._tmp, pw.pw_uid, pw.pw_gid)
        result = self._run(
            [
                self._initdb,
                "-D",
                str(self.data_dir),
                "-U",
                PG_SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        base_conf = (self.data_dir / "postgresql.conf").read_text()
        # Retry on a new port: another process may grab the free port between probe and bind.
        for attempt in range(1, _START_ATTEMPTS + 1):
            self.port = free_port()
            self._write_config(base_conf)
            try:
                self._spawn_postmaster()
                break
            except RuntimeError:
                self._kill_postmaster()
                if attempt == _START_ATTEMPTS:
                    raise
        self._running = True
        with psycopg.connect(self.dsn(), connect_timeout=10) as conn:
            conn.execute("SELECT 1")

    def _spawn_postmaster(self) -> None:
        # The postmaster runs as our own child (not daemonized by `pg_ctl start`) so that we reap it on stop
        # and no zombie is left for init to collect.
        args = [self._postgres, "-D", str(self.data_dir)]
        cmd = [self._runuser, "-u", "postgres", "--", *args] if self._as_root else args
        with open(self.log_file, "ab") as log:
            self._proc = subprocess.Popen(
                cmd, cwd=self._tmp, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, env=fake_clock.native_env(),  # `make test-fake-now`: its "now" too
            )  # fmt: skip
        _live.add(self)
        pid_file = self.data_dir / "postmaster.pid"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                log = _tail(self.log_file)
                raise RuntimeError(f"postgres exited with {self._proc.returncode}:\n--- {self.log_file} ---\n{log}")
            try:
                lines = pid_file.read_text().splitlines()
            except OSError:
                lines = []
            # Line 8 of postmaster.pid is the postmaster status, "ready" once it accepts connections.
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.02)
        raise RuntimeError(f"postgres not ready within 30 s:\n--- {self.log_file} ---\n{_tail(self.log_file)}")

    def stop(self) -> None:
        """Stop the cluster (``pg_ctl stop -m fast``) and delete its temp directory."""
        _live.discard(self)
        if self._tmp is None:
            return
        try:
            if self._proc is not None and self._proc.poll() is None:
                result = self._run([self._pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], 60)
                if result.returncode != 0:
                    self._kill_postmaster()
        except (OSError, subprocess.SubprocessError):
            self._kill_postmaster()
        finally:
            self._reap()
            self._running = False
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _reap(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def _kill_postmaster(self) -> None:
        # SIGINT is PostgreSQL's "fast shutdown"; used when pg_ctl itself fails. The postmaster runs in its
        # own session (start_new_session), so signalling the group reaches it before postmaster.pid exists.
        if self._proc is not None and self._proc.poll() is None:
            try:
                pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
                os.kill(pid, signal.SIGINT)
            except (OSError, ValueError, IndexError):
                with contextlib.suppress(OSError):
                    os.killpg(self._proc.pid, signal.SIGINT)
        self._reap()

    def create_database(self, name: str, timescale: bool) -> str:
        """Create database ``name`` (with the ``timescaledb`` extension if asked) and return its DSN."""
        if not self._running:
            raise RuntimeError("PostgresServer is not running")
        if timescale and not self._timescale_available:
            raise RuntimeError(f"TimescaleDB is not installed in {pg_bin_dir()} ({INSTALL_HINT})")
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        dsn = self.dsn(name)
        if timescale:
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            except psycopg.Error as exc:
                raise RuntimeError(
                    f"CREATE EXTENSION timescaledb failed in {name!r}: {exc}\n"
                    f"--- {self.log_file} ---\n{_tail(self.log_file)}"
                ) from exc
        return dsn

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class RedisServer:
    """A throwaway ``redis-server`` without persistence; can be stopped and restarted on the same port."""

    def __init__(self) -> None:
        self._binary = redis_binary()
        self.port: int = 0
        self._tmp: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def _command(self, command: bytes, timeout: float = 1.0) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as conn:
            conn.sendall(command + b"\r\n")
            return conn.recv(64)

    def _spawn(self) -> None:
        assert self._tmp is not None
        log = self._tmp / "redis.log"
        args = [
            self._binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(self._tmp),
            "--logfile", str(log),
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._proc.returncode}:\n{_tail(log)}")
            try:
                if self._command(b"PING").startswith(b"+PONG"):
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"redis-server did not answer PING on port {self.port} within 10 s:\n{_tail(log)}")

    def start(self) -> None:
        """Start the server (on a new free port the first time, on the same port after ``stop()``)."""
        if self.running:
            return
        try:
            if self._tmp is None:
                self._tmp = _short_tempdir("codetime-redis-")
            if self.port:
                self._spawn()
            else:
                for attempt in range(1, _START_ATTEMPTS + 1):
                    self.port = free_port()
                    try:
                        self._spawn()
                        break
                    except RuntimeError:
                        self._terminate(graceful=False)
                        if attempt == _START_ATTEMPTS:
                            raise
            _live.add(self)
        except BaseException:
            self.close()
            raise

    def stop(self) -> None:
        """Stop the server process (``SHUTDOWN NOSAVE``); ``start()`` brings it back on the same port."""
        if self.running:
            with contextlib.suppress(OSError):
                self._command(b"SHUTDOWN NOSAVE", timeout=5)
        self._terminate()

    def _terminate(self, graceful: bool = True) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if not graceful and proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        """Stop the server and delete its temp directory."""
        _live.discard(self)
        try:
            self.stop()
        finally:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# Last-resort cleanup for servers still alive at interpreter exit (e.g. after Ctrl-C in a fixture).
_live: set[PostgresServer | RedisServer] = set()


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        if isinstance(server, PostgresServer):
            server.stop()
        else:
            server.close()


def start_dev(data_dir: Path, port: int) -> tuple[subprocess.Popen, str, str]:
    """`codetime dev` on embedded defaults (no DATABASE_URL, REDIS_URL, SQS): the process, its URL, its API key."""
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SQS_QUEUE_URL") and not k.startswith("CODETIME_OIDC")
    }  # fmt: skip
    env["CODETIME_DATA_DIR"] = str(data_dir)
    codetime = str(Path(sys.executable).parent / "codetime")
    argv = fake_clock.command([codetime, "dev", "--port", str(port)])
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if line.startswith("api_key = "):
            output = "".join(lines)
            base = re.search(r"running at (\S+)", output).group(1)  # type: ignore[union-attr]
            return proc, base, line.split("=", 1)[1].strip()
    proc.kill()
    raise AssertionError("codetime dev did not start:\n" + "".join(lines))


def stop_dev(proc: subprocess.Popen) -> str:
    """Ctrl-C, as a person stops it; it must exit cleanly. Returns the rest of its output."""
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, rest
    return rest
