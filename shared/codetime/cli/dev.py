"""`codetime dev`: the whole system on this machine (API, local queue worker, schedules, embedded PostgreSQL)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from codetime.cli.runtime import Runtime, find_data_dir, local_runtime


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


def _banner(base: str, runtime: Runtime, api_key: str, *, schedules: bool) -> str:
    database = f"embedded PostgreSQL in {runtime.data_dir / 'pgdata'}" if runtime.embedded else "DATABASE_URL"
    return (
        f"\nCodeTime is running at {base}\n"
        f"  database: {database}\n"
        f"  cache:    {'Redis at REDIS_URL' if os.environ.get('REDIS_URL') else 'in-process'}\n"
        f"  queue:    {'SQS at SQS_QUEUE_URL' if os.environ.get('SQS_QUEUE_URL') else 'local (PostgreSQL table)'}\n"
        f"  schedules: {'report tick hourly, maintenance 03:30 UTC' if schedules else 'off'}\n"
        f"  dashboard: {base}/ (sign in with the key below)\n"
        f"  API docs: {base}/docs\n\n"
        f"Dev user API key: {api_key}\n"
        f"Sign-in token for a person: codetime token --email you@example.com\n"
        f"New keys, report webhooks, clear/delete with the key: codetime users confirm --username dev\n\n"
        f"Paste into ~/.wakatime.cfg:\n"
        f"[settings]\napi_url = {base}/api/v1\napi_key = {api_key}\n"
    )


def _with_dashboard(app: Any, base: str, external_issuer: str | None) -> Any:
    """The API app wrapped by the web dashboard (web/dist at `/`, `/config.json`): the dev issuer's client, or a
    configured issuer's CODETIME_OIDC_CLIENT_ID; the live URL when the live endpoint is served."""
    from codetime.api.dashboard import DEV_CLIENT_ID, Dashboard, dashboard_config, route_paths

    client_id = os.environ.get("CODETIME_OIDC_CLIENT_ID") if external_issuer else DEV_CLIENT_ID
    live = "/api/v1/live" in set(route_paths(app.routes))
    issuer = external_issuer or base
    return Dashboard(app, dashboard_config(base, oidc_issuer=issuer, client_id=client_id, live=live))


def cmd_dev(args: argparse.Namespace) -> int:
    import uvicorn

    from codetime.api.app import create_local_app
    from codetime.local import dev_issuer

    data_dir = find_data_dir()
    external_issuer = os.environ.get("CODETIME_OIDC_ISSUER")
    # People sign in with tokens of the local dev issuer unless a real OIDC issuer is configured.
    dev_issuer.configure(data_dir, f"http://{args.host}:{args.port}")
    running = False
    try:
        # A killed or crashed embedded PostgreSQL comes back (supervise); the server keeps serving.
        with local_runtime(supervise=True) as runtime, contextlib.ExitStack() as services:
            running = True
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
                services.callback(worker.stop)
            scheduler = None
            if os.environ.get("CODETIME_LOCAL_SCHEDULES", "on").lower() not in ("0", "off", "false", "no"):
                from codetime.local.scheduler import LocalScheduler, default_jobs
                from functions.maintenance import handler as maintenance_handler
                from functions.reports import handler as reports_handler

                scheduler = LocalScheduler(default_jobs(reports_handler, maintenance_handler))
                scheduler.start()
                services.callback(scheduler.stop)
            banner = _banner(f"http://{args.host}:{args.port}", runtime, api_key, schedules=scheduler is not None)
            config = uvicorn.Config(
                _with_dashboard(create_local_app(), f"http://{args.host}:{args.port}", external_issuer),
                host=args.host, port=args.port, log_level="warning",
            )  # fmt: skip
            server = uvicorn.Server(config)

            def announce() -> None:  # only once the socket accepts connections
                while not server.started and not server.should_exit:
                    time.sleep(0.05)
                if server.started:
                    print(banner, flush=True)

            threading.Thread(target=announce, daemon=True).start()
            with contextlib.suppress(KeyboardInterrupt):  # uvicorn shuts down gracefully, then re-raises the signal
                server.run()
    finally:
        if running:
            print("CodeTime stopped.")
    return 0
