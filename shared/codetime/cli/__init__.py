"""The `codetime` command: local runtime, migrations, users, handler invocation.

The CLI is a composition root: it alone in the package may import `functions.*` (it hosts the Lambda handlers
locally, as SAM would). Every command that needs the database runs inside `runtime.local_runtime()`."""

from __future__ import annotations

import argparse
import os
import signal
import warnings

from codetime.cli.data import cmd_export, cmd_import
from codetime.cli.dev import cmd_dev
from codetime.cli.invoke import cmd_invoke
from codetime.cli.ops import cmd_migrate, cmd_ops_dlq, cmd_report
from codetime.cli.orgs import add_parsers as add_orgs_parsers
from codetime.cli.token import cmd_token
from codetime.cli.users import cmd_users_clear, cmd_users_confirm, cmd_users_create, cmd_users_delete


def _add_user_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", help="the user's e-mail")
    parser.add_argument("--username", help="the user's username")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codetime", description="CodeTime: WakaTime-compatible coding analytics")
    sub = parser.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="run the whole system locally")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8000)
    dev.set_defaults(func=cmd_dev)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create a user and print an API key")
    create.add_argument("--email")
    create.add_argument("--username")
    create.add_argument("--timezone")
    create.add_argument("--api-key", help="import an existing WakaTime key (waka_<uuid4> or <uuid4>)")
    create.set_defaults(func=cmd_users_create)
    for name, func, text in (
        ("delete", cmd_users_delete, "delete a user with all keys and data"),
        ("clear", cmd_users_clear, "delete a user's heartbeats and summaries, keep the account"),
    ):
        command = users.add_parser(name, help=text)
        _add_user_options(command)
        command.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        command.set_defaults(func=func)

    confirm = users.add_parser("confirm", help="print a one-time code confirming a take-over action made with a key")
    _add_user_options(confirm)
    confirm.add_argument("--minutes", type=int, default=10, choices=range(1, 61), metavar="1-60",
                         help="lifetime (default 10)")  # fmt: skip
    confirm.set_defaults(func=cmd_users_confirm)

    add_orgs_parsers(sub)

    imp = sub.add_parser("import", help="import a WakaTime data dump or a JSON array of heartbeats")
    imp.add_argument("file")
    _add_user_options(imp)
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="export a user's heartbeats (WakaTime data-dump format)")
    _add_user_options(exp)
    exp.add_argument("--output", "-o", help="file to write (default: standard output)")
    exp.set_defaults(func=cmd_export)

    report = sub.add_parser("report", help="print a user's report for a period")
    report.add_argument("--email", required=True, help="the user's e-mail (or username)")
    report.add_argument("--period", default="last_week", help="last_week, yesterday, last_7_days, this_month, ...")
    report.set_defaults(func=cmd_report)

    ops_parser = sub.add_parser("ops", help="operations").add_subparsers(dest="ops_command", required=True)
    dlq = ops_parser.add_parser("dlq", help="dead-lettered heartbeat messages (SQS_DLQ_URL, or the local queue)")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("--limit", type=int, default=100)
    dlq.set_defaults(func=cmd_ops_dlq)

    token = sub.add_parser("token", help="print a sign-in token (JWT) of the local dev issuer")
    token.add_argument("--email", required=True)
    token.add_argument("--minutes", type=int, default=60, help="lifetime (default 60)")
    token.add_argument("--issuer", help="issuer URL (default: that of the last `codetime dev`)")
    token.set_defaults(func=cmd_token)

    invoke = sub.add_parser("invoke", help="run one Lambda handler on a sample event")
    invoke.add_argument("function", choices=["ingestion", "summary", "keys", "writer", "reports", "maintenance", "ops"])
    invoke.add_argument("event", help="path to an event JSON, e.g. events/sqs_batch.json")
    invoke.set_defaults(func=cmd_invoke)
    return parser


def main(argv: list[str] | None = None) -> int:
    # A terminal wants warnings, not one JSON line per request; LOG_LEVEL=INFO brings them back.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", os.environ.get("LOG_LEVEL", "WARNING"))
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")  # pgserver's lock dir falls back to /tmp
    args = build_parser().parse_args(argv)
    if args.command == "dev":
        # EMF metrics are for CloudWatch; on a terminal they are noise.
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        # uvicorn handles SIGINT; SIGTERM should stop as cleanly.
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    return args.func(args)
