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

supported() { "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; }
PY=
if [ -n "${WAKAPI_ANYIDE_PYTHON:-}" ]; then
  PY=$WAKAPI_ANYIDE_PYTHON
  supported "$PY" || { echo "install-wakapi-anyide: WAKAPI_ANYIDE_PYTHON=$PY is not Python 3.12" >&2; exit 1; }
else
  candidates=(python3.12)
  for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv; do
    [ -n "$root" ] && [ -d "$root/versions" ] || continue
    for dir in $(ls -d "$root"/versions/3.12* 2>/dev/null | sort -rV); do
      candidates+=("$dir/bin/python3")
    done
  done
  for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null 2>&1 && supported "$candidate"; then
      PY=$candidate
      break
    fi
  done
  if [ -z "$PY" ]; then
    echo "install-wakapi-anyide: wakapi-anyide 0.6.8 needs Python 3.12 and none was found (tried: ${candidates[*]})." >&2
    echo "  Install one (e.g. 'pyenv install 3.12') and/or set WAKAPI_ANYIDE_PYTHON." >&2
    exit 1
  fi
fi

rm -f "$STAMP"
# A venv left half-built by an interrupted run (or built by another Python) is rebuilt from scratch.
if [ ! -x "$VENV/bin/python" ] || ! supported "$VENV/bin/python"; then
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" >&2
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q "${PINS[@]}" >&2
"$TOOL" version >&2  # fails here, not in a test, if it cannot start
echo "$STAMP_TEXT" >"$STAMP"
echo "$TOOL"
