"""An embedded PostgreSQL (the `pgserver` wheel) for `codetime dev`: no system packages, data kept on disk."""

from __future__ import annotations

import contextlib
import os
import pwd
import threading
import warnings
from pathlib import Path
from typing import Any

from codetime.db.migrate import ensure_database
from codetime.logs import logger

DATABASE = "codetime"
# The system user pgserver runs PostgreSQL as when we are root (PostgreSQL refuses to run as root).
_ROOT_RUN_AS = "pgserver"

# pgserver hands out one server object per data dir and process; count our users of it so that one
# EmbeddedPostgres stopping does not pull the server from under another one in the same process.
_users: dict[Path, int] = {}
_users_lock = threading.Lock()


def _pgserver() -> Any:
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR platformdirs warns and pgserver keeps its lock in /tmp/runtime-<uid>: fine.
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver.postgres_server

    return pgserver


class EmbeddedPostgres:
    """PostgreSQL 16 with its data in `data_dir`, listening on a unix socket only.

    Processes of one checkout share the server: pgserver records every process holding it in
    `data_dir/.handle_pids.json`, and `stop()` shuts PostgreSQL down only when the last live holder lets go
    (so `codetime users create` next to a running `codetime dev` leaves the server up)."""

    def __init__(self, data_dir: Path) -> None:
        # pgserver keys its servers by the resolved path; so do we.
        self.data_dir = Path(data_dir).expanduser().resolve()
        self._server: Any = None
        self._dsn: str | None = None
        self._watch_stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> str:
        """Start the server (or join the one already running on this data dir); returns the `codetime` DSN."""
        if self._dsn is not None:
            return self._dsn
        pgserver = _pgserver()
        lock = pgserver.postgres_server.PostgresServer._lock
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with lock:  # the same inter-process lock pgserver takes, so no other process starts or stops meanwhile
            self._clear_stale_state()
            self._fix_ownership()
        with _users_lock:
            server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
            with lock:
                # A server object that outlived an earlier stop() in this process is handed back without
                # re-registering this process as a holder; register it again (idempotent).
                server.global_process_id_list.get_and_add(os.getpid())
            _users[self.data_dir] = _users.get(self.data_dir, 0) + 1
        self._server = server
        try:
            self._ensure_database(server.get_uri())
        except Exception:
            self.stop()
            raise
        self._dsn = server.get_uri(DATABASE)
        return self._dsn

    def supervise(self, interval: float = 0.5) -> None:
        """Watch the postmaster and start PostgreSQL again whenever it exits (killed, crashed, OOM) until stop().
        The DSN names the same socket afterwards, so the connection pool simply reconnects."""
        if self._watcher is not None or self._server is None:
            return
        self._watch_stop.clear()
        self._watcher = threading.Thread(
            target=self._watch, args=(interval,), name="embedded-postgres-supervisor", daemon=True
        )
        self._watcher.start()

    def _watch(self, interval: float) -> None:
        while not self._watch_stop.wait(interval):
            try:
                self.restart_if_exited()
            except Exception:  # e.g. orphaned backends still hold the old shared memory: try again next round
                logger.exception("embedded PostgreSQL did not restart; retrying")

    def restart_if_exited(self) -> bool:
        """Start PostgreSQL again if its postmaster is gone; True if it had to."""
        server = self._server
        if server is None or self._postmaster_alive():
            return False
        lock = _pgserver().postgres_server.PostgresServer._lock
        with lock:  # as start(): no other process of this checkout starts or stops it meanwhile
            if self._postmaster_alive() or self._watch_stop.is_set():
                return False
            self._clear_stale_state()
            server.ensure_postgres_running()
        logger.warning("embedded PostgreSQL had exited; restarted it", extra={"data_dir": str(self.data_dir)})
        return True

    def _postmaster_alive(self) -> bool:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return False
        return self._is_our_postmaster(pid)

    def stop(self) -> None:
        """Stop PostgreSQL (fast shutdown, checkpointed) unless another user of this data dir still holds it."""
        self._watch_stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=30)
            self._watcher = None
        if self._server is None:
            return
        server, self._server, self._dsn = self._server, None, None
        with _users_lock:
            remaining = _users.get(self.data_dir, 1) - 1
            if remaining > 0:
                _users[self.data_dir] = remaining
                return
            _users.pop(self.data_dir, None)
            server.cleanup()  # stops the server if this process is its last live holder
            # Forget the object even when another process still holds the server, so a later start() in this
            # process re-registers instead of reusing a handle pgserver believes released.
            type(server)._instances.pop(self.data_dir, None)

    @staticmethod
    def _ensure_database(admin_uri: str) -> None:
        ensure_database(admin_uri, DATABASE)

    def _clear_stale_state(self) -> None:
        """Undo what a crashed run (SIGKILL, power loss) leaves behind: dead holders in pgserver's handle list
        would stop `stop()` from ever stopping the server, and a postmaster.pid whose pid now belongs to some
        other process makes both pgserver and PostgreSQL believe the server is still running."""
        import psutil

        handles = self.data_dir / ".handle_pids.json"
        if handles.exists():
            from pgserver.utils import DiskList

            pids = DiskList(handles)
            alive = [pid for pid in pids.get() if psutil.pid_exists(pid)]
            pids.put(alive)
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return
        if self._is_our_postmaster(pid):
            return
        pid_file.unlink(missing_ok=True)
        # PostgreSQL guards the socket with a lock file holding the same pid; it is just as stale.
        if len(lines) > 4 and lines[4].strip():
            socket = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip() or 5432}"
            lock_file = socket.with_name(socket.name + ".lock")
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(lock_file.read_text().splitlines()[0]) == pid:
                    lock_file.unlink()
                    socket.unlink(missing_ok=True)

    def _is_our_postmaster(self, pid: int) -> bool:
        import psutil

        try:
            process = psutil.Process(pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return False
            # The postmaster chdirs into its data directory; a recycled pid does not.
            return Path(process.cwd()).resolve() == self.data_dir
        except psutil.NoSuchProcess:
            return False
        except psutil.AccessDenied:
            return True  # cannot tell: leave it to pgserver and PostgreSQL rather than delete a live lock file

    def _fix_ownership(self) -> None:
        """As root pgserver runs PostgreSQL as the `pgserver` user but chowns only the top of the data dir; a
        cluster initialised by another user would then fail to start, so hand all of it over."""
        if os.geteuid() != 0 or not (self.data_dir / "PG_VERSION").exists():
            return
        try:
            user = pwd.getpwnam(_ROOT_RUN_AS)
        except KeyError:
            return  # pgserver creates the user on its first start as root; nothing was initialised as it yet
        if (self.data_dir / "PG_VERSION").stat().st_uid == user.pw_uid:
            return
        for folder, dirs, files in os.walk(self.data_dir):
            for name in (folder, *(os.path.join(folder, n) for n in dirs + files)):
                os.lchown(name, user.pw_uid, user.pw_gid)
