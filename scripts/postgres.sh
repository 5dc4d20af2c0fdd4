#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the tests and print its URL (empty if impossible).
# The server lives in a temporary folder and listens on localhost only.
set -uo pipefail
port="${GRIDPULSE_PG_PORT:-54329}"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing PostgreSQL from Debian packages …" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 || true
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -n "$bindir" ] || exit 0
data=$(mktemp -d /tmp/gridpulse-pg.XXXXXX)
as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$data"
  as_owner=(runuser -u postgres --)
fi
"${as_owner[@]}" "$bindir/initdb" -D "$data/db" -A trust -U gridpulse >/dev/null 2>&1 || exit 0
"${as_owner[@]}" "$bindir/pg_ctl" -D "$data/db" -l "$data/log" -w \
  -o "-p $port -k $data -c listen_addresses=localhost -c fsync=off" start >/dev/null 2>&1 || exit 0
echo "$data" > /tmp/gridpulse-pg.last
echo "postgresql+psycopg://gridpulse@localhost:$port/postgres"
