"""The `codetime` command: local runtime, migrations, users, handler invocation."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any


def _find_data_dir() -> Path:
    """CODETIME_DATA_DIR, else `.codetime` at the root of the checkout we are in (so every command of the same
    checkout shares one database and pepper), else in the current directory."""
    if os.environ.get("CODETIME_DATA_DIR"):
        return Path(os.environ["CODETIME_DATA_DIR"]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        project = folder / "pyproject.toml"
        if project.exists() and 'name = "codetime"' in project.read_text(encoding="utf-8", errors="ignore"):
            return folder / ".codetime"
    return here / ".codetime"


def _prepare_environment() -> Any:
    """Point the process at its database: DATABASE_URL if set, else the embedded PostgreSQL of this checkout
    (started if needed). Returns the embedded server to stop later, or None."""
    from codetime.lifecycle import reset_clients

    data_dir = _find_data_dir()
    os.environ["CODETIME_DATA_DIR"] = str(data_dir)
    embedded = None
    if not os.environ.get("DATABASE_URL") and not os.environ.get("DATABASE_SECRET_ARN"):
        from codetime.local.embedded_pg import EmbeddedPostgres

        embedded = EmbeddedPostgres(data_dir / "pgdata")
        os.environ["DATABASE_URL"] = embedded.start()
    reset_clients()
    _migrate()
    return embedded


def _migrate() -> list[str]:
    import psycopg

    from codetime.clients import database_url
    from codetime.db.migrate import migrate

    mode = os.environ.get("CODETIME_TIMESCALE", "auto").lower()
    timescale = {"auto": None, "on": True, "required": True, "off": False}.get(mode)
    with psycopg.connect(database_url()) as conn:
        return migrate(conn, timescale=timescale)


def cmd_migrate(args: argparse.Namespace) -> int:
    embedded = _prepare_environment()
    print("database is up to date")
    if embedded:
        embedded.stop()
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from codetime.repositories.users import UsernameTaken
    from codetime.services.keys import InvalidUserInput, create_user

    embedded = _prepare_environment()
    try:
        user, issued = create_user(email=args.email, username=args.username, timezone=args.timezone,
                                   api_key=args.api_key)  # fmt: skip
    except (InvalidUserInput, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UsernameTaken:
        print("error: a user with that username or email already exists", file=sys.stderr)
        return 2
    finally:
        if embedded:
            embedded.stop()
    print(f"user {user.username} ({user.id}) created")
    print(f"api key: {issued.plaintext}")
    return 0


def _find_user(args: argparse.Namespace) -> Any:
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


class _ByteCounter:
    """A binary file that counts the bytes read from it (the import's progress)."""

    def __init__(self, handle: Any) -> None:
        self.handle, self.count = handle, 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.count += len(data)
        return data


def _human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GB"


def _progress_line(done: int, total: int, elapsed: float, counts: str) -> str:
    fraction = min(1.0, done / total) if total else 1.0
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = (total - done) / rate if rate > 0 else 0.0
    bar = "#" * int(fraction * 30)
    return (f"\r[{bar:<30}] {fraction:6.1%} {_human_bytes(done)}/{_human_bytes(total)} "
            f"{_human_bytes(rate)}/s ETA {int(eta // 60)}m{int(eta % 60):02d}s  {counts}")  # fmt: skip


def cmd_import(args: argparse.Namespace) -> int:
    from codetime.services.imports import ImportResult, InvalidImport, import_heartbeats

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return 2
    embedded = _prepare_environment()
    try:
        user = _find_user(args)
        if user is None:
            return 2
        total = path.stat().st_size
        started = time.monotonic()
        show = sys.stderr.isatty() and not args.quiet
        with path.open("rb") as handle:
            counter = _ByteCounter(handle)

            def progress(result: ImportResult) -> None:
                if show:
                    counts = f"imported {result.imported} duplicate {result.duplicates} invalid {result.invalid}"
                    sys.stderr.write(_progress_line(counter.count, total, time.monotonic() - started, counts))
                    sys.stderr.flush()

            try:
                result = import_heartbeats(user, counter, progress=progress)  # type: ignore[arg-type]
            except InvalidImport as exc:
                print(f"\nerror: {exc}", file=sys.stderr)
                return 2
            except KeyboardInterrupt:
                print("\ninterrupted: what was imported stays; run the same command again to finish "
                      "(nothing is imported twice)", file=sys.stderr)  # fmt: skip
                return 130
        if show:
            sys.stderr.write("\n")
        for example in result.errors:
            print(f"invalid heartbeat #{example['index']}: {json.dumps(example['errors'])}", file=sys.stderr)
        print(f"imported {result.imported}, duplicate {result.duplicates}, invalid {result.invalid} "
              f"({time.monotonic() - started:.1f} s)")  # fmt: skip
        return 0
    finally:
        if embedded:
            embedded.stop()


def cmd_export(args: argparse.Namespace) -> int:
    from codetime.services.exports import export_chunks

    embedded = _prepare_environment()
    try:
        user = _find_user(args)
        if user is None:
            return 2
        if args.output in (None, "-"):
            for chunk in export_chunks(user):
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return 0
        target = Path(args.output)
        partial = target.with_name(target.name + ".partial")  # a cut-off export never looks complete
        with partial.open("wb") as handle:
            for chunk in export_chunks(user):
                handle.write(chunk)
        partial.replace(target)
        print(f"exported {user.username}'s heartbeats to {target} ({_human_bytes(target.stat().st_size)})")
        return 0
    finally:
        if embedded:
            embedded.stop()


def _confirmed(args: argparse.Namespace, what: str, username: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print("error: not a terminal; pass --yes to confirm", file=sys.stderr)
        return False
    answer = input(f"{what} Type the username ({username}) to confirm: ")
    return answer.strip() == username


def cmd_users_delete(args: argparse.Namespace) -> int:
    from codetime.services.accounts import delete_account

    embedded = _prepare_environment()
    try:
        user = _find_user(args)
        if user is None:
            return 2
        if not _confirmed(args, f"Delete user {user.username} with all keys and data? This cannot be undone.",
                          user.username):  # fmt: skip
            print("not deleted", file=sys.stderr)
            return 1
        delete_account(user.id, budget_seconds=None)
        print(f"user {user.username} and all their data deleted")
        return 0
    finally:
        if embedded:
            embedded.stop()


def cmd_users_clear(args: argparse.Namespace) -> int:
    from codetime.services.accounts import clear_data

    embedded = _prepare_environment()
    try:
        user = _find_user(args)
        if user is None:
            return 2
        if not _confirmed(args, f"Delete every heartbeat and summary of {user.username} (the account and keys "
                          "stay)? This cannot be undone.", user.username):  # fmt: skip
            print("not cleared", file=sys.stderr)
            return 1
        clear_data(user.id, budget_seconds=None)
        print(f"all heartbeats and summaries of {user.username} deleted; the account and its keys remain")
        return 0
    finally:
        if embedded:
            embedded.stop()


def cmd_users_confirm(args: argparse.Namespace) -> int:
    from codetime.api.deps import CONFIRMATION_HEADER
    from codetime.services.keys import issue_confirmation_code

    embedded = _prepare_environment()
    try:
        user = _find_user(args)
        if user is None:
            return 2
        code = issue_confirmation_code(user, minutes=args.minutes)
        print(code)
        print(f"one request of {user.username}'s with an API key and the header `{CONFIRMATION_HEADER}: <code>` may "
              f"mint or rotate a key, change report settings, clear data or delete the account; the code works once, "
              f"for {args.minutes} minutes", file=sys.stderr)  # fmt: skip
        return 0
    finally:
        if embedded:
            embedded.stop()


def cmd_report(args: argparse.Namespace) -> int:
    from codetime.db import get_pool
    from codetime.domain.errors import InvalidInput
    from codetime.domain.reports import render_text
    from codetime.repositories.users import UserRepository
    from codetime.services.reports import report_for_period

    embedded = _prepare_environment()
    try:
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
    finally:
        if embedded:
            embedded.stop()
    return 0


def cmd_ops_dlq(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from codetime.services import ops

    embedded = _prepare_environment()
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
    finally:
        if embedded:
            embedded.stop()
    return 0


def _dev_api_key(data_dir: Path) -> str:
    """The dev user's key: CODETIME_DEV_API_KEY, else the one kept in the data dir, else a new one."""
    from codetime.domain.keys import generate_key
    from codetime.services.keys import ensure_user_key

    key_file = data_dir / "dev-api-key"
    from_env = os.environ.get("CODETIME_DEV_API_KEY")
    key = from_env or (key_file.read_text().strip() if key_file.exists() else None) or generate_key()
    ensure_user_key("dev", key)
    if not from_env:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
    return key


def cmd_token(args: argparse.Namespace) -> int:
    from codetime.local import dev_issuer

    data_dir = _find_data_dir()
    issuer = args.issuer or dev_issuer.configured_issuer(data_dir)
    print(dev_issuer.issue_token(data_dir, email=args.email, issuer=issuer, lifetime_seconds=args.minutes * 60))
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    import uvicorn

    from codetime.api.app import create_local_app
    from codetime.db import close_pool
    from codetime.local import dev_issuer

    data_dir = _find_data_dir()
    # People sign in with tokens of the local dev issuer unless a real OIDC issuer is configured.
    dev_issuer.configure(data_dir, f"http://{args.host}:{args.port}")
    embedded = _prepare_environment()
    if embedded:
        embedded.supervise()  # a killed or crashed embedded PostgreSQL comes back; the server keeps serving
    worker = scheduler = None
    try:
        try:
            api_key = _dev_api_key(data_dir)
        except ValueError as exc:  # e.g. CODETIME_DEV_API_KEY not in wakatime-cli's key format
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not os.environ.get("SQS_QUEUE_URL"):
            from codetime.local.queue_worker import LocalQueueWorker
            from functions.writer import handler as writer_handler

            worker = LocalQueueWorker(writer_handler)
            worker.start()
        if os.environ.get("CODETIME_LOCAL_SCHEDULES", "on").lower() not in ("0", "off", "false", "no"):
            from codetime.local.scheduler import LocalScheduler, default_jobs
            from functions.maintenance import handler as maintenance_handler
            from functions.reports import handler as reports_handler

            scheduler = LocalScheduler(default_jobs(reports_handler, maintenance_handler))
            scheduler.start()
        base = f"http://{args.host}:{args.port}"
        banner = (
            f"\nCodeTime is running at {base}\n"
            f"  database: {'embedded PostgreSQL in ' + str(data_dir / 'pgdata') if embedded else 'DATABASE_URL'}\n"
            f"  cache:    {'Redis at REDIS_URL' if os.environ.get('REDIS_URL') else 'in-process'}\n"
            f"  queue:    {'SQS at SQS_QUEUE_URL' if os.environ.get('SQS_QUEUE_URL') else 'local (PostgreSQL table)'}\n"
            f"  schedules: {'report tick hourly, maintenance 03:30 UTC' if scheduler else 'off'}\n"
            f"  API docs: {base}/docs\n\n"
            f"Dev user API key: {api_key}\n"
            f"Sign-in token for a person: codetime token --email you@example.com\n"
            f"New keys, report webhooks, clear/delete with the key: codetime users confirm --username dev\n\n"
            f"Paste into ~/.wakatime.cfg:\n"
            f"[settings]\napi_url = {base}/api/v1\napi_key = {api_key}\n"
        )
        server = uvicorn.Server(uvicorn.Config(create_local_app(), host=args.host, port=args.port, log_level="warning"))

        def announce() -> None:  # only once the socket accepts connections
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                print(banner, flush=True)

        threading.Thread(target=announce, daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn shuts down gracefully, then re-raises the signal
            server.run()
    finally:
        if scheduler:
            scheduler.stop()
        if worker:
            worker.stop()
        close_pool()
        if embedded:
            embedded.stop()
        print("CodeTime stopped.")
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    from codetime.local.lambda_context import LocalLambdaContext

    embedded = _prepare_environment()
    try:
        module = importlib.import_module(f"functions.{args.function}")
        event = json.loads(Path(args.event).read_text())
        result = module.handler(event, LocalLambdaContext(f"codetime-{args.function}"))
        print(json.dumps(result, indent=2, default=str))
    finally:
        if embedded:
            embedded.stop()
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
