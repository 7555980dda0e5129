"""A user's settings and project/language rules; changes that alter computed time queue a recompute job."""

from __future__ import annotations

import uuid
from typing import Any

from codetime.db import get_pool
from codetime.domain import rules as domain_rules
from codetime.domain.countries import country_code
from codetime.domain.errors import InvalidInput, NotFound
from codetime.repositories.leaderboards import LeaderboardRepository
from codetime.repositories.rules import Rule, RuleRepository, RuleTaken
from codetime.repositories.users import User, UserRepository
from codetime.services import aggregation, jobs
from codetime.services.auth import forget_user
from codetime.services.keys import validate_timezone
from codetime.services.sharing import SHARE_SETTINGS, share_columns, share_settings_of


class RuleNotFound(NotFound):
    pass


class InvalidSettings(InvalidInput):
    pass


# API name -> users column; only these can be changed.
SETTINGS = {
    "display_name": "display_name",
    "timezone": "timezone",
    "timeout": "timeout_seconds",
    "week_start": "week_start",
    "public_profile": "public_profile",
    "public_leaderboard": "public_leaderboard",
    "country_code": "country_code",
    **{name: name for name in SHARE_SETTINGS},
}


def settings_of(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "timezone": user.effective_timezone,
        "timeout": user.timeout_seconds // 60,
        "week_start": user.week_start,
        "public_profile": user.public_profile,
        "public_leaderboard": user.public_leaderboard,
        "country_code": user.country_code,
        **share_settings_of(user),
        "is_up_to_date": aggregation.is_current(user),
    }


def update_settings(user: User, changes: dict[str, Any]) -> User:
    """Apply validated changes (API names); a new timezone or timeout recomputes the user's days in the
    background. Returns the updated user."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise InvalidSettings(f"Unknown settings: {', '.join(sorted(unknown))}.")
    for name in ("timezone", "timeout", "week_start", "public_profile", "public_leaderboard", *SHARE_SETTINGS):
        if name in changes and changes[name] is None:
            raise InvalidSettings(f"{name} cannot be null.")
    columns: dict[str, object] = {}
    if "display_name" in changes:
        name = (changes["display_name"] or "").strip()
        columns["display_name"] = name or None
    if "timezone" in changes:
        columns["timezone"] = validate_timezone(str(changes["timezone"]))
    if "timeout" in changes:
        timeout = changes["timeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 60:
            raise InvalidSettings("timeout is a whole number of minutes from 1 to 60.")
        columns["timeout_seconds"] = timeout * 60
    if "week_start" in changes:
        if changes["week_start"] not in range(7) or isinstance(changes["week_start"], bool):
            raise InvalidSettings("week_start is 0 (Sunday) to 6 (Saturday).")
        columns["week_start"] = changes["week_start"]
    if "public_profile" in changes:
        columns["public_profile"] = bool(changes["public_profile"])
    if "public_leaderboard" in changes:
        if not isinstance(changes["public_leaderboard"], bool):
            raise InvalidSettings("public_leaderboard is true or false.")
        columns["public_leaderboard"] = changes["public_leaderboard"]
    if "country_code" in changes:
        # null or "" clears it; anything else must be a known ISO 3166-1 alpha-2 code (UnknownCountry: 400).
        code = changes["country_code"]
        columns["country_code"] = country_code(code) if code else None
    columns |= share_columns(changes)
    job_id = None
    with get_pool().connection() as conn, conn.transaction():
        repo = UserRepository(conn)
        before = repo.time_settings([user.id], lock="update").get(user.id)
        updated = repo.update_settings(user.id, columns) if columns else repo.get(user.id)
        assert before is not None and updated is not None
        if {"public_leaderboard", "country_code"} & set(columns):
            # The board's copies, in this transaction: opting out hides the user from the next read.
            LeaderboardRepository(conn).sync_user(user.id)
        if (updated.effective_timezone, updated.timeout_seconds) != before:
            reason = "timezone" if updated.effective_timezone != before[0] else "timeout"
            job_id = jobs.create_recompute(conn, user.id, reason)
    forget_user(user.id)
    if job_id is not None:
        aggregation.changed([user.id])
        jobs.notify(job_id)
    return updated


# --- rules ----------------------------------------------------------------------------------------------------


def list_rules(user: User) -> list[Rule]:
    with get_pool().connection() as conn:
        return RuleRepository(conn).list(user.id)


def _changed(user_id: uuid.UUID, conn: Any, reason: str) -> uuid.UUID:
    return jobs.create_recompute(conn, user_id, reason)


def _after_change(user: User, job_id: uuid.UUID) -> None:
    aggregation.changed([user.id])
    jobs.notify(job_id)


def add_rule(user: User, kind: str, pattern: str, replacement: str) -> Rule:
    kind, pattern, replacement = domain_rules.normalize(kind, pattern, replacement)
    with get_pool().connection() as conn, conn.transaction():
        repo = RuleRepository(conn)
        UserRepository(conn).lock(user.id)  # serializes the count check
        if repo.count(user.id) >= domain_rules.MAX_RULES:
            raise domain_rules.InvalidRule(f"At most {domain_rules.MAX_RULES} rules.")
        try:
            rule = repo.add(user.id, kind, pattern, replacement)
        except RuleTaken as exc:
            raise domain_rules.InvalidRule(f"There is already a {kind} rule for {pattern!r}.") from exc
        job_id = _changed(user.id, conn, "rules")
    _after_change(user, job_id)
    return rule


def update_rule(user: User, rule_id: uuid.UUID, pattern: str | None, replacement: str | None) -> Rule:
    with get_pool().connection() as conn, conn.transaction():
        repo = RuleRepository(conn)
        current = repo.get(user.id, rule_id)
        if current is None:
            raise RuleNotFound("No such rule.")
        kind, new_pattern, new_replacement = domain_rules.normalize(
            current.kind, current.pattern if pattern is None else pattern,
            current.replacement if replacement is None else replacement,
        )  # fmt: skip
        try:
            rule = repo.update(user.id, rule_id, new_pattern, new_replacement)
        except RuleTaken as exc:
            raise domain_rules.InvalidRule(f"There is already a {kind} rule for {new_pattern!r}.") from exc
        job_id = _changed(user.id, conn, "rules")
    _after_change(user, job_id)
    return rule  # type: ignore[return-value]


def delete_rule(user: User, rule_id: uuid.UUID) -> None:
    with get_pool().connection() as conn, conn.transaction():
        if not RuleRepository(conn).delete(user.id, rule_id):
            raise RuleNotFound("No such rule.")
        job_id = _changed(user.id, conn, "rules")
    _after_change(user, job_id)
