"""`make build`'s output: the layer and function assets, built for the Lambda runtime's Python and CPU."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra_cdk.functions import ARCHITECTURE, PYTHON_VERSION, RUNTIME

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
LAYER_LIMIT_BYTES = 250 * 1024 * 1024  # Lambda: function + layers, unzipped


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_layer_holds_the_package_and_its_migrations(lambda_build: Path) -> None:
    python = lambda_build / "layer" / "python"
    migrations = sorted(p.name for p in (python / "codetime" / "db" / "migrations").glob("*.sql"))
    source = sorted(p.name for p in (ROOT / "shared" / "codetime" / "db" / "migrations").glob("*.sql"))
    assert migrations == source and migrations
    for package in ("fastapi", "mangum", "psycopg", "psycopg_pool", "pydantic", "redis", "aws_lambda_powertools"):
        assert (python / package).is_dir(), package
    # The function asset is the only copy of the entry modules.
    assert not (python / "functions").exists()


def test_compiled_wheels_match_the_lambda_runtime(lambda_build: Path) -> None:
    python = lambda_build / "layer" / "python"
    tag = PYTHON_VERSION.replace(".", "")
    arch = "aarch64" if ARCHITECTURE.name == "arm64" else "x86_64"
    extensions = list(python.rglob("*.so"))
    assert any("psycopg_binary" in str(p) for p in extensions)
    for ext in extensions:
        abi = re.search(r"\.cpython-(\d+)-([a-z0-9_]+)-linux-gnu\.so$", ext.name)
        if abi:  # plain .so files are bundled C libraries
            assert (abi.group(1), abi.group(2)) == (tag, arch), ext
    assert RUNTIME.name == f"python{PYTHON_VERSION}"


def test_runtime_provided_and_local_only_packages_are_left_out(lambda_build: Path) -> None:
    python = lambda_build / "layer" / "python"
    for name in ("boto3", "botocore", "s3transfer", "uvicorn"):
        assert not (python / name).exists(), name


def test_layer_size_is_well_under_the_lambda_limit(lambda_build: Path) -> None:
    size = _size(lambda_build / "layer") + _size(lambda_build / "functions")
    assert size < LAYER_LIMIT_BYTES / 2, f"{size / 2**20:.0f} MiB"


def test_function_asset_has_every_entry_module(lambda_build: Path) -> None:
    built = {p.name for p in (lambda_build / "functions" / "functions").glob("*.py")}
    assert built == {p.name for p in (ROOT / "functions").glob("*.py")}
    assert {"ingestion.py", "summary.py", "keys.py", "writer.py", "migrate.py"} <= built


def test_build_script_targets_the_runtime_the_stack_declares() -> None:
    script = (ROOT / "scripts" / "build-lambda.sh").read_text()
    assert f"LAMBDA_PYTHON_VERSION:-{PYTHON_VERSION}}}" in script
    assert "LAMBDA_ARCH:-aarch64}" in script and ARCHITECTURE.name == "arm64"
    assert "--only-binary=:all:" in script and "--implementation cp" in script
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in commands if "docker" in line.lower()]
