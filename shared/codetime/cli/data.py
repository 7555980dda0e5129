"""`codetime import` and `codetime export`: a user's heartbeats in WakaTime's data-dump format."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from codetime.cli.runtime import local_runtime
from codetime.cli.users import find_user


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
    with local_runtime():
        user = find_user(args)
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


def cmd_export(args: argparse.Namespace) -> int:
    from codetime.services.exports import export_chunks

    with local_runtime():
        user = find_user(args)
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
