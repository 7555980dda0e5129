"""Team rules (domain/orgs.py): who may do what, project patterns, and that a hostile pattern stays linear."""

from __future__ import annotations

import pytest

from codetime.domain import orgs
from codetime.domain.errors import Forbidden, InvalidInput
from harness import cpu_bound


def test_patterns_are_shell_style_case_insensitive_and_anchored() -> None:
    patterns = orgs.normalize_patterns([" acme-* ", "tools", "acme-*"])
    assert patterns == ["acme-*", "tools"]
    assert orgs.project_matches(patterns, "ACME-api") and orgs.project_matches(patterns, "tools")
    assert not orgs.project_matches(patterns, "my-acme-api") and not orgs.project_matches(patterns, "tools2")
    assert not orgs.project_matches([], "anything")  # no patterns: "matching" shares nothing
    assert orgs.project_matches(["[ab]?-x"], "b1-x") and not orgs.project_matches(["[ab]?-x"], "c1-x")
    for bad in ([""], ["x" * 201], [f"p{i}" for i in range(51)]):
        with pytest.raises(InvalidInput):
            orgs.normalize_patterns(bad)


def test_a_worst_case_pattern_matches_in_linear_time() -> None:
    patterns = ["*a" * 100]  # 200 characters of alternating wildcards
    with cpu_bound(2.0):
        for _ in range(50):
            assert not orgs.project_matches(patterns, "a" * 5000 + "b")


def test_roles() -> None:
    orgs.check_role_change("owner", "member", "admin")
    orgs.check_role_change("admin", "member", "viewer")
    with pytest.raises(Forbidden):
        orgs.check_role_change("admin", "member", "admin")  # only the owner makes admins
    with pytest.raises(Forbidden):
        orgs.check_role_change("admin", "admin", "member")  # ... or unmakes them
    with pytest.raises(Forbidden):
        orgs.check_role_change("owner", "owner", "member")
    with pytest.raises(Forbidden):
        orgs.check_role_change("member", "viewer", "member")
    orgs.check_removal("member", "member", self_removal=True)  # leaving
    orgs.check_removal("admin", "viewer", self_removal=False)
    with pytest.raises(Forbidden):
        orgs.check_removal("owner", "owner", self_removal=True)  # the owner deletes instead
    with pytest.raises(Forbidden):
        orgs.check_removal("admin", "admin", self_removal=False)
    with pytest.raises(Forbidden):
        orgs.check_removal("viewer", "member", self_removal=False)
    with pytest.raises(Forbidden):
        orgs.check_invite_role("admin", "admin")
    with pytest.raises(InvalidInput):
        orgs.check_invite_role("owner", "owner")
    assert orgs.sees_every_dashboard("viewer") and not orgs.sees_every_dashboard("member")


def test_the_join_day_rule_counts_from_the_first_full_local_day_after_joining() -> None:
    from datetime import UTC, date, datetime

    joined = datetime(2026, 3, 7, 23, 30, tzinfo=UTC)
    assert orgs.first_visible_day(joined, "UTC") == date(2026, 3, 8)
    # In the member's own timezone: already the 8th in Tokyo (08:30), still the 7th in Honolulu (13:30).
    assert orgs.first_visible_day(joined, "Asia/Tokyo") == date(2026, 3, 9)
    assert orgs.first_visible_day(joined, "Pacific/Honolulu") == date(2026, 3, 8)
    # Joining a minute after midnight still gives that day away: the day's earlier hours are the member's alone.
    assert orgs.first_visible_day(datetime(2026, 3, 8, 0, 1, tzinfo=UTC), "UTC") == date(2026, 3, 9)
