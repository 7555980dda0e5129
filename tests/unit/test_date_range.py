"""The dates a parameter may name: 1970-01-01 .. today + 1 year, with "today" from the injectable clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from codetime.domain.errors import InvalidFields
from codetime.domain.ranges import check_date, latest_date, parse_date

NOW = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # already 11 March in Berlin


def test_the_range_ends_a_year_after_today_in_the_timezone() -> None:
    assert latest_date("UTC", NOW) == date(2027, 3, 10)
    assert latest_date("Europe/Berlin", NOW) == date(2027, 3, 11)
    assert latest_date("UTC", datetime(2028, 2, 29, 12, tzinfo=UTC)) == date(2029, 2, 28)


EDGES = [("1970-01-01", True), ("1969-12-31", False), ("2027-03-10", True), ("2027-03-11", False),
         ("9999-12-31", False), ("0001-01-01", False)]  # fmt: skip


@pytest.mark.parametrize(("value", "ok"), EDGES)
def test_dates_at_the_edges(value: str, ok: bool) -> None:
    if ok:
        assert parse_date(value, "UTC", "start", NOW) == date.fromisoformat(value)
    else:
        with pytest.raises(InvalidFields) as caught:
            parse_date(value, "UTC", "start", NOW)
        assert caught.value.errors == {"start": ["Must be a date from 1970-01-01 to 2027-03-10."]}


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "nope", "1e999"])
def test_unparseable_or_overflowing_values_name_the_parameter(value: str) -> None:
    with pytest.raises(InvalidFields) as caught:
        parse_date(value, "Pacific/Kiritimati", "to", NOW)
    assert list(caught.value.errors) == ["to"]


def test_check_date_names_the_parameter() -> None:
    with pytest.raises(InvalidFields) as caught:
        check_date(date(1, 1, 1), "snooze_until", "UTC", NOW)
    assert list(caught.value.errors) == ["snooze_until"]
