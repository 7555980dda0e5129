"""Users and their API keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row


@dataclass(slots=True)
class User:
    id: uuid.UUID
    username: str
    email: str | None
    display_name: str | None
    timezone: str | None
    timeout_seconds: int
    created_at: datetime
    last_heartbeat_at: datetime | None
    last_plugin: str | None
    last_project: str | None
    # Defaults keep user records cached before these columns existed readable.
    oidc_subject: str | None = None
    week_start: int = 1  # 0 Sunday ... 6 Saturday (WakaTime's weekday_start)
    public_profile: bool = False
    modified_at: datetime | None = None
    # What the user shares publicly (see domain.sharing): 0 days = nothing.
    share_data_max_days: int = 0
    share_projects: bool = False
    share_languages: bool = False
    share_editors: bool = False
    share_operating_systems: bool = False
    share_machines: bool = False
    share_categories: bool = False
    # The public leaderboard (services/leaderboards.py): opted in, and the optional country it can filter by.
    public_leaderboard: bool = False
    country_code: str | None = None

    @property
    def effective_timezone(self) -> str:
        return self.timezone or "UTC"

    @property
    def iso_week_start(self) -> int:
        """week_start counted from Monday = 0, as domain.ranges takes it."""
        return (self.week_start - 1) % 7


@dataclass(slots=True)
class ApiKey:
    id: uuid.UUID
    user_id: uuid.UUID
    key_hint: str
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    last_plugin: str | None
    revoked_at: datetime | None
    read_only: bool = False


_USER_COLUMNS = (
    "id, username, email, display_name, timezone, timeout_seconds, created_at, last_heartbeat_at, "
    "last_plugin, last_project, oidc_subject, week_start, public_profile, modified_at, share_data_max_days, "
    "share_projects, share_languages, share_editors, share_operating_systems, share_machines, share_categories, "
    "public_leaderboard, country_code"
)


def user_columns(alias: str) -> str:
    """The User row's columns qualified by a table alias, for queries that join users (in User's field order)."""
    return ", ".join(f"{alias}.{column.strip()}" for column in _USER_COLUMNS.split(","))


_KEY_COLUMNS = "id, user_id, key_hint, label, created_at, last_used_at, last_plugin, revoked_at, read_only"


class UsernameTaken(Exception):
    pass


class UserRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def create(
        self, *, username: str, email: str | None, timezone: str | None, display_name: str | None = None,
        oidc_subject: str | None = None,
    ) -> User:  # fmt: skip
        try:
            with self.conn.cursor(row_factory=class_row(User)) as cur:
                cur.execute(
                    f"INSERT INTO users (id, username, email, display_name, timezone, oidc_subject) "
                    f"VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_USER_COLUMNS}",
                    (uuid.uuid4(), username, email, display_name, timezone, oidc_subject),
                )
                return cur.fetchone()  # type: ignore[return-value]
        except psycopg.errors.UniqueViolation as exc:
            raise UsernameTaken(str(exc.diag.constraint_name)) from exc

    def get(self, user_id: uuid.UUID | str) -> User | None:
        with self.conn.cursor(row_factory=class_row(User)) as cur:
            return cur.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE id = %s", (user_id,)).fetchone()

    def get_many(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, User]:
        """Several users by id, in one query (team reads)."""
        with self.conn.cursor(row_factory=class_row(User)) as cur:
            rows = cur.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ANY(%s)", (list(user_ids),)).fetchall()
        return {user.id: user for user in rows}

    def find(self, username_or_email: str) -> User | None:
        with self.conn.cursor(row_factory=class_row(User)) as cur:
            return cur.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE username = %s OR email = %s "
                f"ORDER BY username = %s DESC LIMIT 1",
                (username_or_email, username_or_email, username_or_email),
            ).fetchone()

    def by_name_or_id(self, name: str) -> User | None:
        """A user by username or id, never by e-mail (anyone may ask: public stats)."""
        try:
            user_id: uuid.UUID | None = uuid.UUID(name)
        except ValueError:
            user_id = None
        with self.conn.cursor(row_factory=class_row(User)) as cur:
            return cur.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE username = %s OR id = %s ORDER BY username = %s DESC LIMIT 1",
                (name, user_id, name),
            ).fetchone()

    def by_subject(self, subject: str) -> User | None:
        with self.conn.cursor(row_factory=class_row(User)) as cur:
            return cur.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE oidc_subject = %s", (subject,)).fetchone()

    def by_email(self, email: str) -> User | None:
        with self.conn.cursor(row_factory=class_row(User)) as cur:
            return cur.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE email = %s", (email,)).fetchone()

    def link_subject(self, user_id: uuid.UUID, subject: str) -> User | None:
        """Attach an OIDC subject to a user that has none yet (first sign-in of a user made by the CLI)."""
        with self.conn.cursor(row_factory=class_row(User)) as cur:
            return cur.execute(
                f"UPDATE users SET oidc_subject = %s WHERE id = %s AND oidc_subject IS NULL RETURNING {_USER_COLUMNS}",
                (subject, user_id),
            ).fetchone()

    def update_settings(self, user_id: uuid.UUID, changes: dict[str, object]) -> User | None:
        """Set the given settings columns (names from a fixed whitelist in the caller)."""
        assignments = ", ".join(f"{column} = %s" for column in changes)
        with self.conn.cursor(row_factory=class_row(User)) as cur:
            return cur.execute(
                f"UPDATE users SET {assignments}, modified_at = now() WHERE id = %s RETURNING {_USER_COLUMNS}",
                (*changes.values(), user_id),
            ).fetchone()

    def time_settings(
        self, user_ids: Sequence[uuid.UUID], *, lock: str | None = None
    ) -> dict[uuid.UUID, tuple[str, int]]:
        """Each user's (timezone, keystroke timeout seconds), the two settings time is computed with; UTC when the
        user has no timezone yet. `lock` = "update" or "no key update" locks the rows until the transaction ends."""
        clause = {None: "", "update": " FOR UPDATE", "no key update": " FOR NO KEY UPDATE"}[lock]
        rows = self.conn.execute(
            f"SELECT id, coalesce(timezone, 'UTC'), timeout_seconds FROM users WHERE id = ANY(%s){clause}",
            (list(user_ids),),
        ).fetchall()
        return {user_id: (tz, timeout) for user_id, tz, timeout in rows}

    def lock(self, user_id: uuid.UUID) -> None:
        """Lock the user's row until the transaction ends (serializes count checks and settings changes)."""
        self.conn.execute("SELECT 1 FROM users WHERE id = %s FOR UPDATE", (user_id,))

    def set_timezone_if_unset(self, user_id: uuid.UUID, timezone: str) -> bool:
        cur = self.conn.execute(
            "UPDATE users SET timezone = %s WHERE id = %s AND timezone IS NULL", (timezone, user_id)
        )
        return cur.rowcount == 1

    # --- API keys -------------------------------------------------------------------------------------------

    def add_key(
        self, user_id: uuid.UUID, key_hash: bytes, key_hint: str, label: str | None, read_only: bool = False
    ) -> ApiKey:
        with self.conn.cursor(row_factory=class_row(ApiKey)) as cur:
            return cur.execute(  # type: ignore[return-value]
                f"INSERT INTO api_keys (id, user_id, key_hash, key_hint, label, read_only) "
                f"VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_KEY_COLUMNS}",
                (uuid.uuid4(), user_id, key_hash, key_hint, label, read_only),
            ).fetchone()

    def user_for_key(self, key_hash: bytes) -> tuple[User, uuid.UUID, bool] | None:
        """The owner of an active key, the key's id and whether it is read-only."""
        row = self.conn.execute(
            "SELECT k.id, k.read_only, " + ", ".join(f"u.{c.strip()}" for c in _USER_COLUMNS.split(",")) +
            " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = %s AND k.revoked_at IS NULL",
            (key_hash,),
        ).fetchone()  # fmt: skip
        return (User(*row[2:]), row[0], row[1]) if row else None

    def list_keys(self, user_id: uuid.UUID) -> list[ApiKey]:
        with self.conn.cursor(row_factory=class_row(ApiKey)) as cur:
            return cur.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE user_id = %s ORDER BY created_at, id", (user_id,)
            ).fetchall()

    def revoke_key(self, user_id: uuid.UUID, key_id: uuid.UUID) -> bytes | None:
        """Revoke one of the user's active keys; returns its hash (to drop cache entries) or None."""
        row = self.conn.execute(
            "UPDATE api_keys SET revoked_at = now() WHERE id = %s AND user_id = %s AND revoked_at IS NULL "
            "RETURNING key_hash",
            (key_id, user_id),
        ).fetchone()
        return bytes(row[0]) if row else None

    def touch_key(self, key_id: uuid.UUID, plugin: str | None) -> None:
        self.conn.execute(
            "UPDATE api_keys SET last_used_at = now(), last_plugin = coalesce(%s, last_plugin) WHERE id = %s",
            (plugin, key_id),
        )

    def lock_active_key_count(self, user_id: uuid.UUID) -> int:
        """The user's active keys, counted with the user row locked until the transaction ends (so two
        concurrent creations cannot both pass a cap)."""
        self.conn.execute("SELECT 1 FROM users WHERE id = %s FOR UPDATE", (user_id,))
        row = self.conn.execute(
            "SELECT count(*) FROM api_keys WHERE user_id = %s AND revoked_at IS NULL", (user_id,)
        ).fetchone()
        return int(row[0]) if row else 0

    # --- confirmation codes -----------------------------------------------------------------------------------

    def add_confirmation_code(self, user_id: uuid.UUID, code_hash: bytes, lifetime_seconds: int) -> None:
        self.conn.execute("DELETE FROM confirmation_codes WHERE expires_at < now()")
        self.conn.execute(
            "INSERT INTO confirmation_codes (code_hash, user_id, expires_at) "
            "VALUES (%s, %s, now() + make_interval(secs => %s))",
            (code_hash, user_id, lifetime_seconds),
        )

    def use_confirmation_code(self, user_id: uuid.UUID, code_hash: bytes) -> bool:
        """Consume the user's unexpired code; False when there is none (a code works once)."""
        row = self.conn.execute(
            "DELETE FROM confirmation_codes WHERE code_hash = %s AND user_id = %s RETURNING expires_at > now()",
            (code_hash, user_id),
        ).fetchone()
        return bool(row and row[0])
