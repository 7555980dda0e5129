"""Account deletion and "clear my data": the SQL that removes a user's rows, in batches where they are many."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg import sql

from codetime.domain.heartbeats import AI_FIELDS

# Tables derived from heartbeats: emptied by a clear (settings, keys and rules stay).
AGGREGATE_TABLES = (
    "daily_totals", "daily_entity_totals", "daily_dependency_totals", "daily_summaries", "daily_activity",
    "daily_ai_totals", "user_agents", "leaderboard_totals",
)  # fmt: skip
# A window of heartbeats deleted per statement: TimescaleDB chunks are 7 days, so a window touches few chunks and
# one statement stays short even for a heavy user.
PURGE_WINDOW = "14 days"


@dataclass(frozen=True, slots=True)
class Purge:
    user_id: uuid.UUID
    before: datetime | None  # None: every heartbeat (an account deletion)
    account_deleted: bool


@dataclass(frozen=True, slots=True)
class DeletedAccount:
    key_ids: list[uuid.UUID]
    key_hashes: list[bytes]
    oidc_subject: str | None = None


def user_id_tables(conn: psycopg.Connection) -> list[str]:
    """Every table of the schema with a `user_id` column (so tables added later are covered)."""
    rows = conn.execute(
        "SELECT c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE c.table_schema = current_schema() AND c.column_name = 'user_id' AND t.table_type = 'BASE TABLE' "
        "ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows if name != "data_purges"]


class AccountRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def delete_user(self, user_id: uuid.UUID) -> DeletedAccount | None:
        """Delete the user row (keys and every table referencing users go with it, ON DELETE CASCADE) and
        record the purge of the rest. Inside the caller's transaction; None when there is no such user."""
        keys = self.conn.execute(
            "SELECT k.id, k.key_hash, u.oidc_subject FROM users u LEFT JOIN api_keys k ON k.user_id = u.id "
            "WHERE u.id = %s FOR UPDATE OF u",
            (user_id,),
        ).fetchall()
        if not keys:
            return None
        # Organizations and private leaderboards the user owns go with them (nobody else could rename or delete
        # them); memberships elsewhere cascade.
        self.conn.execute(
            "DELETE FROM organizations WHERE id IN "
            "(SELECT org_id FROM org_members WHERE user_id = %s AND role = 'owner')",
            (user_id,),
        )
        self.conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
        self.conn.execute(
            "INSERT INTO data_purges (user_id, before, account_deleted) VALUES (%s, 'infinity', true) "
            "ON CONFLICT (user_id) DO UPDATE SET before = 'infinity', account_deleted = true",
            (user_id,),
        )
        found = [(key_id, bytes(key_hash)) for key_id, key_hash, _ in keys if key_id is not None]
        return DeletedAccount([k for k, _ in found], [h for _, h in found], keys[0][2])

    def clear_data(self, user_id: uuid.UUID) -> bool:
        """Mark the user's data cleared now, drop the aggregates and record the purge of the heartbeats.
        Inside the caller's transaction; False when there is no such user."""
        # Lock first, then read the clock: a writer holding the lock has committed by then, so its rows are
        # older than data_cleared_at, and every later one waits for this transaction.
        if self.conn.execute("SELECT 1 FROM users WHERE id = %s FOR NO KEY UPDATE", (user_id,)).fetchone() is None:
            return False
        row = self.conn.execute(
            "UPDATE users SET data_cleared_at = clock_timestamp(), last_heartbeat_at = NULL, last_plugin = NULL, "
            "last_project = NULL WHERE id = %s RETURNING data_cleared_at",
            (user_id,),
        ).fetchone()
        for table in AGGREGATE_TABLES:
            self.conn.execute(sql.SQL("DELETE FROM {} WHERE user_id = %s").format(sql.Identifier(table)), (user_id,))
        self.conn.execute(
            "INSERT INTO data_purges (user_id, before, account_deleted) VALUES (%s, %s, false) "
            "ON CONFLICT (user_id) DO UPDATE SET before = greatest(data_purges.before, excluded.before)",
            (user_id, row[0]),
        )
        return True

    def pending(self, user_id: uuid.UUID | None = None) -> list[Purge]:
        """Purges not finished yet (of one user, or all)."""
        return [
            Purge(*row)
            for row in self.conn.execute(
                "SELECT user_id, nullif(before, 'infinity'), account_deleted FROM data_purges "
                "WHERE %(user)s::uuid IS NULL OR user_id = %(user)s ORDER BY requested_at",
                {"user": user_id},
            )
        ]

    def delete_heartbeat_window(self, purge: Purge) -> int | None:
        """Delete the newest window of heartbeats the purge covers (newest first: a clear's recent days are
        the ones live heartbeats touch); returns rows deleted, or None when none are left."""
        newest = self.conn.execute(
            "SELECT max(time) FROM heartbeats "
            "WHERE user_id = %s AND created_at <= coalesce(%s::timestamptz, 'infinity')",
            (purge.user_id, purge.before),
        ).fetchone()[0]
        if newest is None:
            return None
        return self.conn.execute(
            "DELETE FROM heartbeats WHERE user_id = %s AND created_at <= coalesce(%s::timestamptz, 'infinity') "
            "AND time > %s - %s::interval AND time <= %s",
            (purge.user_id, purge.before, newest, PURGE_WINDOW, newest),
        ).rowcount

    def delete_everywhere(self, user_id: uuid.UUID) -> None:
        """Delete the user's rows from every table with a user_id column (what cascades cannot reach)."""
        for table in user_id_tables(self.conn):
            self.conn.execute(sql.SQL("DELETE FROM {} WHERE user_id = %s").format(sql.Identifier(table)), (user_id,))

    def delete_aggregates(self, user_id: uuid.UUID) -> None:
        for table in AGGREGATE_TABLES:
            self.conn.execute(sql.SQL("DELETE FROM {} WHERE user_id = %s").format(sql.Identifier(table)), (user_id,))

    def rebuild_user_agents(self, user_id: uuid.UUID) -> None:
        """The user's User-Agents from the heartbeats left (after a clear: those sent since)."""
        self.conn.execute(
            "INSERT INTO user_agents (user_id, user_agent, first_at, last_at) "
            "SELECT user_id, user_agent, min(time), max(time) FROM heartbeats "
            "WHERE user_id = %s AND user_agent IS NOT NULL GROUP BY 1, 2",
            (user_id,),
        )

    def active_days(self, user_id: uuid.UUID, tz: str) -> list[date]:
        """Local days that still have heartbeats (after a clear: those sent since)."""
        return [
            day
            for (day,) in self.conn.execute(
                "SELECT DISTINCT (time AT TIME ZONE %s)::date FROM heartbeats WHERE user_id = %s ORDER BY 1",
                (tz, user_id),
            )
        ]

    def finish(self, user_id: uuid.UUID) -> None:
        self.conn.execute("DELETE FROM data_purges WHERE user_id = %s", (user_id,))

    def export_rows(self, user_id: uuid.UUID, tz: str, batch: int = 2000) -> Iterator[dict]:
        """Every heartbeat of the user in time order, with its local day, through a server-side cursor (the
        caller's connection must be in a transaction)."""
        with self.conn.cursor("export", row_factory=psycopg.rows.dict_row) as cur:
            cur.itersize = batch
            cur.execute(
                "SELECT (time AT TIME ZONE %s)::date AS day, extract(epoch FROM time)::float8 AS time, entity, "
                "type, category, project, branch, language, dependencies, lines, lineno, cursorpos, "
                "line_additions, line_deletions, project_root_count, is_write, machine, user_agent, "
                f"{', '.join(AI_FIELDS)} FROM heartbeats WHERE user_id = %s ORDER BY time, seq",
                (tz, user_id),
            )
            yield from cur

    def time_range(self, user_id: uuid.UUID) -> tuple[float | None, float | None]:
        row = self.conn.execute(
            "SELECT extract(epoch FROM min(time))::float8, extract(epoch FROM max(time))::float8 "
            "FROM heartbeats WHERE user_id = %s",
            (user_id,),
        ).fetchone()
        return row[0], row[1]
