"""`codetime users create|delete|clear|confirm`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from codetime.cli.runtime import local_runtime


def find_user(args: argparse.Namespace) -> Any:
    """The user named by --email/--username (None after printing why not)."""
    from codetime.db import get_pool
    from codetime.repositories.users import UserRepository

    wanted = args.email or args.username
    if not wanted:
        print("error: name the user with --email or --username", file=sys.stderr)
        return None
    with get_pool().connection() as conn:
        user = UserRepository(conn).find(wanted)
    if user is None or (args.email and user.email != args.email):
        print(f"error: no user {wanted!r}", file=sys.stderr)
        return None
    return user


def _confirmed(args: argparse.Namespace, what: str, username: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print("error: not a terminal; pass --yes to confirm", file=sys.stderr)
        return False
    answer = input(f"{what} Type the username ({username}) to confirm: ")
    return answer.strip() == username


def cmd_users_create(args: argparse.Namespace) -> int:
    from codetime.repositories.users import UsernameTaken
    from codetime.services.keys import InvalidUserInput, create_user

    with local_runtime():
        try:
            user, issued = create_user(email=args.email, username=args.username, timezone=args.timezone,
                                       api_key=args.api_key)  # fmt: skip
        except (InvalidUserInput, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except UsernameTaken:
            print("error: a user with that username or email already exists", file=sys.stderr)
            return 2
    print(f"user {user.username} ({user.id}) created")
    print(f"api key: {issued.plaintext}")
    return 0


def cmd_users_delete(args: argparse.Namespace) -> int:
    from codetime.services.accounts import delete_account

    with local_runtime():
        user = find_user(args)
        if user is None:
            return 2
        if not _confirmed(args, f"Delete user {user.username} with all keys and data? This cannot be undone.",
                          user.username):  # fmt: skip
            print("not deleted", file=sys.stderr)
            return 1
        delete_account(user.id, budget_seconds=None)
        print(f"user {user.username} and all their data deleted")
        return 0


def cmd_users_clear(args: argparse.Namespace) -> int:
    from codetime.services.accounts import clear_data

    with local_runtime():
        user = find_user(args)
        if user is None:
            return 2
        if not _confirmed(args, f"Delete every heartbeat and summary of {user.username} (the account and keys "
                          "stay)? This cannot be undone.", user.username):  # fmt: skip
            print("not cleared", file=sys.stderr)
            return 1
        clear_data(user.id, budget_seconds=None)
        print(f"all heartbeats and summaries of {user.username} deleted; the account and its keys remain")
        return 0


def cmd_users_confirm(args: argparse.Namespace) -> int:
    from codetime.api.deps import CONFIRMATION_HEADER
    from codetime.services.keys import issue_confirmation_code

    with local_runtime():
        user = find_user(args)
        if user is None:
            return 2
        code = issue_confirmation_code(user, minutes=args.minutes)
        print(code)
        print(f"one request of {user.username}'s with an API key and the header `{CONFIRMATION_HEADER}: <code>` may "
              f"mint or rotate a key, change report settings, clear data or delete the account; the code works once, "
              f"for {args.minutes} minutes", file=sys.stderr)  # fmt: skip
        return 0
