"""LocalStack on the host for the LocalStack test tier: a second, independent implementation of the AWS APIs.

``localstack-core`` runs without Docker or an account token, but needs Python >= 3.12, so it lives in its own venv
(``scripts/install-localstack.sh``). ``LocalStackServer.start()`` reuses a running LocalStack at
``AWS_ENDPOINT_URL`` when one is set, else installs and starts one on a free loopback port. A started LocalStack is
always stopped: by ``stop()``, at interpreter exit, and by the kernel when the test process dies (PDEATHSIG).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from servers import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-localstack.sh"
SERVICES = ("sqs", "secretsmanager", "events", "cloudformation")
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def health(endpoint: str, timeout: float = 2.0) -> dict:
    """LocalStack's /_localstack/health document."""
    with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=timeout) as response:
        return json.loads(response.read())


class LocalStackServer:
    """One LocalStack for the test session: `endpoint` is its AWS endpoint URL."""

    def __init__(self) -> None:
        self.endpoint = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None

    @property
    def log_file(self) -> Path | None:
        return self._workdir / "localstack.log" if self._workdir else None

    def start(self, timeout: float = 90.0) -> None:
        existing = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
        if existing:
            self.endpoint = existing
            self._wait_ready(timeout=10.0)
            return
        installed = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900)
        if installed.returncode != 0:
            raise RuntimeError(f"installing LocalStack failed: {installed.stderr.strip()[-2000:]}")
        python = installed.stdout.strip().splitlines()[-1]
        port = free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self._workdir = Path(tempfile.mkdtemp(prefix="codetime-localstack-"))
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTHON", "VIRTUAL_ENV"))}
        env.update(
            GATEWAY_LISTEN=f"127.0.0.1:{port}",
            SERVICES=",".join(SERVICES),
            EAGER_SERVICE_LOADING="1",
            # Offline: no analytics, no certificate download, no update checks.
            DISABLE_EVENTS="1",
            SKIP_SSL_CERT_DOWNLOAD="1",
            SKIP_INFRA_DOWNLOADS="1",
            DNS_ADDRESS="0",  # no DNS server (it would bind port 53)
            LOCALSTACK_VOLUME_DIR=str(self._workdir / "volume"),
            FILESYSTEM_ROOT=str(self._workdir / "fs"),
            TMPDIR=str(self._workdir),
            HOME=str(self._workdir),
        )
        with open(self._workdir / "localstack.log", "wb") as log:
            self.process = subprocess.Popen(
                [python, "-m", "localstack.runtime.main"], cwd=self._workdir, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
            )  # fmt: skip
        _started.append(self)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"LocalStack exited with {self.process.returncode}:\n{self._tail()}")
            try:
                services = health(self.endpoint)["services"]
                if all(services.get(name) in ("available", "running") for name in SERVICES):
                    return
                last = services
            except Exception as exc:
                last = exc
            time.sleep(0.2)
        raise RuntimeError(f"LocalStack at {self.endpoint} not ready after {timeout:.0f} s ({last}):\n{self._tail()}")

    def _tail(self, lines: int = 40) -> str:
        if not self.log_file or not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop a LocalStack this object started (SIGTERM, then SIGKILL of its whole process group)."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        if self in _started:
            _started.remove(self)


_started: list[LocalStackServer] = []


@atexit.register
def _stop_all() -> None:
    for server in list(_started):
        server.stop()
