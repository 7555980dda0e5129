"""A range's AI figures computed by PostgreSQL (services/aggregation.py's ai_range_figures over
repositories/aggregates.py's `_ai_figures_sql`) equal domain/ai.py's `figures` of the same rows in Python: for the
range, each project and each editor, with and without filters, from daily_ai_totals and from raw heartbeats."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from codetime.db import get_pool
from codetime.domain import ai
from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
from codetime.services import aggregation, user_settings
from codetime.services.keys import create_user
from codetime.services.writer import write_heartbeats

pytestmark = pytest.mark.integration

FIRST = date(2026, 3, 2)
DAYS = 6
# Two Sonnet versions (one family, priced), Opus (priced by no one), a free-form name, none.
MODELS = ("sonnet/4.5", "sonnet/4.0-high", "opus/4.1", "gpt-5.2", "")
PROJECTS = ("codetime", "web", "")
EDITORS = ("Claude", "vscode", "")
BY = ("project", "editor")
CLI = "wakatime/v1.130.0 (linux-6.8.0-x86_64) go1.24.4"
AGENTS = {"Claude": f"{CLI} claude-code/2.0.37", "vscode": f"{CLI} vscode/1.95.3 vscode-wakatime/25.3.0", "": "curl/8"}


def _user(name: str, tz: str = "Europe/Berlin"):  # type: ignore[no-untyped-def]
    user, _ = create_user(email=f"{name}@example.com", username=name, timezone=tz)
    return user


def _random_rows(rng: random.Random) -> list[ai.AiRow]:
    """Rows as daily_ai_totals keeps them: sessions over one to three days, some in two projects or editors, some
    without prompts, prompt lengths that tie and that do not, tokens up to 10**12, rows without any session."""
    rows: dict[tuple, ai.AiRow] = {}
    sessions = [f"session-{i}" for i in range(rng.randint(7, 14))] + [""] * 5
    for session in sessions:
        silent = session and rng.random() < 0.25  # a session without prompts
        per_prompt = rng.choice((1000, rng.randint(1, 20_000)))  # equal means make ties likely
        for _ in range(rng.randint(1, 4)):
            day = FIRST + timedelta(days=rng.randrange(DAYS))
            key = (day, rng.choice(PROJECTS), rng.choice(EDITORS), session, rng.choice(MODELS))
            events = 0 if silent else rng.choice((0, 1, 1, 2, 3, 7))
            tokens = rng.choice(((0, 0, 0), (rng.randint(1, 10**6), rng.randint(0, 10**7), rng.randint(0, 10**5)),
                                 (10**12, 10**12 - 1, 3)))  # fmt: skip
            lines = rng.randint(-60, 400)
            human = rng.randint(-30, 30)
            rows[key] = ai.AiRow(
                *key, max(lines, 0), max(-lines, 0), max(human, 0), max(-human, 0), *tokens,
                events, events * per_prompt + (rng.randint(0, 3) if rng.random() < 0.3 else 0),
                ai.cost_micros(key[4], *tokens),
            )  # fmt: skip
    return list(rows.values())


def _insert(user_id: object, rows: list[ai.AiRow]) -> None:
    with get_pool().connection() as conn:
        conn.cursor().executemany(
            f"INSERT INTO daily_ai_totals (user_id, {', '.join(ai.AiRow._fields)}) "
            f"VALUES (%s{', %s' * len(ai.AiRow._fields)})",
            [(user_id, *row) for row in rows],
        )


def _expected(rows: list[ai.AiRow]) -> tuple[ai.AiFigures, dict[str, dict[str, ai.AiFigures]]]:
    by: dict[str, dict[str, list[ai.AiRow]]] = {dim: defaultdict(list) for dim in BY}
    for row in rows:
        for dim in BY:
            by[dim][getattr(row, dim)].append(row)
    return ai.figures(rows), {dim: {value: ai.figures(group) for value, group in by[dim].items()} for dim in BY}


def _check(user, start: date, end: date, rows: list[ai.AiRow], **options: object) -> aggregation.AiRangeFigures:  # type: ignore[no-untyped-def]
    """The SQL figures of start..end (options: tz, project, editor, current) against Python's of `rows`."""
    got = aggregation.ai_range_figures(user, start, end, by=BY, **options)  # type: ignore[arg-type]
    total, by = _expected(rows)
    assert got.total == total
    assert got.by == by
    alone = aggregation.ai_range_figures(user, start, end, by=(), **options)  # type: ignore[arg-type]
    assert (alone.total, alone.by) == (total, {})
    return got


