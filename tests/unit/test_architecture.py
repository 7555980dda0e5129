"""The layer rules of docs/architecture.md, checked statically over the source (cheap: the AST of every module).

Each rule fails with the offending module and line, so the next change cannot quietly break the shape.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOTS = {"codetime": ROOT / "shared" / "codetime", "functions": ROOT / "functions"}
# A statement as this code base writes SQL: upper-case keywords at the start of a string literal.
SQL = re.compile(
    r"^\s*(SELECT\s[\s\S]+\sFROM\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|WITH\s+\w+\s+AS\s*\(|"
    r"CREATE\s+(TABLE|INDEX|UNIQUE|EXTENSION|TEMP)|DROP\s+(TABLE|INDEX)|TRUNCATE\s|ALTER\s+TABLE\s)"
)
HTTP_PACKAGES = ("fastapi", "starlette")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (resolved)
    name: str | None  # the imported name, for `from x import name`
    line: int


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGE_ROOTS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(), filename=str(path)) for name, path in MODULES.items()}


def _imports(name: str) -> Iterator[Import]:
    """Every import of a module, at any depth (function-level imports hide cycles, they do not remove them)."""
    is_package = MODULES[name].name == "__init__.py"
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, None, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                yield Import(name, target, alias.name, node.lineno)


IMPORTS = [imp for name in MODULES for imp in _imports(name)]


def _internal(imp: Import) -> str | None:
    """The project module an import refers to (`from pkg import module` names the module), or None."""
    if imp.name and f"{imp.target}.{imp.name}" in MODULES:
        return f"{imp.target}.{imp.name}"
    return imp.target if imp.target in MODULES else None


def _in(module: str, *layers: str) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


def test_sql_lives_in_repositories() -> None:
    """Every SQL statement is in codetime.repositories (or codetime.db: migrations and database bootstrap)."""
    offenders = []
    for name, tree in TREES.items():
        if _in(name, "codetime.repositories", "codetime.db"):
            continue
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if text and SQL.search(text):
                offenders.append(f"{name}:{node.lineno}: {text.strip()[:60]!r}")
    assert not offenders, "SQL outside repositories/:\n" + "\n".join(offenders)


def test_http_is_known_only_to_the_api_layer() -> None:
    """FastAPI/Starlette only in codetime.api; Mangum (the Lambda adapter) only in functions/."""
    offenders = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if (imp.target.split(".")[0] in HTTP_PACKAGES and not _in(imp.module, "codetime.api"))
        or (imp.target.split(".")[0] == "mangum" and not _in(imp.module, "functions"))
    ]
    assert not offenders, "\n".join(offenders)


def test_services_see_no_lambda_events() -> None:
    """Event parsing (SQS records, batch processors, event data classes) is wiring: functions/ only."""
    lambda_event_modules = ("aws_lambda_powertools.utilities.batch", "aws_lambda_powertools.utilities.data_classes")
    offenders = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if _in(imp.target, *lambda_event_modules) and not _in(imp.module, "functions")
    ]
    assert not offenders, "\n".join(offenders)


def test_layers_point_inwards() -> None:
    """domain/ imports no other layer; repositories/ no services or API; services/ no API; the package never
    imports functions/ (except the CLI, which hosts the Lambda handlers locally as SAM would)."""
    forbidden = {
        "codetime.domain": ("codetime.services", "codetime.repositories", "codetime.api", "codetime.db", "functions"),
        "codetime.repositories": ("codetime.services", "codetime.api", "functions"),
        "codetime.services": ("codetime.api", "functions"),
        "codetime": ("functions",),
    }
    offenders = []
    for imp in IMPORTS:
        target = _internal(imp)
        if target is None or _in(imp.module, "codetime.cli"):
            continue
        for layer, banned in forbidden.items():
            if _in(imp.module, layer) and _in(target, *banned):
                offenders.append(f"{imp.module}:{imp.line} imports {target}")
    assert not offenders, "\n".join(offenders)


def test_no_private_names_are_imported_across_modules() -> None:
    offenders = [
        f"{imp.module}:{imp.line} imports {imp.target}.{imp.name}"
        for imp in IMPORTS
        if imp.name
        and imp.name.startswith("_")
        and not imp.name.startswith("__")
        and imp.target != imp.module
        and _internal(imp) is not None
    ]
    assert not offenders, "\n".join(offenders)


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over every project import (function-level ones included)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in IMPORTS:
        target = _internal(imp)
        if target and target != imp.module and not target.startswith(imp.module + "."):
            # A package's __init__ importing its own submodules is not a cycle of layers.
            graph[imp.module].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_checks_see_the_code() -> None:
    """Guards the guards: the walk finds the layers, and the SQL pattern matches what repositories hold."""
    assert {"codetime.services.writer", "codetime.repositories.aggregates", "functions.writer"} <= set(MODULES)
    repository_sql = [
        node.value
        for node in ast.walk(TREES["codetime.repositories.users"])
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
    ]
    assert repository_sql, "the SQL pattern matches nothing in repositories/users.py"
    assert any(imp.target == "fastapi" for imp in IMPORTS if _in(imp.module, "codetime.api"))
