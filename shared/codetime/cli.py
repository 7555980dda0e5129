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
    from codetime.clients import reset_clients

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
    worker = None
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
        base = f"http://{args.host}:{args.port}"
        banner = (
            f"\nCodeTime is running at {base}\n"
            f"  database: {'embedded PostgreSQL in ' + str(data_dir / 'pgdata') if embedded else 'DATABASE_URL'}\n"
            f"  cache:    {'Redis at REDIS_URL' if os.environ.get('REDIS_URL') else 'in-process'}\n"
            f"  queue:    {'SQS at SQS_QUEUE_URL' if os.environ.get('SQS_QUEUE_URL') else 'local (PostgreSQL table)'}\n"
            f"  API docs: {base}/docs\n\n"
            f"Dev user API key: {api_key}\n"
            f"Sign-in token for a person: codetime token --email you@example.com\n\n"
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

    token = sub.add_parser("token", help="print a sign-in token (JWT) of the local dev issuer")
    token.add_argument("--email", required=True)
    token.add_argument("--minutes", type=int, default=60, help="lifetime (default 60)")
    token.add_argument("--issuer", help="issuer URL (default: that of the last `codetime dev`)")
    token.set_defaults(func=cmd_token)

    invoke = sub.add_parser("invoke", help="run one Lambda handler on a sample event")
    invoke.add_argument("function", choices=["ingestion", "summary", "keys", "writer"])
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