def _variety(rows: list[ai.AiRow], figures: aggregation.AiRangeFigures) -> None:
    """What the random rows must have covered, so that the comparison is not vacuous."""
    where: dict[str, set[tuple]] = defaultdict(set)
    for row in rows:
        if row.session:
            where[row.session].add((row.day, row.project, row.editor))
    for i in range(3):  # a session over several days, in several projects, with several editors
        assert any(len({place[i] for place in places}) > 1 for places in where.values()), i
    prompted, silent = set(), 0
    for dim in (None, *BY):
        for value in {getattr(r, dim) for r in rows} if dim else {None}:
            events: dict[str, int] = defaultdict(int)
            for row in rows:
                if row.session and (dim is None or getattr(row, dim) == value):
                    events[row.session] += row.ai_prompt_events
            with_prompts = sum(1 for e in events.values() if e)
            prompted |= {with_prompts % 2} if with_prompts else set()
            silent += sum(1 for e in events.values() if not e)
    assert prompted == {0, 1} and silent  # even and odd numbers of sessions with prompts; sessions without
    assert figures.total.model_costs.get("Sonnet") and "Opus" in figures.total.model_lines
    assert figures.total.length_median_per_session and figures.total.events_median_per_session


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_sql_figures_of_stored_rows_equal_python(db_env: str, seed: int) -> None:
    rng = random.Random(seed)
    user = _user(f"ai{seed}")
    rows = _random_rows(rng)
    _insert(user.id, rows)
    last = FIRST + timedelta(days=DAYS - 1)
    figures = _check(user, FIRST, last, rows)
    _variety(rows, figures)
    # A part of the range, each filter alone and both together (the items of a filtered stats read).
    inner = [r for r in rows if FIRST < r.day < last]  # type: ignore[operator]
    _check(user, FIRST + timedelta(days=1), last - timedelta(days=1), inner)
    for project in PROJECTS:
        _check(user, FIRST, last, [r for r in rows if r.project == project], project=project)
        for editor in EDITORS:
            chosen = [r for r in rows if r.project == project and r.editor == editor]
            _check(user, FIRST, last, chosen, project=project, editor=editor)
    _check(user, FIRST, last, [r for r in rows if r.editor == "Claude"], editor="Claude")
    # Nothing in range: WakaTime's zeros, no groups.
    _check(user, date(2020, 1, 1), date(2020, 1, 9), [])
    assert not aggregation.ai_range_figures(user, date(2020, 1, 1), date(2020, 1, 9)).total.any


def _random_heartbeats(rng: random.Random, user_id: str) -> list:
    """Heartbeats over six days at any hour (another timezone moves some to other days), every AI field varied."""
    sessions = [f"s-{i}" for i in range(13)]
    quiet = set(rng.sample(sessions, 3))  # sessions without prompts
    # Each session in one or two projects and editors, so that groups have different numbers of sessions.
    homes = {
        s: (rng.sample(PROJECTS, rng.randint(1, 2)), rng.sample(tuple(AGENTS), rng.randint(1, 2))) for s in sessions
    }
    beats = []
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC).timestamp()
    for _ in range(700):
        session = rng.choice((*sessions, None, None))
        projects, editors = homes[session] if session else (PROJECTS, tuple(AGENTS))
        editor = rng.choice(editors)
        raw = {
            "entity": f"/src/{rng.choice('abc')}.py", "type": "file", "time": start + rng.uniform(0, DAYS * 86400),
            "project": rng.choice(projects) or None, "lines": rng.randint(10, 400),
            "category": "ai coding" if session else rng.choice(("coding", "ai coding")), "ai_session": session,
            "ai_model": rng.choice(MODELS) or None, "ai_line_changes": rng.choice((None, rng.randint(-40, 120))),
            "human_line_changes": rng.choice((None, None, rng.randint(-20, 20))),
            "ai_prompt_length": None if session in quiet else rng.choice((None, 0, rng.randint(1, 9000))),
            "ai_input_tokens": rng.choice((None, rng.randint(0, 10**6))), "ai_output_tokens": rng.randint(0, 10**4),
            "ai_cached_input_tokens": rng.choice((None, 10**12)),
        }  # fmt: skip
        context = RequestContext(user_id=user_id, user_agent=AGENTS[editor])
        beats.append(normalize_heartbeat(raw, context, now=raw["time"], max_age_seconds=None))
    return beats


@pytest.mark.parametrize("seed", [5, 6])
def test_sql_figures_from_raw_heartbeats_equal_python(db_env: str, seed: int) -> None:
    rng = random.Random(seed)
    user = _user(f"raw{seed}")
    with get_pool().connection() as conn:
        write_heartbeats(conn, _random_heartbeats(rng, str(user.id)))
    last = FIRST + timedelta(days=DAYS - 1)
    stored = aggregation.ai_rows(user, FIRST, last)
    assert stored and any(r.session for r in stored)
    # From daily_ai_totals; from raw heartbeats in the user's zone (as when the aggregates are not current), which
    # must give the same figures; and in another zone, where days and so sessions' rows differ.
    from_stored = _check(user, FIRST, last, stored)
    from_raw = _check(user, FIRST, last, aggregation.ai_rows(user, FIRST, last, current=False), current=False)
    assert (from_raw.total, from_raw.by) == (from_stored.total, from_stored.by)
    _variety(stored, from_stored)
    for tz in ("America/Los_Angeles", "Asia/Tokyo"):
        shifted = aggregation.ai_rows(user, FIRST, last, tz=tz)
        assert {r.day for r in shifted} != {r.day for r in stored} or shifted != stored
        _check(user, FIRST, last, shifted, tz=tz)
        project = next(r.project for r in shifted if r.project)
        _check(user, FIRST, last, [r for r in shifted if r.project == project], tz=tz, project=project)
    # With a rule renaming a project, raw reads take the rules' query (the renamed project is its own group).
    user_settings.add_rule(user, "project", "web", "website")
    renamed = aggregation.ai_rows(user, FIRST, last, current=False)
    assert "website" in {r.project for r in renamed} and "web" not in {r.project for r in renamed}
    _check(user, FIRST, last, renamed, current=False)
