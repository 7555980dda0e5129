"""Users and API keys: bootstrap, create, list, revoke, rotate."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from codetime.clients import key_pepper
from codetime.config import get_settings
from codetime.db import get_pool
from codetime.domain.errors import Conflict, InvalidInput, NotFound
from codetime.domain.keys import canonical_key, generate_key, hash_key, key_hint
from codetime.repositories.users import ApiKey, User, UserRepository
from codetime.services import cache_keys, live
from codetime.services.auth import forget_key

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


class KeyNotFound(NotFound):
    pass


class TooManyKeys(Conflict):
    """The user holds CODETIME_MAX_KEYS_PER_USER active keys already."""


class InvalidUserInput(InvalidInput):
    pass


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key together with its plaintext, which exists only in this response."""

    key: ApiKey
    plaintext: str


def validate_timezone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidUserInput(f"Unknown timezone: {tz!r}.") from exc
    return tz


def create_user(
    *, email: str | None, username: str | None = None, timezone: str | None = None, api_key: str | None = None
) -> tuple[User, IssuedKey]:
    """Create a user with a first key (a new one, or an imported WakaTime-format key)."""
    if not email and not username:
        raise InvalidUserInput("An email or a username is required.")
    username = username or email.split("@")[0]  # type: ignore[union-attr]
    if not _USERNAME.match(username):
        raise InvalidUserInput("Username may hold letters, digits, '.', '_' and '-' (at most 63).")
    if timezone:
        validate_timezone(timezone)
    plaintext = api_key.strip().lower() if api_key else generate_key()
    canonical_key(plaintext)  # rejects a key wakatime-cli would refuse
    with get_pool().connection() as conn, conn.transaction():
        repo = UserRepository(conn)
        user = repo.create(username=username, email=email, timezone=timezone)
        key = repo.add_key(user.id, hash_key(plaintext, key_pepper()), key_hint(plaintext), "default")
    return user, IssuedKey(key, plaintext)


def ensure_user_key(username: str, key: str) -> User:
    """The user `username` holding `key`, creating either as needed (idempotent; for the dev user)."""
    key_hash = hash_key(key, key_pepper())
    with get_pool().connection() as conn, conn.transaction():
        repo = UserRepository(conn)
        found = repo.user_for_key(key_hash)
        if found is not None:
            return found[0]
        user = repo.find(username) or repo.create(username=username, email=None, timezone=None)
        repo.add_key(user.id, key_hash, key_hint(key), username)
        return user


def create_key(user: User, label: str | None = None, read_only: bool = False) -> IssuedKey:
    """A new key, unless the user already holds the maximum number of active keys (TooManyKeys)."""
    plaintext = generate_key()
    limit = get_settings().max_keys_per_user
    with get_pool().connection() as conn, conn.transaction():
        repo = UserRepository(conn)
        if repo.lock_active_key_count(user.id) >= limit:
            raise TooManyKeys(f"At most {limit} active keys per user (CODETIME_MAX_KEYS_PER_USER); revoke one first.")
        key = repo.add_key(user.id, hash_key(plaintext, key_pepper()), key_hint(plaintext), label, read_only)
    return IssuedKey(key, plaintext)


def list_keys(user: User) -> list[ApiKey]:
    with get_pool().connection() as conn:
        return UserRepository(conn).list_keys(user.id)


def revoke_key(user: User, key_id: uuid.UUID) -> None:
    """Revoke one of the user's keys; it stops working at once (its cache entry is dropped, and the live
    connections it opened are closed)."""
    with get_pool().connection() as conn:
        key_hash = UserRepository(conn).revoke_key(user.id, key_id)
    if key_hash is None:
        raise KeyNotFound("No such active key.")
    forget_key(key_hash)
    live.revoked(user.id, key_id)


def rotate_key(user: User, key_id: uuid.UUID) -> IssuedKey:
    """Replace a key with a new one carrying the same label, in one transaction."""
    plaintext = generate_key()
    with get_pool().connection() as conn, conn.transaction():
        repo = UserRepository(conn)
        old = next((k for k in repo.list_keys(user.id) if k.id == key_id and k.revoked_at is None), None)
        key_hash = repo.revoke_key(user.id, key_id) if old else None
        if key_hash is None:
            raise KeyNotFound("No such active key.")
        new = repo.add_key(
            user.id,
            hash_key(plaintext, key_pepper()),
            key_hint(plaintext),
            old.label,
            old.read_only,  # type: ignore[union-attr]
        )
    forget_key(key_hash)
    live.revoked(user.id, key_id)
    return IssuedKey(new, plaintext)


def touch_key_usage(key_id: uuid.UUID, plugin: str | None) -> None:
    """Record that a key was used, at most once a minute per key (not on every heartbeat)."""
    from codetime.cache import get_cache

    cache = get_cache()
    marker = cache_keys.api_key_used(key_id)
    if cache.get(marker) is not None:
        return
    cache.set(marker, b"1", 60)
    with get_pool().connection() as conn:
        UserRepository(conn).touch_key(key_id, plugin)


def _code_hash(code: str) -> bytes:
    return hashlib.sha256(code.strip().encode()).digest()


def issue_confirmation_code(user: User, minutes: int = 10) -> str:
    """A one-time code confirming one take-over action made with a key (README: Identity); only its hash is kept."""
    code = secrets.token_urlsafe(15)  # 120 random bits: not guessable within its lifetime
    with get_pool().connection() as conn:
        UserRepository(conn).add_confirmation_code(user.id, _code_hash(code), minutes * 60)
    return code


def use_confirmation_code(user: User, code: str) -> bool:
    """Consume the user's code; False when it is unknown, another user's, used already or expired."""
    if not code or len(code) > 100:
        return False
    with get_pool().connection() as conn:
        return UserRepository(conn).use_confirmation_code(user.id, _code_hash(code))
