"""WakaTime's AI arithmetic (domain/ai.py) against the live capture, without a database."""

from __future__ import annotations

import bisect
import json
import random
import statistics

import pytest

from codetime.domain import ai
from harness import FIXTURES


def _capture() -> tuple[list[dict], list[dict], dict]:
    heartbeats = json.loads((FIXTURES / "wakatime-live/heartbeats-day.json").read_text())["data"]
    durations = json.loads((FIXTURES / "wakatime-live/durations-day.json").read_text())["data"]
    day = json.loads((FIXTURES / "wakatime-live/summaries-one-day.json").read_text())["data"][0]["grand_total"]
    heartbeats.sort(key=lambda hb: hb["time"])
    for hb in heartbeats:
        hb["category"] = hb["category"].lower()  # as stored
    return heartbeats, durations, day


@pytest.mark.parametrize(
    ("user_agent", "model"),
    [
        ("wakatime/v1.130.0 (linux-6.8-x86_64) go1.24.4 opus/4.1-medium claude-code/2.0.37", "opus/4.1-medium"),
        ("wakatime/v1.130.0 (darwin) go1.24 vscode/1.95.3 gpt/5.2 codex/0.5", "gpt/5.2"),
        ("wakatime/v1.130.0 (linux) go1.24 vscode/1.95.3 vscode-wakatime/25.3.0", None),  # an editor, not a model
        ("wakatime/v1.130.0 (linux) go1.24 Sonnet/4.5 claude-code/2", "sonnet/4.5"),
        ("opus/latest claude-code/2", None),  # a version starts with a digit
        (None, None),
        ("", None),
    ],
)
def test_model_from_user_agent(user_agent: str | None, model: str | None) -> None:
    assert ai.model_from_user_agent(user_agent) == model


def test_model_names_are_families() -> None:
    assert [ai.model_name(m) for m in ("opus/4.6", "sonnet/4.5-high", "gpt-5.2", "o3/1", "deepseek/3")] == [
        "Opus", "Sonnet", "GPT", "o3", "DeepSeek",
    ]  # fmt: skip


def test_human_lines_rule_reproduces_every_duration_and_the_day() -> None:
    heartbeats, durations, day = _capture()
    rows = ai.heartbeat_rows(heartbeats)
    # Summing human_line_changes alone is not WakaTime's figure; the `lines` rule is.
    naive = [hb["human_line_changes"] for hb in heartbeats if hb["human_line_changes"] is not None]
    assert (sum(x for x in naive if x > 0), -sum(x for x in naive if x < 0)) == (146, 17)
    figures = ai.figures(r for r in rows if r)
    assert (figures.sums["human_additions"], figures.sums["human_deletions"]) == (152, 138)
    assert (day["human_additions"], day["human_deletions"]) == (152, 138)
    starts = [d["time"] for d in durations]
    per: list[list[ai.AiRow]] = [[] for _ in durations]
    for hb, row in zip(heartbeats, rows, strict=True):
        if row:
            per[bisect.bisect_right(starts, hb["time"] + 1e-7) - 1].append(row)
    for rows_of, duration in zip(per, durations, strict=True):
        mine = ai.duration_keys(ai.figures(rows_of))
        for key in ("human_additions", "human_deletions", "ai_additions", "ai_deletions", "ai_sessions",
                    "ai_prompt_length_avg_per_session", "ai_prompt_length_median_per_session",
                    "ai_prompt_events_avg_per_session", "ai_prompt_events_median_per_session"):  # fmt: skip
            assert mine[key] == duration[key], (duration["time"], key)


def test_session_figures_round_half_to_even() -> None:
    rows = [
        ai.AiRow(None, "p", "e", "a", "", ai_prompt_events=1, ai_prompt_length_sum=9673),
        ai.AiRow(None, "p", "e", "b", "", ai_prompt_events=1, ai_prompt_length_sum=9676),
        ai.AiRow(None, "p", "e", "c", ""),  # a session without prompts
        ai.AiRow(None, "p", "e", "", "", ai_prompt_events=1, ai_prompt_length_sum=5),  # a prompt without session
    ]
    f = ai.figures(rows)
    assert (f.sessions, f.length_median_per_session, f.length_avg_per_session) == (3, 9674, 9674)
    assert (f.events_avg_per_session, f.events_median_per_session, f.prompt_length_avg) == (1, 1, 6451)
    assert ai.figures([]).any is False and f.any


def test_costs_per_heartbeat_rounded_to_a_micro_dollar() -> None:
    assert ai.cost_micros("sonnet/4.5", 2566, 596468, 555) == 129976  # 2*2566 + 0.2*596468 + 10*555 = 129975.6
    assert ai.cost_micros("opus/4.6", 10**6, 0, 0) == 0  # no price known
    rows = [ai.AiRow(None, "p", "e", "s", "sonnet/4.5", ai_input_tokens=1, ai_cost_micros=2)] * 3
    keys = ai.summary_keys(ai.figures(rows))
    assert keys["ai_model_costs"] == {"Sonnet": 0.000006} and keys["ai_model_total_cost"] == 0.000006
    assert keys["ai_model_breakdown"] == [{"name": "Sonnet", "lines": 0, "cost": 0.000006}]
    empty = ai.summary_keys(ai.figures(()))
    assert (empty["ai_model_costs"], empty["ai_model_breakdown"], empty["ai_model_total_cost"]) == ({}, [], 0)


def test_session_figures_come_from_the_events_histogram() -> None:
    # Sessions' (events, prompt length): a's mean prompt is 2, b's 3, c has none, d's 1.5 (over two rows).
    sessions = {"a": [(1, 2)], "b": [(2, 6)], "c": [(0, 0)], "d": [(1, 1), (1, 2)]}
    rows = [ai.AiRow(None, "p", "e", s, "", ai_prompt_events=e, ai_prompt_length_sum=n)
            for s, parts in sessions.items() for e, n in parts]  # fmt: skip
    group = ai.group_of(rows)
    assert group.by_events == {1: (1, 2), 2: (2, 9), 0: (1, 0)}
    assert group.length_middle == (2.0, 2.0)  # of 1.5, 2, 3
    f = ai.finished(group)
    assert (f.sessions, f.events_median_per_session, f.events_avg_per_session) == (4, 2, 1)  # median of 0 1 2 2
    assert (f.length_avg_per_session, f.length_median_per_session) == (2, 2)  # mean 6.5 / 3 = 2.17
    # Exact means and medians, rounded half to even: (2 + 3) / 2 = 2.5 -> 2, (3 + 4) / 2 = 3.5 -> 4.
    for means, expected in (((2, 3), 2), ((3, 4), 4)):
        rows = [ai.AiRow(None, "p", "e", f"s{m}", "", ai_prompt_events=3, ai_prompt_length_sum=3 * m) for m in means]
        f = ai.figures(rows)
        assert (f.length_avg_per_session, f.length_median_per_session) == (expected, expected)


@pytest.mark.parametrize("seed", range(20))
def test_events_median_from_the_histogram_is_statistics_median(seed: int) -> None:
    rng = random.Random(seed)
    events = [rng.choice((0, 0, 1, 2, 3, 7, 40)) for _ in range(rng.randint(1, 30))]
    histogram: dict[int, tuple[int, int]] = {}
    for value in events:
        histogram[value] = (histogram.get(value, (0, 0))[0] + 1, 0)
    group = ai.AiGroup(sums=(0,) * len(ai.SUM_FIELDS), by_events=histogram)
    assert ai.finished(group).events_median_per_session == round(statistics.median(events))
