"""Per-(user, day) aggregates: recomputed from raw heartbeats by the writer, read by every summary."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import psycopg

from codetime.domain.ai import AiGroup, AiRow, prices_json
from codetime.domain.rules import EXTENSION_PATTERN
from codetime.domain.summaries import AI_DIMENSIONS, DIMENSIONS, TotalsRow
from codetime.gzip_parts import Part

# WakaTime's rule in SQL (see domain/durations.py): each heartbeat owns the gap to the next one of the same
# local day when that gap is within the timeout. Ties on time keep arrival order (seq), as reads do.
# With rules (domain/rules.py), project and language are renamed here, so every aggregate and every read computed
# from raw heartbeats sees the same names; at most one rule matches per join (unique per user, kind, pattern).
# Users without rules get the plain query: the rule joins cost a regex per heartbeat.
# With `ai`, each heartbeat also carries its AI fields and its human line change (domain/ai.py's human_change: the
# plugin's human_line_changes, else for non-AI heartbeats the change of `lines` since the previous heartbeat of the
# same entity that local day). Only the writer's recompute and AI reads ask for it: the extra window sort is theirs.
_AI_HB_COLUMNS = """,
           h.ai_session, h.ai_model, h.ai_line_changes, h.ai_input_tokens, h.ai_cached_input_tokens,
           h.ai_output_tokens, h.ai_prompt_length,
           CASE WHEN h.human_line_changes IS NOT NULL THEN h.human_line_changes
                WHEN h.ai_line_changes IS NULL AND h.category <> 'ai coding' THEN h.lines - lag(h.lines) OVER (
                    PARTITION BY (h.time AT TIME ZONE %(tz)s)::date, h.entity ORDER BY h.time, h.seq)
           END AS human_change"""


def _spans(with_rules: bool, ai: bool = False) -> str:
    project = "coalesce(pr.replacement, h.project, '')" if with_rules else "coalesce(h.project, '')"
    language = "coalesce(lr.replacement, er.replacement, h.language, '')" if with_rules else "coalesce(h.language, '')"
    rules_cte = (
        "rules AS (SELECT kind, pattern, replacement FROM user_rules WHERE user_id = %(user_id)s), "
        if with_rules
        else ""
    )
    rules = (
        "LEFT JOIN rules pr ON pr.kind = 'project' AND pr.pattern = h.project "
        "LEFT JOIN rules er ON er.kind = 'extension' AND er.pattern = lower(substring(h.entity FROM %(ext_re)s)) "
        "LEFT JOIN rules lr ON lr.kind = 'language' AND lr.pattern = coalesce(er.replacement, h.language)"
        if with_rules
        else ""
    )
    return f"""
WITH {rules_cte}hb AS (
    SELECT (h.time AT TIME ZONE %(tz)s)::date AS day, h.time, h.entity, h.dependencies,
           {project} AS project, {language} AS language,
           coalesce(h.editor, '') AS editor, coalesce(h.operating_system, '') AS operating_system,
           coalesce(h.machine, '') AS machine, coalesce(h.branch, '') AS branch, h.category,
           extract(epoch FROM lead(h.time) OVER (
               PARTITION BY (h.time AT TIME ZONE %(tz)s)::date ORDER BY h.time, h.seq
           ) - h.time)::float8 AS gap{_AI_HB_COLUMNS if ai else ""}
    FROM heartbeats h {rules}
    WHERE h.user_id = %(user_id)s AND h.time >= %(lo)s AND h.time < %(hi)s
), spans AS (
    SELECT hb.*, CASE WHEN gap <= %(timeout)s THEN gap ELSE 0 END AS seconds
    FROM hb WHERE day = ANY(%(days)s)
)
"""


_SPANS = {flag: _spans(flag) for flag in (False, True)}
PRICES_JSON = prices_json()
_AI_SPANS = {flag: _spans(flag, ai=True) for flag in (False, True)}

# A day's AI sums per (project, editor, session, model), from the spans above (see domain/ai.py for each figure).
_AI_ROWS = """
SELECT day, project, editor, coalesce(ai_session, '') AS session, coalesce(ai_model, '') AS model,
       sum(greatest(ai_line_changes, 0))::bigint, sum(greatest(-ai_line_changes, 0))::bigint,
       sum(greatest(human_change, 0))::bigint, sum(greatest(-human_change, 0))::bigint,
       sum(coalesce(ai_input_tokens, 0))::bigint, sum(coalesce(ai_cached_input_tokens, 0))::bigint,
       sum(coalesce(ai_output_tokens, 0))::bigint, count(*) FILTER (WHERE ai_prompt_length > 0),
       sum(CASE WHEN ai_prompt_length > 0 THEN ai_prompt_length ELSE 0 END)::bigint,
       coalesce(sum(round(
           coalesce(ai_input_tokens, 0) * (price ->> 0)::numeric
           + coalesce(ai_cached_input_tokens, 0) * (price ->> 1)::numeric
           + coalesce(ai_output_tokens, 0) * (price ->> 2)::numeric
       )), 0)::bigint
