"""Result/key cache: Redis when REDIS_URL is set, an in-process stand-in otherwise.

Every operation degrades to a miss when Redis is unreachable: the cache makes reads faster, never possible.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from codetime.clients import secret_value
from codetime.config import get_settings
from codetime.logs import logger

# After a Redis failure, skip it for this long instead of paying a connect timeout on every request.
_BACKOFF_SECONDS = 5.0


class Cache(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def get_many(self, keys: list[str]) -> list[bytes | None]: ...
    def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...
    def set_unless(self, key: str, value: bytes, ttl_seconds: int, blocker: str) -> None: ...
    def delete(self, *keys: str) -> None: ...
    def delete_prefix(self, prefix: str) -> None: ...


class MemoryCache:
    """A thread-safe, process-local cache with expiry (the local runtime's default)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[1] < time.monotonic():
                del self._data[key]
                return None
            return item[0]

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [self.get(key) for key in keys]

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl_seconds)

    def set_unless(self, key: str, value: bytes, ttl_seconds: int, blocker: str) -> None:
        """`set`, skipped when `blocker` exists (one step, under the lock)."""
        with self._lock:
            item = self._data.get(blocker)
            if item is None or item[1] < time.monotonic():
                self._data[key] = (value, time.monotonic() + ttl_seconds)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    def delete_prefix(self, prefix: str) -> None:
        with self._lock:
            for key in [k for k in self._data if k.startswith(prefix)]:
                del self._data[key]


_SET_UNLESS = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
"""


class RedisCache:
    """Redis with short timeouts; failures are logged and answered as misses."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url, socket_timeout=0.25, socket_connect_timeout=0.25, health_check_interval=30
        )
        self._down_until = 0.0
        self._errors = (redis.RedisError, OSError)
        self._set_unless = None

    def _call(self, op: str, fn, default=None):  # type: ignore[no-untyped-def]
        if self._down_until > time.monotonic():
            return default
        try:
            return fn()
        except self._errors as exc:
            self._down_until = time.monotonic() + _BACKOFF_SECONDS
            logger.warning("redis unavailable, serving without cache", extra={"op": op, "error": type(exc).__name__})
            return default

    def get(self, key: str) -> bytes | None:
        return self._call("get", lambda: self._redis.get(key))

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        return self._call("mget", lambda: self._redis.mget(keys), [None] * len(keys))

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._call("set", lambda: self._redis.set(key, value, ex=ttl_seconds))

    def set_unless(self, key: str, value: bytes, ttl_seconds: int, blocker: str) -> None:
        """`set`, skipped when `blocker` exists: one Lua script, so a blocker written meanwhile always wins."""
        if self._set_unless is None:
            self._set_unless = self._redis.register_script(_SET_UNLESS)
        script = self._set_unless
        self._call("set_unless", lambda: script(keys=[key, blocker], args=[value, ttl_seconds]))

    def delete(self, *keys: str) -> None:
        if keys:
            self._call("delete", lambda: self._redis.delete(*keys))

    def delete_prefix(self, prefix: str) -> None:
        """Delete every key starting with `prefix` (SCAN, not KEYS: it never blocks the server)."""

        def scan_and_delete() -> None:
            batch: list[bytes] = []
            for key in self._redis.scan_iter(match=prefix.replace("*", "\\*") + "*", count=500):
                batch.append(key)
                if len(batch) >= 500:
                    self._redis.delete(*batch)
                    batch = []
            if batch:
                self._redis.delete(*batch)

        self._call("delete_prefix", scan_and_delete)

    def ping(self) -> bool:
        """Whether Redis answers now (ignores the failure backoff: a health check wants the truth)."""
        try:
            return bool(self._redis.ping())
        except self._errors:
            return False

    def script(self, lua: str):  # type: ignore[no-untyped-def]
        """A callable running `lua` atomically (EVALSHA, loaded on first use); it answers None when Redis is down."""
        registered = self._redis.register_script(lua)
        return lambda keys, args: self._call("script", lambda: registered(keys=keys, args=args))

    def close(self) -> None:
        """Close every connection of the client's pool (a later call would open new ones)."""
        self._redis.close()
        self._redis.connection_pool.disconnect()


_cache: Cache | None = None
_lock = threading.Lock()


def get_cache() -> Cache:
    """The process's cache, created on first use.

    With REDIS_AUTH_SECRET_ARN (ElastiCache with AUTH), the token is read from Secrets Manager and added to
    REDIS_URL's host and port as `rediss://:TOKEN@host:port/db`: AUTH is only ever sent over TLS.
    """
    global _cache
    if _cache is None:
        with _lock:
            if _cache is None:
                url = get_settings().redis_url
                auth_arn = os.environ.get("REDIS_AUTH_SECRET_ARN")
                if url and auth_arn:
                    parts = urlsplit(url)
                    port = f":{parts.port}" if parts.port else ""
                    netloc = f":{quote(secret_value(auth_arn), safe='')}@{parts.hostname}{port}"
                    url = urlunsplit(("rediss", netloc, parts.path, parts.query, ""))
                _cache = RedisCache(url) if url else MemoryCache()
    return _cache


def reset_cache() -> None:
    """Forget the process's cache, closing its Redis connections (the next get_cache() makes a new one)."""
    global _cache
    with _lock:
        if isinstance(_cache, RedisCache):
            _cache.close()
        _cache = None
