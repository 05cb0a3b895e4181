#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and the bench, on loopback.
#
#   bash scripts/postgres.sh start   # install Debian's postgresql when missing, start the
#                                    # cluster (again: reuse it); prints its URL on stdout
#   bash scripts/postgres.sh url     # the URL only
#   bash scripts/postgres.sh stop
#
# The cluster lives in ${RECRULES_PG_DIR:-/tmp/recrules-postgres-PORT} (outside the checkout, which
# the `postgres` user may not be able to enter), listens on 127.0.0.1:${RECRULES_PG_PORT:-55432} only, trusts local connections (user `recrules`,
# database `recrules`) and has no TLS, so its URL says sslmode=disable (see deploy/README.md).
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user that
# Debian's package creates.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${RECRULES_PG_PORT:-55432}
dir=${RECRULES_PG_DIR:-/tmp/recrules-postgres-$port}
url="postgres://recrules@127.0.0.1:$port/recrules?sslmode=disable"

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/pg_ctl" ] && printf '%s\n' "$found"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  url)
    echo "$url"
    ;;
  stop)
    bin=$(bindir) || exit 0
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
    ;;
  start)
    if ! bin=$(bindir); then
      echo "installing Debian's postgresql" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      bin=$(bindir)
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U recrules --auth=trust --encoding=UTF8 --no-instructions >&2
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300" start >&2
    fi
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U recrules -d postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = 'recrules'" | grep -q 1 \
      || as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U recrules recrules >&2
    echo "$url"
    ;;
  *)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
