"""`codetime invoke`: one Lambda handler on a sample event, as SAM's `local invoke` would."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from codetime.cli.runtime import local_runtime


def cmd_invoke(args: argparse.Namespace) -> int:
    from codetime.local.lambda_context import LocalLambdaContext

    with local_runtime():
        module = importlib.import_module(f"functions.{args.function}")
        event = json.loads(Path(args.event).read_text())
        result = module.handler(event, LocalLambdaContext(f"codetime-{args.function}"))
        print(json.dumps(result, indent=2, default=str))
    return 0
