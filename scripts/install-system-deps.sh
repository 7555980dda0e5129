#!/usr/bin/env bash
# Installs the system services the test suite runs for real: PostgreSQL 15, TimescaleDB (built from Debian's
# trixie source package, Apache-only, because bookworm ships none and trixie's binaries need a newer glibc),
# redis-server and faketime. Idempotent; does nothing that is already there. Needs root (apt) on Debian 12.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
PG_CONFIG=$PG_BIN/pg_config
need_apt=()
[ -x "$PG_BIN/postgres" ] || need_apt+=(postgresql-15)
[ -x "$PG_CONFIG" ] || need_apt+=(postgresql-server-dev-15)
command -v redis-server >/dev/null || need_apt+=(redis-server)
# libfaketime: `make test-fake-now` runs the suite (and the servers it starts) under a given "now".
command -v faketime >/dev/null || need_apt+=(faketime)
# Debian's chromium: the dashboard's browser tests drive it with Playwright (tests/browser; no browser download).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
have_tsdb() { [ -f "$($PG_CONFIG --pkglibdir 2>/dev/null)/timescaledb.so" ]; }
if ! have_tsdb; then
  for p in cmake build-essential libssl-dev dpkg-dev postgresql-server-dev-15; do
    dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
  done
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-system-deps: missing ${need_apt[*]} and not root; install them or run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # redis-server's postinst may try to start the service; policy-rc.d keeps it from doing so where there is no init.
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! have_tsdb; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  echo "deb-src http://deb.debian.org/debian trixie main" > "$work/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work" && apt-get "${apt_opts[@]}" source -qq --download-only timescaledb/trixie >/dev/null)
  (cd "$work" && dpkg-source -x --no-check ./timescaledb_*.dsc src >/dev/null)
  (cd "$work/src" && cmake -S . -B build -DPG_CONFIG=$PG_CONFIG -DAPACHE_ONLY=1 -DREGRESS_CHECKS=OFF \
      -DTAP_CHECKS=OFF -DUSE_TELEMETRY=OFF -DWARNINGS_AS_ERRORS=OFF >/dev/null \
    && make -C build -j"$(nproc)" install >/dev/null)
  have_tsdb && echo "install-system-deps: TimescaleDB installed"
fi
echo "install-system-deps: PostgreSQL 15, TimescaleDB, redis-server, faketime and chromium present"
