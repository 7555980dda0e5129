"""Provisional administrator check for the ops routes (to be replaced by the accounts module's AdminUser).

CODETIME_ADMINS is a comma-separated list of e-mails, usernames or user ids; the key-authenticated user must be
one of them.
"""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import Depends

from codetime.api.deps import CurrentUser, Forbidden
from codetime.repositories.users import User


def _admins() -> set[str]:
    return {item.strip().lower() for item in os.environ.get("CODETIME_ADMINS", "").split(",") if item.strip()}


async def get_admin_user(user: CurrentUser) -> User:
    names = {str(user.id), user.username.lower(), (user.email or "").lower()} - {""}
    if not names & _admins():
        raise Forbidden("Administrators only.")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]
