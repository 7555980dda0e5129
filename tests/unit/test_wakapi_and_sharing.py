"""Pure rules: Wakapi's duration text, and what a public reader may see (domain.sharing)."""

from __future__ import annotations

from datetime import date

import pytest

from codetime.domain.sharing import NotShared, Sharing, check_public_filters, check_public_range, public_stats
from codetime.domain.wakapi_format import wakapi_duration, with_wakapi_texts


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 hrs 0 mins"), (29.999, "0 hrs 0 mins"), (30, "0 hrs 1 mins"), (120, "0 hrs 2 mins"),
     (3599, "1 hrs 0 mins"), (5400, "1 hrs 30 mins"), (90061, "25 hrs 1 mins")],
)  # fmt: skip
def test_wakapi_duration_rounds_to_the_minute_as_go(seconds: float, text: str) -> None:
    assert wakapi_duration(seconds) == text


def test_only_duration_texts_are_rewritten() -> None:
    body = {"data": [{"grand_total": {"total_seconds": 120.0, "text": "2 mins"},
                      "range": {"date": "2026-01-01", "text": "Thu Jan 1st 2026"},
                      "projects": [{"name": "a", "total_seconds": 90.0, "seconds": 30, "text": "1 min"}]}],
            "daily_average": {"seconds": 60, "text": "1 min", "seconds_including_other_language": 61,
                              "text_including_other_language": "1 min"}}  # fmt: skip
    out = with_wakapi_texts(body)
    day = out["data"][0]
    assert day["grand_total"]["text"] == "0 hrs 2 mins" and day["range"]["text"] == "Thu Jan 1st 2026"
    assert day["projects"][0]["text"] == "0 hrs 2 mins"  # from total_seconds, not the seconds part
    assert out["daily_average"]["text"] == "0 hrs 1 mins"


def test_public_range_and_filters() -> None:
    week = Sharing(max_days=7, lists=frozenset({"projects"}))
    check_public_range(week, date(2026, 1, 1), date(2026, 1, 7))
    for start, end, unbounded in (
        (date(2026, 1, 1), date(2026, 1, 8), False),
        (date(2026, 1, 7), date(2026, 1, 7), True),
    ):
        with pytest.raises(NotShared):
            check_public_range(week, start, end, unbounded=unbounded)
    with pytest.raises(NotShared):
        check_public_range(Sharing(), date(2026, 1, 1), date(2026, 1, 1))
    check_public_range(Sharing(max_days=-1), date(2000, 1, 1), date(2026, 1, 1), unbounded=True)
    check_public_filters(week, {"project": "a", "language": None})
    for name in ("language", "branch", "editor", "machine", "operating_system", "category"):
        with pytest.raises(NotShared):
            check_public_filters(week, {name: "x"})


def test_public_stats_empty_every_list_not_shared() -> None:
    data = {name: [{"name": "x"}] for name in ("projects", "languages", "editors", "operating_systems", "machines",
                                               "categories", "dependencies", "branches", "entities")}  # fmt: skip
    shown = public_stats({**data, "total_seconds": 5.0}, Sharing(max_days=7, lists=frozenset({"languages"})))
    assert [name for name in data if shown[name]] == ["languages"] and shown["total_seconds"] == 5.0
    assert shown["is_coding_activity_visible"] is True and shown["is_other_usage_visible"] is True
    nothing = public_stats(data, Sharing(max_days=7))
    assert not any(nothing[name] for name in data) and nothing["is_other_usage_visible"] is False
