#!/usr/bin/env bash
# Lambda assets without Docker, for the Lambda runtime's CPU and Python (not this machine's):
#   build/layer/python   the package's runtime dependencies + the `codetime` package (the shared layer)
#   build/functions      the `functions` package (the Lambda entry modules)
# Wheels are chosen with pip's --platform/--python-version, so the build works on any OS/arch with network
# access to PyPI. Skipped when nothing it depends on changed (the infra tests call it every session).
#
# Env: LAMBDA_PYTHON_VERSION (3.12, must match infra_cdk/functions.py), LAMBDA_ARCH (aarch64, must match too),
#      PYTHON (the interpreter whose pip is used; .venv/bin/python when present), FORCE=1 rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

PY_VERSION="${LAMBDA_PYTHON_VERSION:-3.12}"
ARCH="${LAMBDA_ARCH:-aarch64}"
# The python3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), so manylinux_2_28 wheels load there too;
# psycopg-binary 3.3 ships only those for aarch64, and without them pip would fall back to psycopg 3.2.
PLATFORMS=("manylinux2014_$ARCH" "manylinux_2_28_$ARCH")
PY="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
OUT=build
LAYER="$OUT/layer/python"
FUNCS="$OUT/functions"
STAMP="$OUT/.lambda-build-stamp"

# Not shipped: the Lambda runtime provides boto3/botocore/s3transfer (botocore alone would add tens of MiB),
# and uvicorn only serves `codetime dev`. botocore still arrives as a dependency of aws-xray-sdk, hence
# the removal after the install as well as the filter before it.
EXCLUDED="boto3 botocore s3transfer uvicorn"

inputs_hash() {
    {
        echo "$PY_VERSION ${PLATFORMS[*]} $EXCLUDED"
        cat scripts/build-lambda.sh pyproject.toml
        find shared/codetime functions -type f \( -name '*.py' -o -name '*.sql' \) -print0 | sort -z | xargs -0 cat
        find shared/codetime functions -type f \( -name '*.py' -o -name '*.sql' \) | sort
    } | sha256sum | cut -d' ' -f1
}

layer_size() {
    local bytes
    bytes=$(du -sb "$OUT/layer" | cut -f1)
    echo "layer: $OUT/layer $((bytes / 1024 / 1024)) MiB unzipped ($bytes bytes; Lambda's limit is 250 MiB for function + layers)"
}

hash=$(inputs_hash)
if [[ "${FORCE:-0}" != 1 && -f "$STAMP" && "$(cat "$STAMP")" == "$hash" && -d "$LAYER/codetime" && -d "$FUNCS/functions" ]]; then
    echo "lambda build up to date ($STAMP)"
    layer_size
    exit 0
fi

rm -rf "$OUT/layer" "$FUNCS" "$STAMP"
mkdir -p "$LAYER" "$FUNCS"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The runtime dependencies, read from pyproject.toml so the layer never drifts from the package.
"$PY" - "$EXCLUDED" > "$tmp/requirements.txt" <<'EOF'
import re, sys, tomllib
excluded = set(sys.argv[1].split())
with open("pyproject.toml", "rb") as f:
    deps = tomllib.load(f)["project"]["dependencies"]
for dep in deps:
    name = re.split(r"[\[<>=!~; ]", dep, maxsplit=1)[0].lower()
    if name not in excluded:
        print(dep)
EOF

pip_target=(-m pip install --quiet --disable-pip-version-check --no-compile --target "$LAYER"
    "${PLATFORMS[@]/#/--platform=}" --only-binary=:all: --python-version "$PY_VERSION" --implementation cp)
"$PY" "${pip_target[@]}" -r "$tmp/requirements.txt"

# The package itself, as a wheel built from a staged copy: building in the checkout would write setuptools'
# own build/ directory over ours. Only shared/ is staged, so the wheel holds `codetime` alone.
mkdir -p "$tmp/src"
cp -r pyproject.toml README.md shared "$tmp/src/"
find "$tmp/src" -name __pycache__ -prune -exec rm -rf {} +
# (setuptools' deprecation notices are noise here: shown only when the build fails.)
"$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$tmp/wheels" "$tmp/src" \
    > "$tmp/wheel.log" 2>&1 || { cat "$tmp/wheel.log" >&2; exit 1; }
rm -rf "$LAYER/bin"
"$PY" "${pip_target[@]}" --no-deps "$tmp"/wheels/codetime-*.whl

for name in $EXCLUDED; do
    rm -rf "$LAYER/$name" "$LAYER/$name"-*.dist-info
done
find "$LAYER" -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$LAYER/bin"

mkdir -p "$FUNCS/functions"
cp functions/*.py "$FUNCS/functions/"

echo "$hash" > "$STAMP"
echo "lambda build: $FUNCS ($(du -sh "$FUNCS" | cut -f1)), python $PY_VERSION ${PLATFORMS[*]}"
layer_size
