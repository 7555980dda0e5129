"""CDK entry point (cdk.json runs `python -m infra_cdk.app`): options from context, one stack, cdk-nag checks."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App

from infra_cdk.nag import add_checks
from infra_cdk.settings import Settings, SettingsError
from infra_cdk.stack import CodeTimeStack

ROOT = Path(__file__).resolve().parent.parent


def build_app(context: Mapping[str, Any] | None = None, *, outdir: str | None = None) -> tuple[App, CodeTimeStack]:
    """The app with its stack and the AWS Solutions checks; `context` adds to whatever the CLI passed."""
    app = App(context=dict(context or {}), outdir=outdir)
    settings = Settings.from_context(app.node)
    stack_name = str(app.node.try_get_context("stackName") or "CodeTime")
    # No env: the template is account/region-agnostic, so synth needs no credentials and no lookups.
    stack = CodeTimeStack(app, stack_name, settings=settings, build_dir=ROOT / "build")
    add_checks(app)
    return app, stack


def main() -> None:
    try:
        app, _ = build_app()
    except (SettingsError, FileNotFoundError) as exc:
        sys.exit(f"infra_cdk: {exc}")
    app.synth()


if __name__ == "__main__":
    main()
