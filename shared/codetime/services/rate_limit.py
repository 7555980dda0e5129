"""Token buckets per user and per API key: an atomic Lua script in Redis, in-process without REDIS_URL.

A bucket holds `rate * window` requests and refills at `rate` per second, so a client may burst but cannot exceed
`rate` averaged over `window` (WakaTime's rule for heartbeats: about 10 requests/s over 5 minutes). A request
takes one token from the user's bucket and one from its key's; it is refused, taking nothing, when either is
empty. Redis configured but unreachable: requests are served (fail open) — limits protect the service, and
refusing plugins while the cache is down would make them queue and retry harder.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass

from codetime.cache import RedisCache, get_cache
from codetime.domain.errors import RateLimited
from codetime.logs import logger
from codetime.services import cache_keys

# KEYS: bucket keys. ARGV: rate (tokens/s), capacity. Every bucket must hold a token, else none is taken.
# Returns {allowed (0/1), seconds to wait (string: Lua numbers become integers in replies)}.
_LUA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate, capacity = tonumber(ARGV[1]), tonumber(ARGV[2])
local ttl = math.ceil(capacity / rate) + 1
local levels, wait = {}, 0
for i, key in ipairs(KEYS) do
    local state = redis.call('HMGET', key, 'tokens', 'at')
    local tokens, at = tonumber(state[1]), tonumber(state[2])
    if tokens == nil then tokens, at = capacity, now end
    tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
    levels[i] = tokens
    if tokens < 1 then wait = math.max(wait, (1 - tokens) / rate) end
end
if wait > 0 then return {0, tostring(wait)} end
for i, key in ipairs(KEYS) do
    redis.call('HSET', key, 'tokens', tostring(levels[i] - 1), 'at', tostring(now))
    redis.call('EXPIRE', key, ttl)
end
return {1, '0'}
"""

# public: reads without a key (a user's shared stats), per user read and per client address.
DEFAULTS = {"ingest": "10/300", "read": "10/60", "public": "10/60"}


@dataclass(frozen=True, slots=True)
class Limit:
    rate: float  # requests per second
    window: float  # seconds the rate is averaged over (the bucket holds rate * window)

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate * self.window)


def limit_for(kind: str) -> Limit | None:
    """The limit of `ingest` or `read` from CODETIME_RATE_LIMIT_INGEST / _READ ("RATE/WINDOW_SECONDS"; "off")."""
    raw = os.environ.get(f"CODETIME_RATE_LIMIT_{kind.upper()}", DEFAULTS[kind]).strip().lower()
    if raw in ("", "0", "off", "none"):
        return None
    rate, _, window = raw.partition("/")
    try:
        limit = Limit(float(rate), float(window or 1))
    except ValueError:
        # A typo in the deployment must not turn every request into an error: keep the default, say so loudly.
        logger.error("invalid rate limit setting, using the default", extra={"kind": kind, "default": DEFAULTS[kind]})
        rate, _, window = DEFAULTS[kind].partition("/")
        limit = Limit(float(rate), float(window))
    return limit if limit.rate > 0 and limit.window > 0 else None


class _LocalBuckets:
    """The same buckets in process memory (`codetime dev` without Redis)."""

    def __init__(self) -> None:
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, keys: list[str], limit: Limit) -> float:
        now = time.monotonic()
        with self._lock:
            levels = []
            for key in keys:
                tokens, at = self._state.get(key, (limit.capacity, now))
                levels.append(min(limit.capacity, tokens + (now - at) * limit.rate))
            wait = max(((1 - level) / limit.rate for level in levels if level < 1), default=0.0)
            if wait == 0.0:
                for key, level in zip(keys, levels, strict=True):
                    self._state[key] = (level - 1, now)
            return wait

    def drop(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._state.pop(key, None)


_local = _LocalBuckets()


def forget(user_id: uuid.UUID, key_ids: list[uuid.UUID]) -> None:
    """Drop a deleted account's buckets (its user's and its keys')."""
    names = [
        k for kind in DEFAULTS for key_id in (None, *key_ids) for k in cache_keys.rate_buckets(kind, user_id, key_id)
    ]
    get_cache().delete(*names)
    _local.drop(names)


def check(kind: str, user_id: uuid.UUID, key_id: uuid.UUID | None) -> None:
    """Take one request from the user's and the key's `kind` bucket; raises RateLimited when either is empty."""
    _take(kind, cache_keys.rate_buckets(kind, user_id, key_id))


def check_public(user_id: uuid.UUID, client: str) -> None:
    """A read without a key of `user_id`'s shared data: one token from the user's public bucket (apart from their
    own reads, which strangers must not be able to use up) and one from the client address's."""
    _take("public", cache_keys.public_rate_buckets(user_id, client))


def check_client(client: str) -> None:
    """A keyless read of something public to everyone (the public leaderboard): one token of the client address's
    public bucket."""
    _take("public", [cache_keys.client_rate_bucket(client)])


def _take(kind: str, keys: list[str]) -> None:
    limit = limit_for(kind)
    if limit is None:
        return
    cache = get_cache()
    if isinstance(cache, RedisCache):
        script = getattr(cache, "_rate_limit_script", None)
        if script is None:
            script = cache.script(_LUA)
            cache._rate_limit_script = script  # type: ignore[attr-defined]
        reply = script(keys, [repr(limit.rate), repr(limit.capacity)])
        if reply is None:  # Redis down: serve
            return
        allowed, wait = int(reply[0]), float(reply[1])
        if not allowed:
            raise RateLimited(wait)
        return
    wait = _local.take(keys, limit)
    if wait > 0:
        raise RateLimited(wait)
