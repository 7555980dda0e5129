#!/usr/bin/env bash
# Installs LocalStack (PyPI `localstack-core`, run on the host: no Docker, no account token) into its own venv for
# the LocalStack test tier, and prints the venv's python on stdout (nothing else goes to stdout). Idempotent: a
# completed install is detected by a stamp file.
#
#   LOCALSTACK_VENV    venv location; default .venv-localstack (relative paths are from the repo root)
#   LOCALSTACK_PYTHON  interpreter to build the venv from; default: the first Python 3.12/3.13 found among
#                      python3.13, python3.12 on PATH and pyenv's versions (~/.pyenv, /root/.pyenv)
#
# localstack-core needs Python >= 3.12 (the project itself runs on 3.11, hence a separate venv). The pins are the
# combination measured to start on this machine kind (see README, "Tests").
set -euo pipefail

LOCALSTACK_VERSION=2026.3.0
PINS=("localstack-core[runtime]==$LOCALSTACK_VERSION" "cbor2<6" "pyopenssl==25.3.0" "cryptography>=45.0.7,<47" "service-identity")
STAMP_TEXT="${PINS[*]}"

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${LOCALSTACK_VENV:-.venv-localstack}
case "$VENV" in /*) ;; *) VENV=$REPO_ROOT/$VENV ;; esac
STAMP=$VENV/.codetime-localstack

is_installed() { [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ]; }

if is_installed; then
  echo "$VENV/bin/python"
  exit 0
fi

mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9
if is_installed; then
  echo "$VENV/bin/python"
  exit 0
fi

# shellcheck source=lib/python-venv.sh
source "$REPO_ROOT/scripts/lib/python-venv.sh"
find_python install-localstack LOCALSTACK_PYTHON "Install one (e.g. 'pyenv install 3.13', or Debian 13's python3.13) and/or set LOCALSTACK_PYTHON, or point AWS_ENDPOINT_URL at a running LocalStack." 3.13 3.12

rm -f "$STAMP"
build_venv "$VENV" "${PINS[@]}"
# Smoke test: the runtime module must import before the install counts as done.
"$VENV/bin/python" -c "import localstack.runtime.runtime, localstack.services.sqs.provider" >&2
echo "$STAMP_TEXT" >"$STAMP"
echo "$VENV/bin/python"
