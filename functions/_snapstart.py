"""Lambda SnapStart runtime hooks, registered when the runtime provides them.

Lambda's managed Python runtimes (3.12+) ship `snapshot_restore_py`; it is not installed anywhere else (tests,
`codetime dev`), so it is imported only when present. The hooks run only on a function with SnapStart on (the CDK
option `snapStart`); elsewhere registering them costs nothing. Their bodies are codetime.lifecycle's.
"""

from __future__ import annotations

from codetime.lifecycle import after_restore, before_snapshot


def register_snapstart_hooks() -> bool:
    """Register lifecycle.before_snapshot and lifecycle.after_restore; False when not running in Lambda."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True
