"""WakaTime's AI coding figures: which model a heartbeat came from, and how a set of heartbeats (a day, a range, a
duration, one project or editor) becomes `ai_additions`, tokens, sessions, prompt averages and medians.

Every rule here was fitted against the live capture in tests/fixtures/wakatime-live (heartbeats-day.json, its 62
durations in durations-day.json and the day's summary); the README's "AI coding" section lists them.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

# Model families wakatime-cli puts in the User-Agent as `<family>/<version>` (its aiModelUserAgentToken turns
# "claude-opus-4.1" + effort "medium" into "opus/4.1-medium", "gpt-5.2" into "gpt/5.2"). Only known families count:
# an editor token such as "vscode/1.90.0" has the same shape.
MODEL_FAMILIES = frozenset({
    "opus", "sonnet", "haiku", "claude", "gpt", "o1", "o3", "o4", "codex", "gemini", "gemma", "qwen", "grok",
    "deepseek", "kimi", "glm", "mistral", "devstral", "codestral", "llama", "composer", "minimax", "swe",
})  # fmt: skip
# Display names where capitalising the family is wrong.
_FAMILY_NAMES = {"gpt": "GPT", "glm": "GLM", "swe": "SWE", "o1": "o1", "o3": "o3", "o4": "o4", "deepseek": "DeepSeek",
                 "minimax": "MiniMax"}  # fmt: skip
_MODEL_TOKEN = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,20})/([0-9][A-Za-z0-9._\-]{0,60})$")

# USD per million (input, cached input, output) tokens, by model family. Only what WakaTime's own figures pin down:
# its Sonnet costs in durations-day.json are exactly 2.00 / 0.20 / 10.00 per million tokens (four durations, six
# digits). Its Opus costs fit no single price (the captured day mixes Opus versions), and prices are not in the
# heartbeats, so other families get no cost rather than a guessed one.
# Costs are summed per heartbeat, each rounded to a micro-dollar (half up): that reproduces all nine of WakaTime's
# per-duration Sonnet costs, where rounding only the sum misses three by 0.000001.
MODEL_PRICES: dict[str, tuple[str, str, str]] = {"sonnet": ("2.00", "0.20", "10.00")}


def prices_json() -> str:
    """MODEL_PRICES for the aggregation SQL: {"family": ["input", "cached", "output"]} (decimal strings)."""
    return json.dumps(MODEL_PRICES)


def cost_micros(model: str, input_tokens: int, cached: int, output: int) -> int:
    """One heartbeat's cost in micro-dollars (0 for an unpriced model)."""
    prices = MODEL_PRICES.get(model_family(model))
    if prices is None:
        return 0
    exact = sum((Decimal(n) * Decimal(p) for n, p in zip((input_tokens, cached, output), prices, strict=True)))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_priced(model: str) -> bool:
    return model_family(model) in MODEL_PRICES


AI_CATEGORY = "ai coding"


def model_from_user_agent(user_agent: str | None) -> str | None:
    """The `<family>/<version>` model token wakatime-cli adds to an AI heartbeat's User-Agent, if any."""
    if not user_agent:
        return None
    for token in user_agent.split()[:32]:  # bounded: a User-Agent is at most 1,024 characters anyway
        match = _MODEL_TOKEN.match(token)
        if match and match.group(1).lower() in MODEL_FAMILIES:
            return f"{match.group(1).lower()}/{match.group(2)}"
    return None


@lru_cache(maxsize=1024)
def model_family(model: str) -> str:
    """'opus/4.1-medium' -> 'opus'; a free-form model name ('gpt-5.2') -> its leading word (the aggregation SQL
    takes the same prefix: everything before the first of - / _ space .)."""
    return re.split(r"[-/_ .]", model.strip().lower(), maxsplit=1)[0] if model else ""


def model_name(model: str) -> str:
    """WakaTime's per-model key: the family, capitalised ('Opus', 'Sonnet', 'GPT')."""
    family = model_family(model)
    return _FAMILY_NAMES.get(family, family.capitalize())


class AiRow(NamedTuple):
    """AI sums of heartbeats sharing (day, project, editor, session, model); '' means none. A tuple: a year of rows
    is summed column by column (figures), which is several times faster than attribute by attribute."""

    day: date | None
    project: str
    editor: str
    session: str
    model: str
    ai_additions: int = 0
    ai_deletions: int = 0
    human_additions: int = 0
    human_deletions: int = 0
    ai_input_tokens: int = 0
    ai_cached_input_tokens: int = 0
    ai_output_tokens: int = 0
    ai_prompt_events: int = 0
    ai_prompt_length_sum: int = 0
    ai_cost_micros: int = 0


SUM_FIELDS = AiRow._fields[5:]
_FIRST_SUM = 5


