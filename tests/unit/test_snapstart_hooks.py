"""SnapStart wiring: the hooks are registered only where Lambda's runtime provides `snapshot_restore_py`, they are
codetime.lifecycle's, and a restore re-seeds `random` (tests/integration/test_snapstart.py: connections)."""

from __future__ import annotations

import importlib
import random
import sys
import types

import pytest

from codetime import lifecycle


def _fake_runtime_module(registered: list[tuple[str, object]]) -> types.ModuleType:
    """What Lambda's managed Python runtime provides (the snapshot-restore-py library), recording registrations."""
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = lambda func, *a, **kw: registered.append(("before", func)) or func  # type: ignore[attr-defined]
    module.register_after_restore = lambda func, *a, **kw: registered.append(("after", func)) or func  # type: ignore[attr-defined]
    return module


def test_outside_lambda_nothing_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions._snapstart import register_snapstart_hooks

    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as on a laptop or in CI
    assert register_snapstart_hooks() is False


@pytest.mark.parametrize("module", ["functions._common", "functions.writer"])
def test_the_lambda_wiring_registers_the_lifecycle_hooks(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    imported = importlib.import_module(module)
    registered: list[tuple[str, object]] = []
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", _fake_runtime_module(registered))
    importlib.reload(imported)  # what Lambda's init does, with the runtime's module present: run the module
    assert registered == [("before", lifecycle.before_snapshot), ("after", lifecycle.after_restore)]


def test_restored_copies_of_one_snapshot_draw_different_random_numbers() -> None:
    random.seed(1234)  # whatever state init left in the snapshot: every restored copy starts from it
    snapshot = random.getstate()
    draws = []
    for _ in range(3):
        random.setstate(snapshot)
        lifecycle.after_restore()
        draws.append(random.random())
    assert len(set(draws)) == 3
    random.setstate(snapshot)
    assert random.random() == random.Random(1234).random()  # without the hook, every copy would draw this


def test_before_snapshot_leaves_the_lazily_imported_clients_loaded() -> None:
    lifecycle.before_snapshot()
    assert set(lifecycle.SNAPSHOT_IMPORTS) <= set(sys.modules)
