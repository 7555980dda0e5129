"""`codetime migrate`, `codetime report` and `codetime ops dlq`."""

from __future__ import annotations

import argparse
import json
import sys

from codetime.cli.runtime import local_runtime


def cmd_migrate(args: argparse.Namespace) -> int:
    with local_runtime():
        print("database is up to date")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from codetime.db import get_pool
    from codetime.domain.errors import InvalidInput
    from codetime.domain.reports import render_text
    from codetime.repositories.users import UserRepository
    from codetime.services.reports import report_for_period

    with local_runtime():
        with get_pool().connection() as conn:
            user = UserRepository(conn).find(args.email)
        if user is None:
            print(f"error: no user {args.email!r}", file=sys.stderr)
            return 2
        try:
            report = report_for_period(user, args.period)
        except InvalidInput as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(render_text(report), end="")
    return 0


def cmd_ops_dlq(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from codetime.services import ops

    with local_runtime():
        try:
            if args.action == "list":
                letters = ops.list_dead_letters(args.limit)
                for letter in letters:
                    print(json.dumps(asdict(letter)))
                print(f"{len(letters)} dead-lettered message(s)", file=sys.stderr)
            else:
                result = ops.replay_dead_letters(args.limit)
                print(f"replayed {result['replayed']} message(s), {result['failed']} failed")
        except ops.DlqNotConfigured as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0
