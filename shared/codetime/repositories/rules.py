"""A user's project and language rules (renames applied when aggregates and durations are computed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

_COLUMNS = "id, kind, pattern, replacement, created_at"


@dataclass(slots=True)
class Rule:
    id: uuid.UUID
    kind: str
    pattern: str
    replacement: str
    created_at: datetime


class RuleTaken(Exception):
    pass


class RuleRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def list(self, user_id: uuid.UUID) -> list[Rule]:
        with self.conn.cursor(row_factory=class_row(Rule)) as cur:
            return cur.execute(
                f"SELECT {_COLUMNS} FROM user_rules WHERE user_id = %s ORDER BY kind, pattern", (user_id,)
            ).fetchall()

    def count(self, user_id: uuid.UUID) -> int:
        return self.conn.execute("SELECT count(*) FROM user_rules WHERE user_id = %s", (user_id,)).fetchone()[0]  # type: ignore[index]

    def add(self, user_id: uuid.UUID, kind: str, pattern: str, replacement: str) -> Rule:
        try:
            with self.conn.transaction(), self.conn.cursor(row_factory=class_row(Rule)) as cur:
                return cur.execute(  # type: ignore[return-value]
                    f"INSERT INTO user_rules (id, user_id, kind, pattern, replacement) VALUES (%s, %s, %s, %s, %s) "
                    f"RETURNING {_COLUMNS}",
                    (uuid.uuid4(), user_id, kind, pattern, replacement),
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise RuleTaken from exc

    def update(self, user_id: uuid.UUID, rule_id: uuid.UUID, pattern: str, replacement: str) -> Rule | None:
        try:
            with self.conn.transaction(), self.conn.cursor(row_factory=class_row(Rule)) as cur:
                return cur.execute(
                    f"UPDATE user_rules SET pattern = %s, replacement = %s WHERE id = %s AND user_id = %s "
                    f"RETURNING {_COLUMNS}",
                    (pattern, replacement, rule_id, user_id),
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise RuleTaken from exc

    def get(self, user_id: uuid.UUID, rule_id: uuid.UUID) -> Rule | None:
        with self.conn.cursor(row_factory=class_row(Rule)) as cur:
            return cur.execute(
                f"SELECT {_COLUMNS} FROM user_rules WHERE id = %s AND user_id = %s", (rule_id, user_id)
            ).fetchone()

    def delete(self, user_id: uuid.UUID, rule_id: uuid.UUID) -> bool:
        cur = self.conn.execute("DELETE FROM user_rules WHERE id = %s AND user_id = %s", (rule_id, user_id))
        return cur.rowcount == 1
