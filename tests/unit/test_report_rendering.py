"""The report model's renderings (HTML e-mail, text, Slack, Discord, JSON), goals included, and due periods."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from codetime.domain import reports as model


def _report(**overrides: object) -> model.Report:
    base = dict(
        user_name="Ada <script>", cadence="weekly", start=date(2026, 11, 16), end=date(2026, 11, 22),
        timezone="Europe/Berlin", total_seconds=5 * 3600 + 120, previous_total_seconds=4 * 3600,
        days=[model.DayTotal(day=date(2026, 11, 16 + i), seconds=s) for i, s in
              enumerate([3600, 0, 7200, 1800, 0, 5520, 0])],
        projects=model.ranked([{"key": "codetime", "total": 4 * 3600}, {"key": "site", "total": 3720}], 18120),
        languages=model.ranked([{"key": "Python", "total": 18120}], 18120),
        editors=model.ranked([{"key": "VS Code", "total": 18120}], 18120),
    )  # fmt: skip
    return model.Report(**{**base, **overrides})  # type: ignore[arg-type]


GOALS = [
    model.GoalProgress(title="Code 4 hrs a week", target_seconds=4 * 3600, actual_seconds=5 * 3600 + 120),
    model.GoalProgress(title="Rust 2 hrs", target_seconds=7200, actual_seconds=1800),
]


def test_text_has_totals_change_chart_and_top_lists() -> None:
    text = model.render_text(_report())
    assert "Total: 5 hrs 2 mins (+25.8% vs the previous week (4 hrs 0 mins))" in text
    assert "Wed 18 Nov  " + "#" * 30 in text  # the longest day is the full bar
    assert "Tue 17 Nov  " + " " * 30 + "  0 secs" in text
    assert "codetime" in text and "Python" in text and "VS Code" in text
    assert "Goals" not in text


def test_goals_render_when_given() -> None:
    report = _report(goals=GOALS)
    text = model.render_text(report)
    assert "Code 4 hrs a week" in text and "(done)" in text and "30 mins of 2 hrs 0 mins (25%)" in text
    html = model.render_html(report)
    assert "Goals" in html and "Rust 2 hrs" in html and "✓" in html
    assert "Goal Rust 2 hrs: 30 mins of 2 hrs 0 mins" in model.slack_payload(report)["blocks"][1]["text"]["text"]
    assert model.json_payload(report)["report"]["goals"][1]["target_seconds"] == 7200


def test_html_is_a_mail_safe_table_chart_without_scripts_and_escaped() -> None:
    html = model.render_html(_report())
    assert "<script" not in html and "Ada &lt;script&gt;" in html
    assert html.count('bgcolor="#4f46e5"') == 4 + 2 + 1 + 1  # 4 active days, 2 projects, 1 language, 1 editor
    assert '<td width="100%" bgcolor="#4f46e5"' in html  # the peak day fills its row
    assert "http" not in html.replace('"http', "")  # no remote images or links


def test_change_is_none_without_a_previous_period() -> None:
    report = _report(previous_total_seconds=0)
    assert report.change_percent is None and "no coding in the previous week" in model.render_text(report)


def test_webhook_payloads() -> None:
    report = _report()
    slack = model.slack_payload(report)
    assert slack["text"].endswith("5 hrs 2 mins") and slack["blocks"][0]["type"] == "header"
    discord = model.discord_payload(report)
    assert discord["embeds"][0]["fields"][0]["name"] == "Projects"
    assert model.json_payload(report)["change_percent"] == 25.8


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        # Tonga (UTC+13): 08:00 local on the 23rd is 19:00 UTC on the 22nd.
        (datetime(2026, 11, 22, 18, 59, tzinfo=UTC), "Pacific/Tongatapu", None),
        (datetime(2026, 11, 22, 19, 0, tzinfo=UTC), "Pacific/Tongatapu", (date(2026, 11, 22), date(2026, 11, 22))),
        # Honolulu (UTC-10): 08:00 local is 18:00 UTC the same day; within the 6 h grace window, then not.
        (datetime(2026, 11, 23, 23, 59, tzinfo=UTC), "Pacific/Honolulu", (date(2026, 11, 22), date(2026, 11, 22))),
        (datetime(2026, 11, 24, 0, 0, tzinfo=UTC), "Pacific/Honolulu", None),
    ],
)
def test_daily_due_period(now: datetime, tz: str, expected: tuple[date, date] | None) -> None:
    assert model.due_period("daily", now, tz, 8, 0, 6) == expected


def test_weekly_due_period_is_the_seven_days_before_the_weekday() -> None:
    monday_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert model.due_period("weekly", monday_9, "Europe/Berlin", 9, 0, 6) == (date(2026, 11, 16), date(2026, 11, 22))
    assert model.due_period("weekly", monday_9, "Europe/Berlin", 9, 1, 6) is None  # Tuesdays only


def test_titles_name_the_period() -> None:
    assert _report().title == "Your coding week: 16 Nov – 22 Nov 2026"
    day = _report(start=date(2026, 11, 22), end=date(2026, 11, 22), cadence="daily")
    assert day.title == "Your coding on Sun 22 Nov 2026" and "previous day" in model.render_text(day)
    month = _report(start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert month.title == "Your coding: 01 Oct – 31 Oct 2026" and "previous 31 days" in model.render_text(month)
