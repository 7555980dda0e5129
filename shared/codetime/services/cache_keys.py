"""Every cache key, and how cached results are read, written and invalidated: the one owner of the cache's layout.

Read results: each user has a generation token; cached results embed it, so replacing the token invalidates all of a
user's entries at once without scanning keys. A random token (not a counter) cannot repeat after Redis loses it.
Results are kept gzipped: a year of per-day summaries is about a megabyte of JSON and a tenth of that compressed,
and clients that accept gzip (all WakaTime clients do) get those bytes as they are.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from codetime.cache import get_cache
from codetime.config import get_settings
from codetime.logs import metrics

_GENERATION_TTL = 30 * 86400
PREFIX = "ct:"


# ------------------------------------------------------------------------------------------- key formats


def generation_key(user_id: uuid.UUID | str) -> str:
    return f"{PREFIX}gen:{user_id}"


def result_key(user_id: uuid.UUID | str, generation: str, name: str, digest: str) -> str:
    return f"{PREFIX}r:{user_id}:{generation}:{name}:{digest}"


def group_generation_key(group_id: uuid.UUID | str) -> str:
    """An organization's (or private leaderboard's) generation: replaced when its members or their privacy change."""
    return f"{PREFIX}ggen:{group_id}"


def team_result_key(group_id: uuid.UUID | str, generation: str, members: str, name: str, digest: str) -> str:
    """A team read: versioned by the group's generation and by a digest of its members' own generations."""
    return f"{PREFIX}t:{group_id}:{generation}:{members}:{name}:{digest}"


def api_key_entry(key_hash: bytes) -> str:
    """key hash -> (user, key id, scope) of an active key."""
    return f"{PREFIX}key:{key_hash.hex()}"


def api_key_revoked(key_hash: bytes) -> str:
    """Marker of a revoked key: a login in flight must not cache it again."""
    return f"{PREFIX}keyrevoked:{key_hash.hex()}"


def api_key_used(key_id: uuid.UUID | str) -> str:
    """At most one last-used update a minute per key."""
    return f"{PREFIX}keyused:{key_id}"


def user_entry(user_id: uuid.UUID | str) -> str:
    return f"{PREFIX}user:{user_id}"


def subject_entry(subject: str) -> str:
    """OIDC subject -> user (hashed: subjects may be e-mail-like)."""
    return f"{PREFIX}sub:" + hashlib.sha256(subject.encode()).hexdigest()[:32]


def rate_buckets(kind: str, user_id: uuid.UUID, key_id: uuid.UUID | None) -> list[str]:
    """A request's token buckets of one kind: the user's, and its key's when it came with one."""
    return [f"{PREFIX}rl:{kind}:u:{user_id}"] + ([f"{PREFIX}rl:{kind}:k:{key_id}"] if key_id else [])


def public_rate_buckets(user_id: uuid.UUID, client: str) -> list[str]:
    """A keyless read of a user's shared data: the user's public bucket and the client address's."""
    return [f"{PREFIX}rl:public:u:{user_id}", client_rate_bucket(client)]


def client_rate_bucket(client: str) -> str:
    """A client address's bucket of keyless reads (shared data, the public leaderboard, badges)."""
    return f"{PREFIX}rl:public:c:{client}"


# ------------------------------------------------------------------------------------------- read results


@dataclass(frozen=True, slots=True)
class JsonPayload:
    """A JSON answer, kept gzipped."""

    gzipped: bytes

    def json_bytes(self) -> bytes:
        return gzip.decompress(self.gzipped)


def dumps(value: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(value, separators=(",", ":")).encode()


def user_generation(user_id: uuid.UUID | str) -> str:
    """The user's current cache generation, created if missing."""
    cache = get_cache()
    current = cache.get(generation_key(user_id))
    if current is not None:
        return current.decode()
    token = uuid.uuid4().hex[:12]
    cache.set(generation_key(user_id), token.encode(), _GENERATION_TTL)
    return token


def _digest(params: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:20]


def cached(
    user_id: uuid.UUID, name: str, params: dict[str, Any], compute: Callable[[], bytes | JsonPayload]
) -> JsonPayload:
    """The cached result `name` for these parameters, computed (and cached, gzipped) on a miss: `compute` gives
    JSON bytes, or a JsonPayload when it compressed them itself."""
    return _cached(result_key(user_id, user_generation(user_id), name, _digest(params)), compute)


def cached_team(
    group_id: uuid.UUID, member_ids: list[uuid.UUID], name: str, params: dict[str, Any], compute: Callable[[], bytes]
) -> JsonPayload:
    """A team read over these members' data: stale when the group changes (invalidate_group) or when any member's
    own data changes (their generation, as for their own reads), with one cache round trip for all generations."""
    cache = get_cache()
    keys = [group_generation_key(group_id), *(generation_key(m) for m in member_ids)]
    found = cache.get_many(keys)
    tokens = []
    for key, value in zip(keys, found, strict=True):
        if value is None:
            value = uuid.uuid4().hex[:12].encode()
            cache.set(key, value, _GENERATION_TTL)
        tokens.append(value.decode())
    members = hashlib.sha1(",".join(f"{m}={t}" for m, t in zip(member_ids, tokens[1:], strict=True)).encode())
    key = team_result_key(group_id, tokens[0], members.hexdigest()[:20], name, _digest(params))
    return _cached(key, compute)


def _cached(key: str, compute: Callable[[], bytes | JsonPayload]) -> JsonPayload:
    cache = get_cache()
    hit = cache.get(key)
    # Hits and misses as two counts: the hit ratio is CacheHit / (CacheHit + CacheMiss) in CloudWatch.
    metrics.add_metric(name="CacheHit" if hit is not None else "CacheMiss", unit=MetricUnit.Count, value=1)
    if hit is not None:
        return JsonPayload(hit)
    produced = compute()
    if isinstance(produced, JsonPayload):  # compressed already (summaries joined from stored parts)
        result = produced.gzipped
    else:  # level 1: ten times smaller at a tenth of level 6's cost; mtime=0 keeps equal answers byte-identical
        result = gzip.compress(produced, compresslevel=1, mtime=0)
    cache.set(key, result, get_settings().cache_ttl_seconds)
    return JsonPayload(result)


def invalidate_user_summaries(user_id: uuid.UUID | str) -> None:
    """Make every cached result of this user stale (after a write that changed their data)."""
    get_cache().set(generation_key(user_id), uuid.uuid4().hex[:12].encode(), _GENERATION_TTL)


def invalidate_group(group_id: uuid.UUID | str) -> None:
    """A group's members, roles, privacy or patterns changed, or it is gone: every cached team read of it is
    unreachable at once (a new generation) and deleted (nothing of a removed member stays in the cache)."""
    cache = get_cache()
    cache.set(group_generation_key(group_id), uuid.uuid4().hex[:12].encode(), _GENERATION_TTL)
    cache.delete_prefix(f"{PREFIX}t:{group_id}:")


def drop_user_results(user_id: uuid.UUID | str) -> None:
    """Delete every cached result of this user (the account is cleared or gone): nothing cached before is served,
    and the next read makes a new generation."""
    cache = get_cache()
    cache.delete_prefix(f"{PREFIX}r:{user_id}:")
    cache.delete(generation_key(user_id))
