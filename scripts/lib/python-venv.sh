# Sourced by the install-*.sh scripts that build a tool's own venv on another Python than the project's.

# find_python TOOL OVERRIDE_VAR HINT VERSION...: sets PY to $OVERRIDE_VAR if set (which must be one of VERSIONs), else
# to the first of pythonVERSION on PATH and pyenv's versions (~/.pyenv, /root/.pyenv, $PYENV_ROOT), newest first.
find_python() {
  local tool=$1 override_var=$2 hint=$3
  shift 3
  PY_VERSIONS=("$@")
  local versions=("$@") override=${!override_var:-} candidates=() patterns=() root dir candidate
  PY=
  if [ -n "$override" ]; then
    supported "$override" || { echo "$tool: $override_var=$override is not Python ${versions[*]}" >&2; exit 1; }
    PY=$override
    return
  fi
  for version in "${versions[@]}"; do
    candidates+=("python$version")
    patterns+=("versions/$version*")
  done
  for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv; do
    [ -n "$root" ] && [ -d "$root/versions" ] || continue
    for dir in $(cd "$root" && ls -d ${patterns[@]} 2>/dev/null | sort -rV); do
      candidates+=("$root/$dir/bin/python3")
    done
  done
  for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null 2>&1 && supported "$candidate"; then
      PY=$candidate
      return
    fi
  done
  echo "$tool: needs Python ${versions[*]} and none was found (tried: ${candidates[*]})." >&2
  echo "  $hint" >&2
  exit 1
}

# supported PYTHON: whether it runs, has venv, and is one of find_python's versions.
supported() {
  local found
  found=$("$1" -c 'import sys, venv; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
  [[ " ${PY_VERSIONS[*]} " == *" $found "* ]]
}

# build_venv VENV PIN...: the venv (rebuilt when it is missing or half-built by an interrupted run, or built by
# another Python) with the pins installed, from $PY.
build_venv() {
  local venv=$1
  shift
  if [ ! -x "$venv/bin/python" ] || ! supported "$venv/bin/python"; then
    rm -rf "$venv"
    "$PY" -m venv "$venv" >&2
  fi
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q "$@" >&2
}
