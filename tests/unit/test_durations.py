"""The golden test of WakaTime's arithmetic, on the pure implementation."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from codetime.domain.durations import compute_durations
from harness import FIXTURES

LIVE = FIXTURES / "wakatime-live"


def _heartbeats() -> list[dict]:
    data = json.loads((LIVE / "heartbeats-day.json").read_text())["data"]
    return sorted(data, key=lambda hb: hb["time"])


def test_reproduces_all_62_wakatime_durations() -> None:
    expected = json.loads((LIVE / "durations-day.json").read_text())["data"]
    got = compute_durations(_heartbeats(), 900, key=lambda hb: hb["project"], time_of=lambda hb: hb["time"])
    assert len(got) == len(expected) == 62
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.value == theirs["project"]
        assert mine.time == theirs["time"]
        assert mine.duration == pytest.approx(theirs["duration"], abs=2e-6)
    assert round(sum(d.duration for d in got), 3) == 21839.291


def test_per_language_totals_match_wakatime_summary() -> None:
    reference = json.loads((LIVE / "summaries-one-day.json").read_text())["data"][0]["languages"]
    per_language: dict[str, float] = defaultdict(float)
    for d in compute_durations(_heartbeats(), 900, key=lambda hb: hb["language"], time_of=lambda hb: hb["time"]):
        per_language[d.value] += d.duration
    assert sorted(round(v, 3) for v in per_language.values()) == sorted(round(x["total_seconds"], 3) for x in reference)


@pytest.mark.parametrize(
    ("times", "timeout", "expected"),
    [
        ([], 900, []),
        ([100.0], 900, [(100.0, 0.0)]),  # a lone heartbeat counts 0
        ([0.0, 900.0], 900, [(0.0, 900.0)]),  # a gap of exactly the timeout counts
        ([0.0, 900.5], 900, [(0.0, 0.0), (900.5, 0.0)]),  # a longer gap counts 0 and splits
        ([0.0, 60.0, 120.0], 900, [(0.0, 120.0)]),  # equal adjacent spans merge; no padding at the end
    ],
)
def test_gap_rules(times: list[float], timeout: int, expected: list[tuple[float, float]]) -> None:
    got = compute_durations([{"time": t} for t in times], timeout, key=lambda hb: "p", time_of=lambda hb: hb["time"])
    assert [(d.time, d.duration) for d in got] == expected


def test_gap_belongs_to_the_earlier_heartbeat() -> None:
    beats = [{"time": 0.0, "p": "a"}, {"time": 100.0, "p": "b"}, {"time": 130.0, "p": "a"}]
    got = compute_durations(beats, 900, key=lambda hb: hb["p"], time_of=lambda hb: hb["time"])
    assert [(d.value, d.duration) for d in got] == [("a", 100.0), ("b", 30.0), ("a", 0.0)]