def human_change(hb: Mapping[str, Any], previous_lines: int | None) -> int | None:
    """A heartbeat's human line change, WakaTime's rule (fitted on all 62 durations of the live capture):
    `human_line_changes` when the plugin sent it; otherwise, for a heartbeat that is not AI activity (category
    other than "ai coding", no `ai_line_changes`), the change of `lines` since the previous heartbeat of the same
    entity that day; else none."""
    if hb.get("human_line_changes") is not None:
        return int(hb["human_line_changes"])
    if hb.get("ai_line_changes") is not None or (hb.get("category") or "").lower() == AI_CATEGORY:
        return None
    lines = hb.get("lines")
    if lines is None or previous_lines is None:
        return None
    return int(lines) - int(previous_lines)


def heartbeat_rows(heartbeats: Sequence[Mapping[str, Any]]) -> list[AiRow | None]:
    """Each heartbeat of one local day (time-sorted) as an AiRow, None where it has no AI or human figure:
    what durations sum per span."""
    previous: dict[str, int | None] = {}
    out: list[AiRow | None] = []
    for hb in heartbeats:
        human = human_change(hb, previous.get(hb["entity"])) or 0
        previous[hb["entity"]] = hb.get("lines")
        changes = hb.get("ai_line_changes") or 0
        prompt = hb.get("ai_prompt_length") or 0
        model = hb.get("ai_model") or ""
        tokens = tuple(hb.get(name) or 0 for name in ("ai_input_tokens", "ai_cached_input_tokens", "ai_output_tokens"))
        row = AiRow(
            None, hb.get("project") or "", hb.get("editor") or "", hb.get("ai_session") or "", model,
            max(changes, 0), max(-changes, 0), max(human, 0), max(-human, 0), *tokens,
            1 if prompt > 0 else 0, max(prompt, 0), cost_micros(model, *tokens),
        )  # fmt: skip
        out.append(row if row.session or any(row[_FIRST_SUM:]) else None)
    return out


def _round(value: float | Fraction) -> int:
    # Python's round (half to even): WakaTime's median of 9673 and 9676 per session is 9674, not 9675.
    return round(value)


class AiGroup(NamedTuple):
    """What the figures of a set of rows (a range, one project, one editor) are made from, before `finished` rounds,
    names and prices them. Computed in two places by the same rule, held equal by tests/integration/test_ai_figures.py
    on random rows: `group_of` here from rows (a day, a duration), and PostgreSQL for a range
    (repositories/aggregates.py's `_ai_figures_sql`), so a year of rows is never fetched.

    - sums: the SUM_FIELDS summed, in their order;
    - by_events: sessions (distinct non-empty `session`; a session's events and prompt length are the sums of its
      rows' `ai_prompt_events` and `ai_prompt_length_sum`) counted by their events: events -> (sessions, their
      summed prompt length);
    - length_middle: over the sessions with events, the two middle values (the same one when their number is odd)
      of `length / events` as a float (float(length) / events, which equals Python's int division below 2**53);
    - models: per raw model string ('' left out): (model, ai_additions + ai_deletions, the cost micros of its rows
      that had tokens, whether any row had tokens)."""

    sums: tuple[int, ...]
    by_events: Mapping[int, tuple[int, int]] = {}
    length_middle: tuple[float, float] | None = None
    models: Sequence[tuple[str, int, int, bool]] = ()