FROM (
    SELECT spans.*, %(prices)s::jsonb -> substring(lower(ai_model) FROM '^[^-/_ .]*') AS price FROM spans
) priced
WHERE ai_session IS NOT NULL OR ai_line_changes <> 0 OR human_change <> 0 OR ai_input_tokens > 0
   OR ai_cached_input_tokens > 0 OR ai_output_tokens > 0 OR ai_prompt_length > 0
GROUP BY day, project, editor, session, model
"""
_AI_COLUMNS = (
    "day, project, editor, session, model, ai_additions, ai_deletions, human_additions, human_deletions, "
    "ai_input_tokens, ai_cached_input_tokens, ai_output_tokens, ai_prompt_events, ai_prompt_length_sum, "
    "ai_cost_micros"
)

_AI_SUMS = _AI_COLUMNS.split(", ")[5:]


@lru_cache(maxsize=16)
def _ai_figures_sql(raw: bool | None, by: tuple[str, ...]) -> str:
    """One query for the AI figures of a range, so a year of rows is never fetched: domain/ai.py's AiGroup (its
    docstring states each value; its `group_of` computes the same from rows in Python, and
    tests/integration/test_ai_figures.py holds the two equal) for the whole range (kind '') and for each value of
    each `by` dimension, with GROUPING SETS: a row per group comes back. The rows are daily_ai_totals' (`raw` None)
    or computed from raw heartbeats (`raw`: whether the user has rules, see `_spans`): one figure rule for both.

    Per group: the sums; per session (non-empty `session`) its events and prompt length, counted by events value
    (the histogram Python takes the session count, the median of events and the exact mean prompt length from);
    over sessions with events, the two middle values of length::float8 / events (percentile_disc at ranks
    ceil(n/2) and ceil(n/2 + 1e-9 n), i.e. n/2 and n/2+1 for even n, the middle one twice for odd n, for any
    group of under 5e8 sessions; Python takes their mean as statistics.median does); per raw model string its
    lines, the cost of its rows that had tokens and whether any had (Python merges families and prices)."""
    unknown = set(by) - set(AI_DIMENSIONS)  # also keeps the names spliced into the SQL below to known columns
    if unknown:
        raise ValueError(f"AI figures are kept by {AI_DIMENSIONS}, not {sorted(unknown)}")
    kind = " ".join(f"WHEN grouping({d}) = 0 THEN '{d}'" for d in by)
    name = " ".join(f"WHEN grouping({d}) = 0 THEN {d}" for d in by)
    key = f"CASE {kind} ELSE '' END AS kind, CASE {name} ELSE '' END AS name" if by else "'' AS kind, '' AS name"

    def sets(*within: str) -> str:
        return ", ".join(f"({', '.join((*dims, *within))})" for dims in ((), *((d,) for d in by)))

    filters = (
        "(%(project)s::text IS NULL OR project = %(project)s) AND (%(editor)s::text IS NULL OR editor = %(editor)s)"
    )
    if raw is None:
        source = (
            f"WITH ai_rows AS NOT MATERIALIZED (SELECT {_AI_COLUMNS} FROM daily_ai_totals "
            f"WHERE user_id = %(user_id)s AND day BETWEEN %(start)s AND %(end)s AND {filters})"
        )
    else:
        source = _AI_SPANS[raw] + (
            f", raw_ai_rows ({_AI_COLUMNS}) AS ({_AI_ROWS}), ai_rows AS (SELECT * FROM raw_ai_rows WHERE {filters})"
        )
    tokens = "ai_input_tokens <> 0 OR ai_cached_input_tokens <> 0 OR ai_output_tokens <> 0"
    sums = ", ".join(f"sum({column})::bigint" for column in _AI_SUMS)
    # Rows are first summed per (project, editor, model): every group's sums and model figures add up those few.
    return f"""{source}
