#!/usr/bin/env bash
# Installs the real legacy WakaTime CLI (PyPI `wakatime==13.1.0`, the last Python release, unmodified) into its own
# venv for end-to-end tests, and prints the absolute path of its `wakatime` entry point on stdout (nothing else goes
# to stdout). Idempotent: a completed install is detected by a stamp file and costs a few milliseconds.
#
#   WAKATIME_CLI_VENV    venv location; default .codetime/wakatime-cli-venv (relative paths are from the repo root)
#   WAKATIME_CLI_PYTHON  interpreter to build the venv from; default: the first of python3.11, python3.12,
#                        python3.10, python3 that is 3.10-3.12
#
# 13.1.0 predates Python 3.10: its vendored urllib3/requests/configparser do `from collections import Mapping`.
# A sitecustomize.py in the venv's site-packages aliases the collections.abc names back onto `collections`, and on
# 3.12 adapts the vendored six's find_module-only meta-path importer (PEP 451 find_spec). 3.13 removed `cgi`,
# which the vendored requests imports, so 3.13+ is refused.
set -euo pipefail

WAKATIME_VERSION=13.1.0
# Bump when sitecustomize.py below changes, so existing venvs get rewritten.
SHIM_REV=1
STAMP_TEXT="wakatime==$WAKATIME_VERSION shim=$SHIM_REV"

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${WAKATIME_CLI_VENV:-.codetime/wakatime-cli-venv}
case "$VENV" in /*) ;; *) VENV=$REPO_ROOT/$VENV ;; esac
CLI=$VENV/bin/wakatime
STAMP=$VENV/.codetime-wakatime-cli

is_installed() { [ -x "$CLI" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ]; }

if is_installed; then
  echo "$CLI"
  exit 0
fi

mkdir -p "$(dirname "$VENV")"
# Serialize concurrent installs (e.g. pytest-xdist workers); re-check once the lock is held.
exec 9>"$VENV.lock"
flock 9
if is_installed; then
  echo "$CLI"
  exit 0
fi

supported() { "$1" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' >/dev/null 2>&1; }
PY=
if [ -n "${WAKATIME_CLI_PYTHON:-}" ]; then
  PY=$WAKATIME_CLI_PYTHON
  if ! supported "$PY"; then
    echo "install-wakatime-cli: $PY is not Python 3.10-3.12, which wakatime $WAKATIME_VERSION needs here" >&2
    exit 1
  fi
else
  for candidate in python3.11 python3.12 python3.10 python3; do
    if command -v "$candidate" >/dev/null && supported "$candidate"; then
      PY=$candidate
      break
    fi
  done
  if [ -z "$PY" ]; then
    echo "install-wakatime-cli: no Python 3.10-3.12 found; set WAKATIME_CLI_PYTHON" >&2
    exit 1
  fi
fi

rm -f "$STAMP"
# A venv left half-built by an interrupted run (or built by an unsupported Python) is rebuilt from scratch.
if [ ! -x "$VENV/bin/python" ] || ! supported "$VENV/bin/python"; then
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" >&2
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q "wakatime==$WAKATIME_VERSION" >&2

SITE_PACKAGES=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
cat >"$SITE_PACKAGES/sitecustomize.py" <<'EOF'
"""Lets the unmodified legacy WakaTime CLI 13.1.0 (and its vendored libraries) run on Python 3.10-3.12.

Written by scripts/install-wakatime-cli.sh into the CLI's own venv only.
"""

import collections
import collections.abc
import importlib.util
import sys

# Python 3.10 removed the ABC aliases from `collections`; the vendored urllib3, requests, configparser, socks and
# pytz still import them from there.
for _name in collections.abc.__all__:
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))


class _FindModuleAdapter:
    """Python 3.12 stopped calling find_module(); the vendored six's meta-path importer has nothing else."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        for finder in list(sys.meta_path):
            if hasattr(finder, "find_spec"):
                continue
            find_module = getattr(finder, "find_module", None)
            loader = find_module(fullname, path) if find_module is not None else None
            if loader is not None:
                return importlib.util.spec_from_loader(fullname, loader)
        return None


if sys.version_info >= (3, 12):
    sys.meta_path.insert(0, _FindModuleAdapter)
EOF

# Smoke test: the CLI must import and report the pinned version before the install counts as done.
got=$(HOME="$VENV" WAKATIME_HOME="$VENV" "$CLI" --version 2>&1 | tail -n 1)
if [ "$got" != "$WAKATIME_VERSION" ]; then
  echo "install-wakatime-cli: '$CLI --version' printed '$got', expected $WAKATIME_VERSION" >&2
  exit 1
fi
echo "$STAMP_TEXT" >"$STAMP"
echo "$CLI"
