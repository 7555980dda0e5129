"""`codetime dev`'s live endpoint: the protocol of the AWS WebSocket API (README "Live updates") on a Starlette
WebSocket at /api/v1/live, fed by the same publish step as on AWS (services/live.py `publish_changes`).

Connections live in this process: `LocalHub` is the sender (called from worker threads: the publisher's, or the
thread a client message is handled in), codetime.connections keeps the registry in memory, and `LocalPublisher` is
the writer's hand-off: a thread that publishes what the local queue worker's writes changed (on AWS the changes
queue and the live function play that part), so the writer never waits for events to be computed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from codetime.connections import Live, use_local
from codetime.domain import live as protocol
from codetime.domain.errors import NotAuthenticated, RateLimited
from codetime.logs import logger
from codetime.services import live as service

LIVE_PATH = "/api/v1/live"
_SEND_TIMEOUT = 2.0


class _DenialIsAHandshake(logging.Filter):
    """uvicorn logs "ASGI callable returned without completing handshake." after a denial response (the 401 of a
    refused connection), which did complete it; this endpoint always accepts or denies, so the line is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing handshake" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_DenialIsAHandshake())


class LocalHub:
    """The open WebSockets of this process, by connection id; `send` may be called from any thread."""

    def __init__(self) -> None:
        self._sockets: dict[str, tuple[WebSocket, asyncio.AbstractEventLoop, asyncio.Lock]] = {}

    def attach(self, connection_id: str, websocket: WebSocket) -> None:
        self._sockets[connection_id] = (websocket, asyncio.get_running_loop(), asyncio.Lock())

    def detach(self, connection_id: str) -> None:
        self._sockets.pop(connection_id, None)

    def flush(self) -> None:
        pass  # sends are immediate

    def send(self, connection_id: str, text: str) -> bool:
        entry = self._sockets.get(connection_id)
        if entry is None:
            return False
        websocket, loop, lock = entry

        async def locked_send() -> None:
            async with lock:  # one frame at a time per socket: replies and published events may race
                await websocket.send_text(text)

        try:
            asyncio.run_coroutine_threadsafe(locked_send(), loop).result(_SEND_TIMEOUT)
        except Exception:  # closed under us, or a client too slow to read: it is gone for publishing
            self.detach(connection_id)
            return False
        return True

    def close(self, connection_id: str, text: str) -> bool:
        """The last message, then the close frame with code 4401 (a revoked credential)."""
        entry = self._sockets.pop(connection_id, None)
        if entry is None:
            return False
        websocket, loop, lock = entry

        async def locked_close() -> None:
            async with lock:
                with contextlib.suppress(Exception):  # a client that stopped reading is closed all the same
                    await asyncio.wait_for(websocket.send_text(text), _SEND_TIMEOUT)
                await websocket.close(code=protocol.CLOSE_REVOKED, reason=protocol.REVOKED_REASON)

        try:
            asyncio.run_coroutine_threadsafe(locked_close(), loop).result(2 * _SEND_TIMEOUT)
        except Exception:  # closed under us: gone already
            return False
        return True


class LocalPublisher:
    """The writer's hand-off under `codetime dev`: a bounded in-memory queue and one daemon thread publishing from
    it. `put` never blocks (a full queue drops the oldest work: the next write publishes fresh state anyway)."""

    def __init__(self, target: Callable[[], Live] | None = None, maxsize: int = 1000, window: float = 0.25) -> None:
        self._target = target  # the Live to publish to (default: this process's, `live()`)
        # After the first change arrives, what else arrives within `window` seconds is published with it: under a
        # burst of writes each user is published a few times a second, not once per batch (make bench (g)).
        self._window = window
        self._queue: queue.Queue[str] = queue.Queue(maxsize)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, body: str) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="live-publisher", daemon=True)
                self._thread.start()
        while True:
            try:
                self._queue.put_nowait(body)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()

    def _run(self) -> None:
        while True:
            bodies = [self._queue.get()]
            time.sleep(self._window)
            while True:  # everything waiting is merged: one publish per user however many batches queued up
                try:
                    bodies.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                service.process_changes((self._target or live)(), bodies)
            except Exception:  # publishing never raises; a decoding bug must not end the thread either
                logger.exception("local live publisher failed")
            finally:
                for _ in bodies:
                    self._queue.task_done()

    def join(self) -> None:
        """Wait until everything handed over so far is published (benchmarks)."""
        self._queue.join()


HUB = LocalHub()
PUBLISHER = LocalPublisher()


def live() -> Live:
    return use_local(HUB, PUBLISHER)


def _credential(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(credential, subprotocol to accept): `Sec-WebSocket-Protocol: codetime, <credential>`, else ?api_key/?token."""
    offered = protocol.subprotocol_credential(websocket.headers.get("sec-websocket-protocol"))
    if offered is not None:
        return offered, protocol.SUBPROTOCOL
    query = websocket.query_params
    return query.get("api_key") or query.get("token"), None


async def _refuse(websocket: WebSocket, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    """An HTTP answer to the handshake (no WebSocket opened): the client sees the status, never a hang."""
    response = JSONResponse({"error": message}, status_code=status, headers=headers)
    try:
        await websocket.send_denial_response(response)
    except RuntimeError:  # a server without the denial-response extension: close before accept (HTTP 403)
        await websocket.close(code=4000 + status)


async def live_socket(websocket: WebSocket) -> None:
    """The endpoint: one connection from handshake to close."""
    hub = live()
    connection_id = uuid.uuid4().hex
    credential, subprotocol = _credential(websocket)
    try:
        await run_in_threadpool(service.connect, hub, connection_id, credential)
    except NotAuthenticated as exc:
        await _refuse(websocket, 401, str(exc), {"WWW-Authenticate": 'Basic realm="CodeTime"'})
        return
    except RateLimited as exc:
        await _refuse(websocket, 429, str(exc), {"Retry-After": str(exc.retry_after)})
        return
    try:
        await websocket.accept(subprotocol=subprotocol)
        HUB.attach(connection_id, websocket)
        while True:
            message: dict[str, Any] = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", errors="replace")
            try:
                await run_in_threadpool(service.handle_message, hub, connection_id, text)
            except Exception:  # e.g. the database is briefly away: tell the client, keep the connection
                logger.exception("live message failed")
                with contextlib.suppress(Exception):
                    await websocket.send_text(protocol.error("The server could not handle this message; retry."))
    except WebSocketDisconnect:
        pass
    finally:
        HUB.detach(connection_id)
        await run_in_threadpool(service.disconnect, hub, connection_id)
