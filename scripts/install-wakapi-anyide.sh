#!/usr/bin/env bash
# Installs wakapi-anyide (PyPI `wakapi-anyide==0.6.8`, a heartbeat sender for any editor written for Wakapi,
# unmodified) into its own venv for the end-to-end tests, and prints the absolute path of its `wakapi-anyide` entry
# point on stdout (nothing else goes to stdout). Idempotent: a completed install is detected by a stamp file.
#
#   WAKAPI_ANYIDE_VENV    venv location; default .codetime/wakapi-anyide-venv (relative paths are from the repo root)
#   WAKAPI_ANYIDE_PYTHON  interpreter to build the venv from; default: python3.12 on PATH, else pyenv's 3.12
#
# 0.6.8 needs Python 3.12 (its Rust wheel is built for it). With today's typer/click it fails to start for its own
# reasons, so typer and click are pinned to the releases it was written against.
set -euo pipefail

PINS=("wakapi-anyide==0.6.8" "typer==0.12.5" "click<8.2")
STAMP_TEXT="${PINS[*]}"

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${WAKAPI_ANYIDE_VENV:-.codetime/wakapi-anyide-venv}
case "$VENV" in /*) ;; *) VENV=$REPO_ROOT/$VENV ;; esac
TOOL=$VENV/bin/wakapi-anyide
STAMP=$VENV/.codetime-wakapi-anyide

is_installed() { [ -x "$TOOL" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ]; }

if is_installed; then
  echo "$TOOL"
  exit 0
fi

mkdir -p "$(dirname "$VENV")"
# Serialize concurrent installs; re-check once the lock is held.
exec 9>"$VENV.lock"
flock 9
if is_installed; then
  echo "$TOOL"
  exit 0
fi

# shellcheck source=lib/python-venv.sh
source "$REPO_ROOT/scripts/lib/python-venv.sh"
find_python install-wakapi-anyide WAKAPI_ANYIDE_PYTHON "Install one (e.g. 'pyenv install 3.12') and/or set WAKAPI_ANYIDE_PYTHON." 3.12

rm -f "$STAMP"
build_venv "$VENV" "${PINS[@]}"
"$TOOL" version >&2  # fails here, not in a test, if it cannot start
echo "$STAMP_TEXT" >"$STAMP"
echo "$TOOL"
