"""Goals and the seconds they count (from daily_totals)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

from codetime.domain.names import PLURAL

# A goal's filters: request/API name -> daily_totals column.
# A goal's lists (WakaTime's names) -> the dimension each filters.
GOAL_FILTERS = {PLURAL[dim]: dim for dim in ("language", "project", "editor", "category")}


@dataclass(slots=True)
class Goal:
    id: uuid.UUID
    user_id: uuid.UUID
    title: str | None
    delta: str
    seconds: int
    languages: list[str]
    projects: list[str]
    editors: list[str]
    categories: list[str]
    ignore_days: list[str]
    ignore_zero_days: bool
    is_inverse: bool
    is_enabled: bool
    snooze_until: datetime | None
    created_at: datetime
    modified_at: datetime | None


_COLUMNS = (
    "id, user_id, title, delta, seconds, languages, projects, editors, categories, ignore_days, ignore_zero_days, "
    "is_inverse, is_enabled, snooze_until, created_at, modified_at"
)
EDITABLE = (
    "title", "delta", "seconds", "languages", "projects", "editors", "categories", "ignore_days", "ignore_zero_days",
    "is_inverse", "is_enabled", "snooze_until",
)  # fmt: skip


class GoalRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def create(self, user_id: uuid.UUID, values: dict[str, Any]) -> Goal:
        names = [n for n in EDITABLE if n in values]
        with self.conn.cursor(row_factory=class_row(Goal)) as cur:
            return cur.execute(  # type: ignore[return-value]
                f"INSERT INTO goals (id, user_id, {', '.join(names)}) "
                f"VALUES (%s, %s{', %s' * len(names)}) RETURNING {_COLUMNS}",
                (uuid.uuid4(), user_id, *(values[n] for n in names)),
            ).fetchone()

    def list(self, user_id: uuid.UUID) -> list[Goal]:
        with self.conn.cursor(row_factory=class_row(Goal)) as cur:
            return cur.execute(
                f"SELECT {_COLUMNS} FROM goals WHERE user_id = %s ORDER BY created_at, id", (user_id,)
            ).fetchall()

    def get(self, user_id: uuid.UUID, goal_id: uuid.UUID) -> Goal | None:
        with self.conn.cursor(row_factory=class_row(Goal)) as cur:
            return cur.execute(
                f"SELECT {_COLUMNS} FROM goals WHERE id = %s AND user_id = %s", (goal_id, user_id)
            ).fetchone()

    def update(self, user_id: uuid.UUID, goal_id: uuid.UUID, values: dict[str, Any]) -> Goal | None:
        names = [n for n in EDITABLE if n in values]
        # Column names come from the EDITABLE whitelist; values are bound.
        assignments = "".join(f"{n} = %s, " for n in names)
        with self.conn.cursor(row_factory=class_row(Goal)) as cur:
            return cur.execute(
                f"UPDATE goals SET {assignments}modified_at = now() WHERE id = %s AND user_id = %s "
                f"RETURNING {_COLUMNS}",
                (*(values[n] for n in names), goal_id, user_id),
            ).fetchone()

    def delete(self, user_id: uuid.UUID, goal_id: uuid.UUID) -> bool:
        return self.conn.execute("DELETE FROM goals WHERE id = %s AND user_id = %s", (goal_id, user_id)).rowcount == 1
