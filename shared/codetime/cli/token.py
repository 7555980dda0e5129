"""`codetime token`: a sign-in token of the local dev issuer (no database needed)."""

from __future__ import annotations

import argparse

from codetime.cli.runtime import find_data_dir


def cmd_token(args: argparse.Namespace) -> int:
    from codetime.local import dev_issuer

    data_dir = find_data_dir()
    issuer = args.issuer or dev_issuer.configured_issuer(data_dir)
    print(dev_issuer.issue_token(data_dir, email=args.email, issuer=issuer, lifetime_seconds=args.minutes * 60))
    return 0
