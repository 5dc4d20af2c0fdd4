#!/usr/bin/env bash
# A local Spark standalone cluster (a master, two workers, a Spark Connect server on 127.0.0.1)
# from PyPI's pyspark and Debian's headless Java 17, installed when missing.
# Usage: scripts/spark.sh start|stop — start prints the sc:// address as its last line.
# Ports: GRIDPULSE_SPARK_PORT (Connect, 15002), GRIDPULSE_SPARK_MASTER_PORT (7077).
set -uo pipefail
cd "$(dirname "$0")/.."
run_dir="${GRIDPULSE_SPARK_DIR:-/tmp/gridpulse-spark}"
port="${GRIDPULSE_SPARK_PORT:-15002}"
master_port="${GRIDPULSE_SPARK_MASTER_PORT:-7077}"
python="${GRIDPULSE_PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3

fail() { echo "spark.sh: $*" >&2; exit 1; }

spark_home() { "$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null; }

daemon() {  # daemon start|stop CLASS INSTANCE [ARGS…]: one Spark process under $run_dir
  local action=$1 class=$2 instance=$3
  unset SPARK_NO_DAEMONIZE
  shift 3
  SPARK_HOME="$home" SPARK_LOG_DIR="$run_dir/logs" SPARK_PID_DIR="$run_dir/pids" \
    SPARK_WORKER_DIR="$run_dir/work" SPARK_IDENT_STRING=gridpulse \
    "$home/sbin/spark-daemon.sh" "$action" "$class" "$instance" "$@" >/dev/null 2>&1
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

MASTER=org.apache.spark.deploy.master.Master
WORKER=org.apache.spark.deploy.worker.Worker
CONNECT=org.apache.spark.sql.connect.service.SparkConnectServer

stop() {
  home=$(spark_home) || true
  [ -n "$home" ] || { rm -rf "$run_dir"; return 0; }
  daemon stop "$CONNECT" 1
  daemon stop "$WORKER" 2
  daemon stop "$WORKER" 1
  daemon stop "$MASTER" 1
  rm -rf "$run_dir"
}

start() {
  home=$(spark_home)
  # In a virtual environment, a stamp per requirements-spark.txt (as scripts/setup.sh does).
  local venv stamp=""
  venv="$(dirname "$python")/.."
  [ -f "$venv/pyvenv.cfg" ] &&
    stamp="$venv/.requirements-spark-$(sha256sum requirements-spark.txt | cut -c1-16)"
  if [ -z "$home" ] || { [ -n "$stamp" ] && [ ! -f "$stamp" ]; }; then
    echo "Installing pyspark (about 0.5 GB) from requirements-spark.txt …" >&2
    "$python" -m pip install --quiet -r requirements-spark.txt >&2 || fail "pyspark could not be installed."
    home=$(spark_home) || true
    [ -n "$home" ] || fail "pyspark could not be imported after installing it."
    [ -z "$stamp" ] || touch "$stamp"
  fi
  if ! command -v java >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing Java 17 from Debian packages …" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        openjdk-17-jre-headless) >&2 || fail "Java 17 could not be installed."
    fi
    command -v java >/dev/null || fail "Java is missing: install Java 17 (openjdk-17-jre-headless)."
  fi
  if listening "$port"; then  # exit 3: nothing of ours to stop
    echo "spark.sh: port $port is taken (a cluster already running? scripts/spark.sh stop)." >&2
    exit 3
  fi
  mkdir -p "$run_dir/logs" "$run_dir/pids" "$run_dir/work"
  # Everything on the loopback interface; no REST submission port.
  export SPARK_LOCAL_IP=127.0.0.1 SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false"
  export SPARK_DAEMON_MEMORY="${SPARK_DAEMON_MEMORY:-512m}"
  daemon start "$MASTER" 1 --host 127.0.0.1 --port "$master_port" --webui-port 0 ||
    fail "the Spark master did not start (see $run_dir/logs)."
  local master="spark://127.0.0.1:$master_port"
  for i in 1 2; do
    daemon start "$WORKER" "$i" --host 127.0.0.1 --webui-port 0 --cores 1 --memory 1g "$master" ||
      fail "a Spark worker did not start (see $run_dir/logs)."
  done
  # The executors' Python workers run this interpreter (pandas, statsforecast, Prophet: the
  # forecast's per-unit models run there); the project's own code comes with each session.
  PYSPARK_PYTHON=$("$python" -c 'import sys; print(sys.executable)') || fail "$python does not run."
  export PYSPARK_PYTHON
  daemon submit "$CONNECT" 1 --name "GridPulse Spark Connect" --master "$master" \
    --conf spark.ui.enabled=false --conf spark.executor.memory=768m \
    --conf spark.sql.session.timeZone=UTC --conf spark.sql.shuffle.partitions=4 \
    --conf spark.connect.grpc.binding.address=127.0.0.1 \
    --conf "spark.connect.grpc.binding.port=$port" ||
    fail "the Spark Connect server did not start (see $run_dir/logs)."
  local deadline=$((SECONDS + ${GRIDPULSE_SPARK_WAIT:-180}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if listening "$port"; then
      echo "sc://127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  tail -n 5 "$run_dir"/logs/*Connect*.out >&2 2>/dev/null
  fail "the Spark Connect server did not answer on port $port within ${GRIDPULSE_SPARK_WAIT:-180} s (see $run_dir/logs; scripts/spark.sh stop)."
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) fail "usage: scripts/spark.sh start|stop" ;;
esac
