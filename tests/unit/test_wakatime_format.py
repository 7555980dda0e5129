"""WakaTime time-total formatting, proven against every item of real WakaTime responses.

Fixtures are copies (unchanged) of ../shared/fixtures/ (next to the repository); see tests/fixtures/README.md.
Comparisons go through json.dumps so 0 vs 0.0 and 100 vs 100.0 count, as they do on the wire.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from codetime.domain.wakatime_format import (
    cumulative_total,
    daily_average,
    day_bounds_utc,
    day_text,
    duration_parts,
    grand_total,
    human_text,
    range_info,
    summary_item,
    summary_items,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The project's shared reference material sits next to the checkout (../shared), wherever that is.
SHARED_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"

LIVE_SUMMARIES = ("summaries-one-day.json", "summaries-week.json", "summaries-month.json")
CLI_STATUSBARS = (
    "pkg_api_testdata_api_statusbar_today_response.json",
    "pkg_summary_testdata_statusbar_today.json",
)
COPIED = [f"wakatime-live/{name}" for name in (*LIVE_SUMMARIES, "statusbar-today.json", "all-time-since-today.json")]
COPIED += [
    f"wakatime-cli/{name}"
    for name in (
        *CLI_STATUSBARS,
        "pkg_summary_testdata_statusbar_today_simplified.json",
        "testdata_api_statusbar_today_response.json",
        "pkg_api_testdata_api_statusbar_today_by_category_response.old.json",
        "pkg_api_testdata_api_summaries_response.old.json",
    )
]
DIMENSIONS = (
    "categories",
    "dependencies",
    "editors",
    "languages",
    "machines",
    "operating_systems",
    "projects",
)
ITEM_KEYS = ("name", "total_seconds", "digital", "decimal", "text", "hours", "minutes", "seconds", "percent")
GRAND_TOTAL_KEYS = ("hours", "minutes", "total_seconds", "digital", "decimal", "text")
# The scrubbed name of the language "Other" in the live captures: the only language whose range total
# makes daily_average.seconds = (total - it) / days_minus_holidays, in both the week and the month.
OTHER_LANGUAGE = "name-e27224"


@cache
def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text())


def canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def project(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    # Live items also carry ai_*, color, machine_name_id...: data we do not format here.
    return {key: item[key] for key in keys}


def summary_days() -> list[Any]:
    return [
        pytest.param(name, index, id=f"{name.removesuffix('.json')}-{day['range']['date']}")
        for name in LIVE_SUMMARIES
        for index, day in enumerate(load(f"wakatime-live/{name}")["data"])
    ]


def day_of(name: str, index: int) -> dict[str, Any]:
    return load(f"wakatime-live/{name}")["data"][index]


# --- the copies are the shared fixtures, byte for byte ---------------------------------------------


@pytest.mark.parametrize("relative", COPIED)
def test_fixture_copy_is_unchanged(relative: str) -> None:
    original = SHARED_FIXTURES / relative
    if not original.exists():
        pytest.skip("shared fixtures not mounted")
    assert (FIXTURES / relative).read_bytes() == original.read_bytes()


# --- live summaries: every day, every item ----------------------------------------------------------


@pytest.mark.parametrize(("name", "index"), summary_days())
def test_grand_total_matches_live_day(name: str, index: int) -> None:
    expected = project(day_of(name, index)["grand_total"], GRAND_TOTAL_KEYS)
    assert canon(grand_total(expected["total_seconds"])) == canon(expected)


@pytest.mark.parametrize(("name", "index"), summary_days())
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_live_item_is_recomputed_from_total_seconds(name: str, index: int, dimension: str) -> None:
    items = [project(item, ITEM_KEYS) for item in day_of(name, index)[dimension]]
    dimension_total = sum(item["total_seconds"] for item in items)
    for item in items:
        assert canon(summary_item(item["name"], item["total_seconds"], dimension_total)) == canon(item)


@pytest.mark.parametrize(("name", "index"), summary_days())
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_summary_items_reproduce_live_list(name: str, index: int, dimension: str) -> None:
    items = [project(item, ITEM_KEYS) for item in day_of(name, index)[dimension]]
    ours = summary_items({item["name"]: item["total_seconds"] for item in items})
    # WakaTime's order is total_seconds descending...
    totals = [item["total_seconds"] for item in items]
    assert totals == sorted(totals, reverse=True)
    # ...with ties in an order no name-based rule reproduces; ours breaks ties by name.
    assert canon(ours) == canon(sorted(items, key=lambda item: (-item["total_seconds"], item["name"])))


def test_live_tie_order_is_not_a_function_of_the_name() -> None:
    # Why summary_items cannot copy WakaTime's tie order: tied pairs flip between days.
    seen: dict[tuple[str, str], str] = {}
    flips = 0
    for day in load("wakatime-live/summaries-month.json")["data"]:
        for dimension in DIMENSIONS:
            items = day[dimension]
            for i, first in enumerate(items):
                for second in items[i + 1 :]:
                    if first["total_seconds"] != second["total_seconds"]:
                        continue
                    flips += (second["name"], first["name"]) in seen
                    seen[(first["name"], second["name"])] = day["range"]["date"]
    assert flips > 0


@pytest.mark.parametrize(("name", "index"), summary_days())
def test_range_matches_live_day(name: str, index: int) -> None:
    expected = day_of(name, index)["range"]
    assert range_info(date.fromisoformat(expected["date"]), expected["timezone"]) == expected


@pytest.mark.parametrize("name", LIVE_SUMMARIES)
def test_top_level_start_end_are_first_and_last_day_bounds(name: str) -> None:
    body = load(f"wakatime-live/{name}")
    first, last = body["data"][0]["range"], body["data"][-1]["range"]
    assert body["start"] == range_info(date.fromisoformat(first["date"]), first["timezone"])["start"]
    assert body["end"] == range_info(date.fromisoformat(last["date"]), last["timezone"])["end"]


@pytest.mark.parametrize("name", LIVE_SUMMARIES)
def test_cumulative_total_is_sum_of_days(name: str) -> None:
    body = load(f"wakatime-live/{name}")
    total = sum(day["grand_total"]["total_seconds"] for day in body["data"])
    assert canon(cumulative_total(total)) == canon(body["cumulative_total"])


@pytest.mark.parametrize("name", LIVE_SUMMARIES)
def test_daily_average_matches_live(name: str) -> None:
    body = load(f"wakatime-live/{name}")
    days = body["data"]
    total = sum(day["grand_total"]["total_seconds"] for day in days)
    active = sum(1 for day in days if day["grand_total"]["total_seconds"] > 0)
    other = sum(item["total_seconds"] for day in days for item in day["languages"] if item["name"] == OTHER_LANGUAGE)
    ours = daily_average(total, len(days), active, other_language_seconds=other)
    assert canon(ours) == canon(body["daily_average"])


# --- other live endpoints ---------------------------------------------------------------------------


def test_all_time_since_today_total_formatting() -> None:
    data = load("wakatime-live/all-time-since-today.json")["data"]
    ours = grand_total(data["total_seconds"])
    assert (ours["total_seconds"], ours["text"], ours["decimal"], ours["digital"]) == (
        data["total_seconds"],
        data["text"],
        data["decimal"],
        data["digital"],
    )


def test_live_statusbar_today_shape_keys() -> None:
    # This capture is an empty "Today" (all strings ""): only its keys can be checked. Note a day with
    # no activity in summaries is "0 secs" / "0:00" / "0.00" instead (see test_zero_seconds).
    data = load("wakatime-live/statusbar-today.json")["data"]
    assert set(grand_total(0)) == set(data["grand_total"])
    assert set(range_info(date(2026, 8, 19), "Europe/Moscow")) == set(data["range"])


# --- wakatime-cli test data -------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLI_STATUSBARS)
def test_cli_statusbar_today(name: str) -> None:
    data = load(f"wakatime-cli/{name}")["data"]
    expected_total = project(data["grand_total"], GRAND_TOTAL_KEYS)
    assert canon(grand_total(expected_total["total_seconds"])) == canon(expected_total)
    expected_range = data["range"]
    assert range_info(date.fromisoformat(expected_range["date"]), expected_range["timezone"]) == expected_range
    for dimension in DIMENSIONS:
        items = data[dimension]
        totals = [item["total_seconds"] for item in items]
        assert totals == sorted(totals, reverse=True)
        for item in items:
            # Percent is left out: this hand-made file's percents match neither the dimension's sum
            # nor the grand total (e.g. categories 99.02 + 0.08 with Coding == grand_total).
            keys = tuple(key for key in ITEM_KEYS if key != "percent")
            ours = project(summary_item(item["name"], item["total_seconds"], 1.0), keys)
            assert canon(ours) == canon(project(item, keys))


def test_cli_simplified_today_text() -> None:
    full = load("wakatime-cli/pkg_summary_testdata_statusbar_today.json")["data"]["grand_total"]
    simplified = load("wakatime-cli/pkg_summary_testdata_statusbar_today_simplified.json")
    assert human_text(full["total_seconds"]) == simplified["text"]


@pytest.mark.parametrize(
    "name",
    [
        "testdata_api_statusbar_today_response.json",
        "pkg_api_testdata_api_statusbar_today_by_category_response.old.json",
        "pkg_api_testdata_api_summaries_response.old.json",
    ],
)
def test_cli_text_only_fixtures(name: str) -> None:
    # These carry only "text" (no seconds); check each spelled duration is what human_text writes.
    raw = (FIXTURES / "wakatime-cli" / name).read_text()
    texts = re.findall(r'"text":\s*"([^"]*)"', raw)
    assert texts
    for text in texts:
        count, unit = text.split()
        seconds = int(count) * {"sec": 1, "secs": 1, "min": 60, "mins": 60, "hr": 3600, "hrs": 3600}[unit]
        assert human_text(seconds) == text


# --- edge cases -------------------------------------------------------------------------------------


def test_zero_seconds() -> None:
    assert duration_parts(0) == {"hours": 0, "minutes": 0, "seconds": 0}
    assert human_text(0) == "0 secs"
    # Same as a live summaries day without activity; total_seconds stays a float.
    assert canon(grand_total(0)) == canon(
        {
            "hours": 0,
            "minutes": 0,
            "total_seconds": 0.0,
            "digital": "0:00",
            "decimal": "0.00",
            "text": "0 secs",
        }
    )
    assert canon(summary_item("x", 0, 10)) == canon(
        {
            "name": "x",
            "total_seconds": 0.0,
            "digital": "0:00:00",
            "decimal": "0.00",
            "text": "0 secs",
            "hours": 0,
            "minutes": 0,
            "seconds": 0,
            "percent": 0.0,
        }
    )
    assert canon(cumulative_total(0)) == canon({"seconds": 0.0, "text": "0 secs", "digital": "0:00", "decimal": "0.00"})


def test_just_under_a_minute_truncates() -> None:
    assert duration_parts(59.999) == {"hours": 0, "minutes": 0, "seconds": 59}
    assert human_text(59.999) == "59 secs"
    item = summary_item("x", 59.999, 59.999)
    assert (item["digital"], item["decimal"], item["total_seconds"], item["percent"]) == (
        "0:00:59",
        "0.00",
        59.999,
        100.0,
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 sec"),
        (2, "2 secs"),
        (60, "1 min"),
        (61, "1 min"),
        (120, "2 mins"),
        (3599, "59 mins"),
        (3600, "1 hr"),
        (3659, "1 hr"),
        (3660, "1 hr 1 min"),
        (3720, "1 hr 2 mins"),
        (7200, "2 hrs"),
        (7260, "2 hrs 1 min"),
        (21839.291, "6 hrs 3 mins"),
    ],
)
def test_human_text_forms(seconds: float, text: str) -> None:
    assert human_text(seconds) == text


def test_exactly_one_hour() -> None:
    assert canon(grand_total(3600)) == canon(
        {
            "hours": 1,
            "minutes": 0,
            "total_seconds": 3600.0,
            "digital": "1:00",
            "decimal": "1.00",
            "text": "1 hr",
        }
    )
    assert summary_item("x", 3600, 7200)["digital"] == "1:00:00"
    assert summary_item("x", 3600, 7200)["percent"] == 50.0


def test_more_than_a_day_keeps_counting_hours() -> None:
    seconds = 25 * 3600 + 61.5
    assert duration_parts(seconds) == {"hours": 25, "minutes": 1, "seconds": 1}
    assert human_text(seconds) == "25 hrs 1 min"
    assert grand_total(seconds)["digital"] == "25:01"
    assert grand_total(seconds)["decimal"] == "25.02"
    assert summary_item("x", seconds, seconds)["digital"] == "25:01:01"
    assert cumulative_total(seconds)["digital"] == "25:01"


def test_fractional_seconds() -> None:
    # Serialised with 6 decimals, like WakaTime (16592.463995).
    assert summary_item("x", 1 / 3, 1)["total_seconds"] == 0.333333
    # Parts follow the serialised value, so a client recomputing from total_seconds agrees with us.
    assert grand_total(0.99999999)["total_seconds"] == 1.0
    assert human_text(0.99999999) == "1 sec"
    assert human_text(1.9999994) == "1 sec"
    assert human_text(0.418) == "0 secs"


def test_decimal_uses_truncated_minutes_rounded_to_two_places() -> None:
    # 4:36:32 -> "4.60" (not 16592/3600 = 4.61); 25 min -> 0.4166 -> "0.42"; 38 min -> 0.633 -> "0.63".
    assert grand_total(16592.463995)["decimal"] == "4.60"
    assert grand_total(25 * 60 + 35)["decimal"] == "0.42"
    assert grand_total(38 * 60 + 25)["decimal"] == "0.63"
    assert grand_total(59 * 60 + 59)["decimal"] == "0.98"


def test_summary_items_percent_and_order() -> None:
    items = summary_items({"b": 10.0, "a": 10.0, "c": 30.0, "z": 0.0})
    assert [item["name"] for item in items] == ["c", "a", "b", "z"]
    assert [item["percent"] for item in items] == [60.0, 20.0, 20.0, 0.0]
    assert summary_items({}) == []
    only = summary_items({"solo": 5.0})
    assert canon(only[0]["percent"]) == "100.0"


def test_percent_is_int_zero_when_dimension_is_empty() -> None:
    # Live: a day whose dependencies all have 0 s shows "percent": 0, not 0.0.
    items = summary_items({"a": 0.0, "b": 0})
    assert [canon(item["percent"]) for item in items] == ["0", "0"]
    assert canon(summary_item("x", 0, 0)["percent"]) == "0"


@pytest.mark.parametrize("bad", [-1, -0.001, float("nan"), float("inf")])
def test_rejects_negative_and_non_finite(bad: float) -> None:
    with pytest.raises(ValueError):
        human_text(bad)
    with pytest.raises(ValueError):
        summary_items({"x": bad})


@pytest.mark.parametrize(
    ("day", "tz", "start", "end"),
    [
        (date(2026, 8, 18), "Europe/Moscow", "2026-08-17T21:00:00Z", "2026-08-18T20:59:59Z"),
        (date(2026, 8, 18), "UTC", "2026-08-18T00:00:00Z", "2026-08-18T23:59:59Z"),
        (date(2026, 8, 18), "Asia/Kolkata", "2026-08-17T18:30:00Z", "2026-08-18T18:29:59Z"),
        # DST: 23-hour and 25-hour days still end at 23:59:59 local time.
        (date(2026, 3, 8), "America/New_York", "2026-03-08T05:00:00Z", "2026-03-09T03:59:59Z"),
        (date(2026, 11, 1), "America/New_York", "2026-11-01T04:00:00Z", "2026-11-02T04:59:59Z"),
    ],
)
def test_range_bounds(day: date, tz: str, start: str, end: str) -> None:
    info = range_info(day, tz)
    assert (info["start"], info["end"], info["date"], info["timezone"]) == (start, end, day.isoformat(), tz)
    first, last = day_bounds_utc(day, tz)
    assert (last - first).total_seconds() + 1 in (23 * 3600, 24 * 3600, 25 * 3600)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 8, 1), "Sat Aug 1st 2026"),
        (date(2026, 8, 2), "Sun Aug 2nd 2026"),
        (date(2026, 8, 3), "Mon Aug 3rd 2026"),
        (date(2026, 8, 4), "Tue Aug 4th 2026"),
        (date(2026, 8, 11), "Tue Aug 11th 2026"),
        (date(2026, 8, 12), "Wed Aug 12th 2026"),
        (date(2026, 8, 13), "Thu Aug 13th 2026"),
        (date(2026, 7, 21), "Tue Jul 21st 2026"),
        (date(2026, 7, 22), "Wed Jul 22nd 2026"),
        (date(2026, 7, 23), "Thu Jul 23rd 2026"),
        (date(2026, 7, 31), "Fri Jul 31st 2026"),
        (date(2023, 1, 29), "Sun Jan 29th 2023"),
    ],
)
def test_day_text_ordinals(day: date, text: str) -> None:
    assert day_text(day) == text


def test_daily_average_without_activity_and_validation() -> None:
    assert canon(daily_average(0, 7, 0)) == canon(
        {
            "holidays": 7,
            "days_minus_holidays": 0,
            "days_including_holidays": 7,
            "seconds": 0,
            "seconds_including_other_language": 0,
            "text": "0 secs",
            "text_including_other_language": "0 secs",
        }
    )
    with pytest.raises(ValueError):
        daily_average(10, 1, 2)
    with pytest.raises(ValueError):
        daily_average(10, 1, -1)


def test_daily_average_rounds_to_nearest_second() -> None:
    assert daily_average(3 * 100.6, 3, 3)["seconds"] == 101
    assert daily_average(3 * 100.4, 5, 3)["seconds"] == 100
