#!/usr/bin/env bash
# Set up and run every test (PostgreSQL tests run against a server this script starts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev

# The browser test drives Debian's Chromium; CJK fonts make Chinese render in screenshots.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium and CJK fonts from Debian packages …" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    chromium fonts-noto-cjk) >&2 || echo "Chromium could not be installed." >&2
fi
# The bulletin's tests read its PDFs back with poppler's pdftotext and pdftoppm.
if ! command -v pdftotext >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing poppler-utils from Debian packages …" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    poppler-utils fonts-noto-cjk) >&2 || echo "poppler-utils could not be installed." >&2
fi

started=""
if [ -z "${GRIDPULSE_TEST_PG:-}" ]; then
  GRIDPULSE_TEST_PG=$(bash scripts/postgres.sh)
  started=$( [ -n "$GRIDPULSE_TEST_PG" ] && cat /tmp/gridpulse-pg.last || true)
  export GRIDPULSE_TEST_PG
fi
# The Spark tests run against a local cluster (scripts/spark.sh: pyspark and Java 17).
spark_started=""
if [ -z "${GRIDPULSE_SPARK:-}" ]; then
  spark_rc=0
  GRIDPULSE_SPARK=$(bash scripts/spark.sh start) || spark_rc=$?
  GRIDPULSE_SPARK=$(printf '%s\n' "$GRIDPULSE_SPARK" | tail -n 1)
  [ "$spark_rc" = 3 ] || spark_started=1  # stopped at exit, even when half started
  if [ "$spark_rc" != 0 ]; then
    GRIDPULSE_SPARK=""
    echo "Spark is not available here: its tests will be skipped." >&2
  fi
  export GRIDPULSE_SPARK
fi
stop_services() {
  if [ -n "$spark_started" ]; then bash scripts/spark.sh stop; fi
  if [ -n "$started" ]; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bindir/pg_ctl" -D "$started/db" -m fast stop >/dev/null 2>&1
    else "$bindir/pg_ctl" -D "$started/db" -m fast stop >/dev/null 2>&1; fi
    rm -rf "$started"
  fi
}
trap stop_services EXIT
if [ -z "$GRIDPULSE_TEST_PG" ]; then
  echo "PostgreSQL is not available here: its tests will be skipped." >&2
fi

.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