, pairs AS (
    SELECT project, editor, model, {", ".join(f"sum({column}) AS {column}" for column in _AI_SUMS)},
           sum(ai_cost_micros) FILTER (WHERE {tokens}) AS priced_cost, bool_or({tokens}) AS tokens
    FROM ai_rows GROUP BY project, editor, model
), sums AS (
    SELECT {key}, {sums} FROM pairs GROUP BY GROUPING SETS ({sets()})
), models AS (
    SELECT kind, name, array_agg(model) AS models, array_agg(lines) AS lines, array_agg(cost) AS costs,
           array_agg(tokens) AS tokens
    FROM (SELECT {key}, model, sum(ai_additions + ai_deletions)::bigint AS lines,
                 coalesce(sum(priced_cost), 0)::bigint AS cost, bool_or(tokens) AS tokens
          FROM pairs WHERE model <> '' GROUP BY GROUPING SETS ({sets("model")})) m
    GROUP BY kind, name
), sessions AS (
    SELECT {key}, sum(ai_prompt_events)::bigint AS events, sum(ai_prompt_length_sum)::bigint AS length
    FROM ai_rows WHERE session <> '' GROUP BY GROUPING SETS ({sets("session")})
), histogram AS (
    SELECT kind, name, array_agg(events) AS events, array_agg(sessions) AS sessions, array_agg(length) AS lengths
    FROM (SELECT kind, name, events, count(*) AS sessions, sum(length)::bigint AS length
          FROM sessions GROUP BY kind, name, events) h
    GROUP BY kind, name
), middles AS (
    SELECT kind, name, percentile_disc(0.5) WITHIN GROUP (ORDER BY length::float8 / events) AS low,
           percentile_disc(0.500000001) WITHIN GROUP (ORDER BY length::float8 / events) AS high
    FROM sessions WHERE events > 0 GROUP BY kind, name
)
SELECT s.*, h.events, h.sessions, h.lengths, d.low, d.high, m.models, m.lines, m.costs, m.tokens
FROM sums s LEFT JOIN histogram h USING (kind, name) LEFT JOIN middles d USING (kind, name)
LEFT JOIN models m USING (kind, name)
"""


_DIMS = ", ".join(DIMENSIONS)

_DELETE_DAYS = """
WITH a AS (DELETE FROM daily_totals WHERE user_id = %(user_id)s AND day = ANY(%(days)s)),
     b AS (DELETE FROM daily_entity_totals WHERE user_id = %(user_id)s AND day = ANY(%(days)s)),
     c AS (DELETE FROM daily_dependency_totals WHERE user_id = %(user_id)s AND day = ANY(%(days)s)),
     d AS (DELETE FROM daily_summaries WHERE user_id = %(user_id)s AND day = ANY(%(days)s)),
     e AS (DELETE FROM daily_ai_totals WHERE user_id = %(user_id)s AND day = ANY(%(days)s))
DELETE FROM daily_activity WHERE user_id = %(user_id)s AND day = ANY(%(days)s)
"""

_INSERT_DAYS_TAIL = f"""
, totals AS (
    INSERT INTO daily_totals (user_id, day, {_DIMS}, seconds)
    SELECT %(user_id)s, day, {_DIMS}, sum(seconds) FROM spans GROUP BY day, {_DIMS}
), entities AS (
    INSERT INTO daily_entity_totals (user_id, day, project, entity, seconds)
    SELECT %(user_id)s, day, project, entity, sum(seconds) FROM spans GROUP BY day, project, entity
), dependencies AS (
    INSERT INTO daily_dependency_totals (user_id, day, project, dependency, seconds)
    SELECT %(user_id)s, day, project, dependency, sum(seconds)
    FROM spans, unnest(dependencies) AS dependency GROUP BY day, project, dependency
), ai AS (
    INSERT INTO daily_ai_totals (user_id, {_AI_COLUMNS})
    SELECT %(user_id)s, r.* FROM ({_AI_ROWS}) r
)
INSERT INTO daily_activity (user_id, day, heartbeats, seconds, first_at, last_at, timezone, timeout_seconds)
SELECT %(user_id)s, day, count(*), sum(seconds), min(time), max(time), %(tz)s, %(timeout)s
FROM spans GROUP BY day
"""
_INSERT_DAYS = {flag: _AI_SPANS[flag] + _INSERT_DAYS_TAIL for flag in (False, True)}
_READ_FROM_RAW = {
    flag: _SPANS[flag] + f"SELECT day, {_DIMS}, sum(seconds) FROM spans GROUP BY day, {_DIMS}" for flag in (False, True)
}


# (day, summary JSON as a compressed part, seconds, other-language seconds, totals keys, names, seconds)
StoredDay = tuple[date, Part, float, float, list[str], list[str], list[float]]


class StoredSummary(NamedTuple):
    """A stored day: its summary JSON as a compressed part, or (rows from before migration 0013) as text."""

    day: date
    part: Part | None
    body: str | None
    seconds: float
    other_language_seconds: float


def local_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of [start 00:00, end+1 00:00) in `tz` (DST-safe)."""
    zone = ZoneInfo(tz)
    return (
        datetime.combine(start, time.min, zone),
        datetime.combine(end + timedelta(days=1), time.min, zone),
    )


class AggregateRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def lock_user(self, user_id: uuid.UUID) -> None:
        """Serialize recomputes of one user until the transaction ends, so concurrent writers see each
        other's committed heartbeats before recomputing (READ COMMITTED takes a new snapshot per statement)."""
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s::text, 0))", (user_id,))

    def recompute_days(self, user_id: uuid.UUID, tz: str, timeout_seconds: int, days: Sequence[date]) -> None:
        """Replace the aggregates of these local days with a fresh computation from raw heartbeats."""
        if not days:
            return
        lo, hi = local_bounds(min(days), max(days), tz)
        params = _params(user_id, tz, timeout_seconds, list(days), lo, hi)
        self.conn.execute(_DELETE_DAYS, params)
        self.conn.execute(_INSERT_DAYS[self.has_rules(user_id)], params)

    def recompute_bounds(self, user_id: uuid.UUID, tz: str) -> tuple[date, date] | None:
        """First and last local day (in `tz`) that has heartbeats or still has aggregates (e.g. from an old
        timezone): what a full recompute of the user covers."""
        row = self.conn.execute(
            "SELECT min(d), max(d) FROM ("
            " SELECT (min(time) AT TIME ZONE %(tz)s)::date AS d FROM heartbeats WHERE user_id = %(u)s"
            " UNION ALL SELECT (max(time) AT TIME ZONE %(tz)s)::date FROM heartbeats WHERE user_id = %(u)s"
            " UNION ALL SELECT min(day) FROM daily_activity WHERE user_id = %(u)s"
            " UNION ALL SELECT max(day) FROM daily_activity WHERE user_id = %(u)s"
            ") b",
            {"tz": tz, "u": user_id},
        ).fetchone()
        return (row[0], row[1]) if row and row[0] is not None else None

    def has_activity(self, user_id: uuid.UUID) -> bool:
        found = self.conn.execute("SELECT 1 FROM daily_activity WHERE user_id = %s LIMIT 1", (user_id,)).fetchone()
        return found is not None

    def has_rules(self, user_id: uuid.UUID) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM user_rules WHERE user_id = %s LIMIT 1", (user_id,)).fetchone() is not None
        )

    def store_summaries(self, user_id: uuid.UUID, days: Sequence[StoredDay]) -> None:
        """Save each day's summary JSON (compressed) and compact totals; their days were cleared by recompute."""
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO daily_summaries (user_id, day, body_deflated, body_crc, body_length, seconds, "
                "other_language_seconds, totals_keys, totals_names, totals_seconds) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(user_id, day, *part, *rest) for day, part, *rest in days],
            )

    def stored_summaries(self, user_id: uuid.UUID, start: date, end: date) -> list[StoredSummary]:
        """The stored days of start..end, in order. Binary results: the parts arrive as they are stored, not
        hex-encoded."""
        rows = self.conn.execute(
            "SELECT day, body_deflated, body_crc, body_length, body, seconds, other_language_seconds "
            "FROM daily_summaries WHERE user_id = %s AND day BETWEEN %s AND %s ORDER BY day",
            (user_id, start, end),
            binary=True,
        ).fetchall()
        return [
            StoredSummary(day, Part(bytes(deflated), crc, length) if deflated is not None else None, body, *seconds)
            for day, deflated, crc, length, body, *seconds in rows
        ]

    def stored_day_seconds(self, user_id: uuid.UUID, start: date, end: date) -> list[tuple[date, float, float]]:
        """(day, seconds, seconds in no known language) of each active day."""
        return self.conn.execute(
            "SELECT day, seconds, other_language_seconds FROM daily_summaries "
            "WHERE user_id = %s AND day BETWEEN %s AND %s ORDER BY day",
            (user_id, start, end),
        ).fetchall()

    def stored_value_totals(self, user_id: uuid.UUID, start: date, end: date) -> list[tuple[str, str, float]]:
        """(dimension or 'dependency', stored value, seconds) over the range, summed from the compact per-day
        totals: no filters, one indexed read of at most one row per day."""
        return self.conn.execute(
            "SELECT k, n, sum(s) FROM daily_summaries, "
            "unnest(totals_keys, totals_names, totals_seconds) AS t(k, n, s) "
            "WHERE user_id = %s AND day BETWEEN %s AND %s GROUP BY k, n",
            (user_id, start, end),
        ).fetchall()

    def range_totals(
        self, user_id: uuid.UUID, start: date, end: date, filters: dict[str, str] | None = None
    ) -> list[tuple[str, str, date | None, float]]:
        """One scan of daily_totals: (dimension, value, None, seconds) over the range for every dimension, and
        ('day', language, day, seconds) per active day and language (the day's total and its 'Other' time)."""
        where, params = filter_sql(filters)
        sets = ", ".join(f"({d})" for d in DIMENSIONS)
        kinds = " ".join(f"WHEN grouping({d}) = 0 THEN '{d}'" for d in DIMENSIONS)
        values = " ".join(f"WHEN grouping({d}) = 0 THEN {d}" for d in DIMENSIONS)
        return self.conn.execute(
            f"SELECT CASE WHEN grouping(day) = 0 THEN 'day' {kinds} END, "
            f"CASE WHEN grouping(day) = 0 THEN language {values} END, "
            "CASE WHEN grouping(day) = 0 THEN day END, sum(seconds) FROM daily_totals "
            f"WHERE user_id = %s AND day BETWEEN %s AND %s{where} GROUP BY GROUPING SETS ({sets}, (day, language))",
            (user_id, start, end, *params),
        ).fetchall()

    def seconds_by_day(
        self, user_id: uuid.UUID, start: date, end: date, any_of: dict[str, set[str]]
    ) -> dict[date, float]:
        """Seconds per active day whose values are among `any_of` (each list an OR, lists ANDed)."""
        unknown = set(any_of) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"unknown dimensions: {sorted(unknown)}")
        # Column names come from the DIMENSIONS whitelist; values are bound parameters.
        where = "".join(f" AND {dim} = ANY(%s)" for dim in any_of)
        rows = self.conn.execute(
            f"SELECT day, sum(seconds) FROM daily_totals WHERE user_id = %s AND day BETWEEN %s AND %s{where} "
            "GROUP BY day",
            (user_id, start, end, *(sorted(names) for names in any_of.values())),
        ).fetchall()
        return {day: seconds for day, seconds in rows}

    def is_current(self, user_id: uuid.UUID, tz: str, timeout_seconds: int) -> bool:
        """Whether the aggregates hold the user's current settings and rules: no recompute job open, and no day
        computed with another timezone or timeout."""
        row = self.conn.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM jobs WHERE user_id = %(u)s AND status IN ('pending', 'running')) "
            "AND NOT EXISTS (SELECT 1 FROM daily_activity WHERE user_id = %(u)s "
            "AND (timezone <> %(tz)s OR timeout_seconds <> %(t)s))",
            {"u": user_id, "tz": tz, "t": timeout_seconds},
        ).fetchone()
        return bool(row and row[0])

    def current_users(self, users: Sequence[tuple[uuid.UUID, str, int]]) -> set[uuid.UUID]:
        """Of (user, timezone, timeout) triples, the users whose aggregates are current (is_current, in one query)."""
        if not users:
            return set()
        rows = self.conn.execute(
            "SELECT x.u FROM unnest(%s::uuid[], %s::text[], %s::int[]) AS x(u, tz, t) "
            "WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE user_id = x.u AND status IN ('pending', 'running')) "
            "AND NOT EXISTS (SELECT 1 FROM daily_activity WHERE user_id = x.u "
            "AND (timezone <> x.tz OR timeout_seconds <> x.t))",
            ([u for u, _, _ in users], [tz for _, tz, _ in users], [t for _, _, t in users]),
        ).fetchall()
        return {row[0] for row in rows}

    def totals_of_users(
        self, firsts: Mapping[uuid.UUID, date], end: date, dimensions: Sequence[str] = DIMENSIONS
    ) -> dict[uuid.UUID, list[TotalsRow]]:
        """Pre-aggregated rows of several users, each from their own first day to `end` (one query: team reads),
        summed over the dimensions not in `dimensions` (those read as '')."""
        out: dict[uuid.UUID, list[TotalsRow]] = {user_id: [] for user_id in firsts}
        if not firsts:
            return out
        kept = [f"t.{d}" if d in dimensions else "''" for d in DIMENSIONS]
        grouped = ", ".join(f"t.{d}" for d in DIMENSIONS if d in dimensions)
        rows = self.conn.execute(
            f"SELECT t.user_id, t.day, {', '.join(kept)}, sum(t.seconds) FROM daily_totals t "
            "JOIN unnest(%s::uuid[], %s::date[]) AS r(user_id, first) ON t.user_id = r.user_id "
            f"AND t.day BETWEEN r.first AND %s GROUP BY t.user_id, t.day{', ' + grouped if grouped else ''} "
            "ORDER BY t.day",
            (list(firsts), list(firsts.values()), end),
        ).fetchall()
        for row in rows:
            out[row[0]].append(TotalsRow(*row[1:]))
        return out

    def totals(
        self, user_id: uuid.UUID, start: date, end: date, filters: dict[str, str] | None = None
    ) -> list[TotalsRow]:
        """Pre-aggregated rows for start..end (inclusive); `filters` match dimension columns exactly."""
        where, params = filter_sql(filters)
        rows = self.conn.execute(
            f"SELECT day, {_DIMS}, seconds FROM daily_totals "
            f"WHERE user_id = %s AND day BETWEEN %s AND %s{where} ORDER BY day",
            (user_id, start, end, *params),
        ).fetchall()
        return [TotalsRow(*row) for row in rows]

    def totals_from_raw(
        self, user_id: uuid.UUID, start: date, end: date, tz: str, timeout_seconds: int,
        filters: dict[str, str] | None = None,
    ) -> list[TotalsRow]:  # fmt: skip
        """The same rows computed from raw heartbeats in any timezone (for a `timezone` other than the user's)."""
        params = _range_params(user_id, start, end, tz, timeout_seconds)
        rows = [
            TotalsRow(*row)
            for row in self.conn.execute(_READ_FROM_RAW[self.has_rules(user_id)] + " ORDER BY day", params)
        ]
        return [r for r in rows if all(getattr(r, k) == v for k, v in (filters or {}).items())]

    def entity_totals_from_raw(
        self, user_id: uuid.UUID, start: date, end: date, tz: str, timeout_seconds: int, project: str
    ) -> list[tuple[date, str, float]]:
        params = {**_range_params(user_id, start, end, tz, timeout_seconds), "project": project}
        return self.conn.execute(
            _SPANS[self.has_rules(user_id)] + "SELECT day, entity, sum(seconds) FROM spans WHERE project = %(project)s "
            "GROUP BY day, entity ORDER BY day",
            params,
        ).fetchall()

    def dependency_totals_from_raw(
        self, user_id: uuid.UUID, start: date, end: date, tz: str, timeout_seconds: int, project: str | None = None
    ) -> list[tuple[date, str, float]]:
        params = {**_range_params(user_id, start, end, tz, timeout_seconds), "project": project}
        return self.conn.execute(
            _SPANS[self.has_rules(user_id)]
            + "SELECT day, dependency, sum(seconds) FROM spans, unnest(dependencies) AS dependency "
            "WHERE (%(project)s::text IS NULL OR project = %(project)s) GROUP BY day, dependency ORDER BY day",
            params,
        ).fetchall()

    def ai_totals(
        self, user_id: uuid.UUID, start: date, end: date, project: str | None = None, editor: str | None = None
    ) -> list[AiRow]:
        """The stored AI rows of start..end, optionally of one project and/or editor."""
        rows = self.conn.execute(
            f"SELECT {_AI_COLUMNS} FROM daily_ai_totals WHERE user_id = %s AND day BETWEEN %s AND %s "
            "AND (%s::text IS NULL OR project = %s) AND (%s::text IS NULL OR editor = %s) ORDER BY day",
            (user_id, start, end, project, project, editor, editor),
        ).fetchall()
        return list(map(AiRow._make, rows))

    def ai_totals_from_raw(
        self, user_id: uuid.UUID, start: date, end: date, tz: str, timeout_seconds: int,
        project: str | None = None, editor: str | None = None,
    ) -> list[AiRow]:  # fmt: skip
        """The same rows computed from raw heartbeats in any timezone."""
        params = _range_params(user_id, start, end, tz, timeout_seconds)
        rows = self.conn.execute(_AI_SPANS[self.has_rules(user_id)] + _AI_ROWS + " ORDER BY day", params)
        return [
            AiRow._make(row) for row in rows
            if (project is None or row[1] == project) and (editor is None or row[2] == editor)
        ]  # fmt: skip

    def ai_figures(
        self, user_id: uuid.UUID, start: date, end: date, *, raw: tuple[str, int] | None = None,
        project: str | None = None, editor: str | None = None, by: Sequence[str] = (),
    ) -> dict[tuple[str, str], AiGroup]:  # fmt: skip
        """The AI figures of start..end (optionally of one project and/or editor) as AiGroups: ('', '') for the
        whole range, (dimension, stored value) per value of each `by` dimension. From daily_ai_totals, or with
        `raw` = (timezone, timeout) computed from raw heartbeats (see `_ai_figures_sql`)."""
        if raw is None:
            sql = _ai_figures_sql(None, tuple(by))
            params: dict[str, object] = {"user_id": user_id, "start": start, "end": end}
        else:
            sql = _ai_figures_sql(self.has_rules(user_id), tuple(by))
            params = _range_params(user_id, start, end, *raw)
        params.update(project=project, editor=editor)
        out = {}
        width = len(_AI_SUMS)
        for row in self.conn.execute(sql, params):
            kind, name, *sums = row[: 2 + width]
            events, sessions, lengths, low, high, models, lines, costs, tokens = row[2 + width :]
            out[kind, name] = AiGroup(
                sums=tuple(value or 0 for value in sums),
                by_events={
                    e: (n, length) for e, n, length in zip(events or (), sessions or (), lengths or (), strict=True)
                },
                length_middle=(low, high) if low is not None else None,
                models=list(zip(models or (), lines or (), costs or (), tokens or (), strict=True)),
            )
        return out

    def entity_totals(self, user_id: uuid.UUID, start: date, end: date, project: str) -> list[tuple[date, str, float]]:
        return self.conn.execute(
            "SELECT day, entity, seconds FROM daily_entity_totals "
            "WHERE user_id = %s AND day BETWEEN %s AND %s AND project = %s ORDER BY day",
            (user_id, start, end, project),
        ).fetchall()

    def dependency_totals(
        self, user_id: uuid.UUID, start: date, end: date, project: str | None = None
    ) -> list[tuple[date, str, float]]:
        return self.conn.execute(
            "SELECT day, dependency, sum(seconds) FROM daily_dependency_totals "
            "WHERE user_id = %s AND day BETWEEN %s AND %s AND (%s::text IS NULL OR project = %s) "
            "GROUP BY day, dependency ORDER BY day",
            (user_id, start, end, project, project),
        ).fetchall()


def _params(
    user_id: uuid.UUID, tz: str, timeout_seconds: int, days: list[date], lo: datetime, hi: datetime
) -> dict[str, object]:
    return {
        "user_id": user_id, "tz": tz, "timeout": timeout_seconds, "days": days, "lo": lo, "hi": hi,
        "ext_re": EXTENSION_PATTERN, "prices": PRICES_JSON,
    }  # fmt: skip


def _range_params(user_id: uuid.UUID, start: date, end: date, tz: str, timeout_seconds: int) -> dict[str, object]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return _params(user_id, tz, timeout_seconds, days, *local_bounds(start, end, tz))


def filter_sql(filters: dict[str, str] | None) -> tuple[str, list[str]]:
    if not filters:
        return "", []
    unknown = set(filters) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown filter dimensions: {sorted(unknown)}")
    # Column names come from the DIMENSIONS whitelist above, values are bound parameters.
    return "".join(f" AND {name} = %s" for name in filters), list(filters.values())
