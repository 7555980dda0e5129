"""A user's public sharing settings, and finding the user a public read asks for."""

from __future__ import annotations

from typing import Any

from codetime.db import get_pool
from codetime.domain.sharing import SHAREABLE, InvalidSharing, NotShared, Sharing, validate_max_days
from codetime.repositories.users import User, UserRepository

# API setting name -> users column (the same names): what user_settings may change.
SHARE_SETTINGS = ("share_data_max_days", *(f"share_{name}" for name in SHAREABLE))


def sharing_of(user: User) -> Sharing:
    return Sharing(
        max_days=user.share_data_max_days,
        lists=frozenset(name for name in SHAREABLE if getattr(user, f"share_{name}")),
    )


def share_settings_of(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in SHARE_SETTINGS}


def share_columns(changes: dict[str, Any]) -> dict[str, object]:
    """Validated column values for the share settings among `changes` (API names)."""
    columns: dict[str, object] = {}
    for name in SHARE_SETTINGS:
        if name not in changes:
            continue
        value = changes[name]
        if name == "share_data_max_days":
            columns[name] = validate_max_days(value)
        elif isinstance(value, bool):
            columns[name] = value
        else:
            raise InvalidSharing(f"{name} is true or false.")
    return columns


def find_shared_user(name: str) -> User:
    """The user named (username or id) by a public read, if they share anything; otherwise NotShared, the same
    answer as for a name nobody has, so a public read cannot tell which accounts exist."""
    with get_pool().connection() as conn:
        user = UserRepository(conn).by_name_or_id(name)
    if user is None or not sharing_of(user).coding_activity:
        raise NotShared("This user's stats are not shared publicly.")
    return user