def group_of(rows: Iterable[AiRow]) -> AiGroup:
    """The AiGroup of rows, in Python (its SQL twin: repositories/aggregates.py's `_ai_figures_sql`)."""
    rows = list(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(AiRow._fields)
    sums = tuple(sum(columns[_FIRST_SUM + i]) for i in range(len(SUM_FIELDS)))
    per_session: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    models: dict[str, list[Any]] = {}
    for row in rows:
        if row.session:
            session = per_session[row.session]
            session[0] += row.ai_prompt_events
            session[1] += row.ai_prompt_length_sum
        if row.model:
            model = models.setdefault(row.model, [0, 0, False])
            model[0] += row.ai_additions + row.ai_deletions
            if row.ai_input_tokens or row.ai_cached_input_tokens or row.ai_output_tokens:
                model[1] += row.ai_cost_micros
                model[2] = True
    by_events: dict[int, tuple[int, int]] = {}
    for events, length in per_session.values():
        count, total = by_events.get(events, (0, 0))
        by_events[events] = (count + 1, total + length)
    lengths = sorted(float(length) / events for events, length in per_session.values() if events)
    n = len(lengths)
    return AiGroup(
        sums=sums,
        by_events=by_events,
        length_middle=(lengths[(n - 1) // 2], lengths[n // 2]) if n else None,
        models=[(model, *values) for model, values in models.items()],
    )


def _median_of_counts(counts: Mapping[int, int]) -> float:
    """statistics.median of the values `counts` lists (value -> how many times), without listing them."""
    n = sum(counts.values())
    middle, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while len(middle) < 2 and seen > ((n - 1) // 2, n // 2)[len(middle)]:
            middle.append(value)
    return (middle[0] + middle[1]) / 2 if n else 0.0


@dataclass(slots=True)
class AiFigures:
    """The AI figures of a set of rows, before formatting."""

    sums: dict[str, int]
    model_lines: dict[str, int]
    model_costs: dict[str, float]
    sessions: int
    prompt_length_avg: int
    events_avg_per_session: int
    events_median_per_session: int
    length_avg_per_session: int
    length_median_per_session: int

    @property
    def any(self) -> bool:
        return bool(self.sessions or any(self.sums.values()))


def finished(group: AiGroup) -> AiFigures:
    """WakaTime's figures from a group (fitted on the live capture): ai_prompt_length_avg: prompt length sum /
    prompt events; events per session: events / sessions (all sessions; prompts without a session count in the
    events) and the median of each session's events (sessions without prompts count 0); prompt length per session:
    the mean (exact) and the median, over sessions with prompts, of each session's mean prompt length. All rounded
    half to even. Models are merged by family name (`model_name`); a model's cost counts when it is priced and
    some row of it had tokens."""
    sums = dict(zip(SUM_FIELDS, group.sums, strict=True))
    model_lines: dict[str, int] = defaultdict(int)
    costs: dict[str, int] = {}
    for model, lines, cost, had_tokens in group.models:
        name = model_name(model)
        model_lines[name] += lines
        if had_tokens and is_priced(model):
            costs[name] = costs.get(name, 0) + cost
    prompted = {events: length for events, (_, length) in group.by_events.items() if events}
    with_prompts = sum(n for events, (n, _) in group.by_events.items() if events)
    sessions, total_events = sum(n for n, _ in group.by_events.values()), sums["ai_prompt_events"]
    # The sessions' mean prompt lengths summed exactly, over one common denominator (one division, not one per term).
    common = math.lcm(*prompted)
    mean_length = Fraction(sum(length * (common // events) for events, length in prompted.items()), common)
    middle = group.length_middle
    return AiFigures(
        sums=sums,
        model_lines={k: v for k, v in sorted(model_lines.items(), key=lambda kv: (-kv[1], kv[0])) if v},
        model_costs={k: v / 1_000_000 for k, v in sorted(costs.items())},
        sessions=sessions,
        prompt_length_avg=_round(sums["ai_prompt_length_sum"] / total_events) if total_events else 0,
        events_avg_per_session=_round(total_events / sessions) if sessions else 0,
        events_median_per_session=_round(_median_of_counts({e: n for e, (n, _) in group.by_events.items()})),
        length_avg_per_session=_round(mean_length / with_prompts) if with_prompts else 0,
        length_median_per_session=_round((middle[0] + middle[1]) / 2) if middle else 0,
    )


def figures(rows: Iterable[AiRow]) -> AiFigures:
    """The figures of a few rows (a day, a duration); a range's come from SQL (services/aggregation.py's
    ai_range_figures)."""
    return finished(group_of(rows))


def _breakdown(f: AiFigures) -> list[dict[str, Any]]:
    names = sorted(set(f.model_lines) | set(f.model_costs), key=lambda n: (-f.model_lines.get(n, 0), n))
    return [{"name": n, "lines": f.model_lines.get(n, 0), "cost": f.model_costs.get(n, 0)} for n in names]


def _total_cost(f: AiFigures) -> float | int:
    # WakaTime writes 0 (an int) when there is no cost and an unrounded float sum otherwise.
    return sum(f.model_costs.values()) if f.model_costs else 0


def summary_keys(f: AiFigures) -> dict[str, Any]:
    """The AI keys of a summary's `grand_total` (and of its projects' and editors' items), in WakaTime's order."""
    s = f.sums
    return {
        "ai_additions": s["ai_additions"],
        "ai_deletions": s["ai_deletions"],
        "human_additions": s["human_additions"],
        "human_deletions": s["human_deletions"],
        "ai_model_line_changes": f.model_lines,
        "ai_input_tokens": s["ai_input_tokens"],
        "ai_cached_input_tokens": s["ai_cached_input_tokens"],
        "ai_output_tokens": s["ai_output_tokens"],
        "ai_prompt_length_sum": s["ai_prompt_length_sum"],
        "ai_prompt_events_total": s["ai_prompt_events"],
        "ai_sessions": f.sessions,
        "ai_model_costs": f.model_costs,
        "ai_model_breakdown": _breakdown(f),
        "ai_model_total_cost": _total_cost(f),
        "ai_prompt_length_avg": f.prompt_length_avg,
        "ai_prompt_events_avg_per_session": f.events_avg_per_session,
        "ai_prompt_events_median_per_session": f.events_median_per_session,
        "ai_prompt_length_avg_per_session": f.length_avg_per_session,
        "ai_prompt_length_median_per_session": f.length_median_per_session,
    }


# The keys of a duration (durations-day.json has no breakdown or total cost per duration).
DURATION_KEYS = tuple(k for k in summary_keys(figures(())) if k not in ("ai_model_breakdown", "ai_model_total_cost"))


def duration_keys(f: AiFigures) -> dict[str, Any]:
    keys = summary_keys(f)
    return {k: keys[k] for k in DURATION_KEYS}


def line_totals(f: AiFigures) -> dict[str, int]:
    """AI vs human lines and tokens, for reports and metrics (zeros when there are none)."""
    return {**f.sums, "ai_sessions": f.sessions}
