"""The first start's work after setup (scripts/start.sh): the sample city, its forecasts (by grid and by district × category) and alerts.

Each step runs as scripts/start.sh runs it, in a fresh process, on a fresh store in a
temporary folder (the installed requirements are reused: installing them is not timed). The
obvious alternative is the first start before forecasts were built (the load alone): the
ratio says what the forecasts and alerts add. Prints wall seconds and peak memory per step,
the load average, and one JSON line; the bar is five minutes for the whole first start.

    .venv/bin/python benchmarks/bench_first_start.py
    .venv/bin/python benchmarks/bench_first_start.py --whole   # as a new user: install included

``--whole`` clones the committed code into a temporary folder and runs ``bash
scripts/start.sh`` there as the README says (a new .venv, the requirements installed from
PyPI through pip's local download cache, the sample city, forecasts, alerts), timing each
step's first line and the moment the app answers on its health URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

# Runs a command as its own child and reports that child's peak RSS (KB) on the last line.
_MEASURE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


def run(args: list[str], db: str) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one gridpulse command on the store ``db``."""
    start = time.perf_counter()
    done = subprocess.run(
        [PY, "-c", _MEASURE, PY, "-m", "gridpulse", "--db", db, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, GRIDPULSE_DB=db),
    )
    if done.returncode:
        raise SystemExit(f"{args[0]} failed: {done.stderr.strip().splitlines()[-2:]}")
    return time.perf_counter() - start, int(done.stderr.strip().splitlines()[-1]) / 1024


def whole() -> None:
    """scripts/start.sh on a fresh clone, from nothing to the app answering."""
    import socket
    import threading
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "gridpulse"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "GRIDPULSE"))
        }
        start = time.perf_counter()
        proc = subprocess.Popen(
            ["bash", "scripts/start.sh", "--server.port", str(port)],
            cwd=clone,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        lines: list[tuple[float, str]] = []  # each output line with the second it appeared
        reader = threading.Thread(
            target=lambda: lines.extend(
                (time.perf_counter() - start, ln.rstrip()) for ln in proc.stdout
            ),
            daemon=True,
        )
        reader.start()
        answered = None
        try:
            while proc.poll() is None and answered is None:
                try:
                    url = f"http://127.0.0.1:{port}/_stcore/health"
                    with urllib.request.urlopen(url, timeout=2):
                        answered = time.perf_counter() - start
                except OSError:
                    time.sleep(1)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
        for second, line in lines:
            if line.startswith(("[", "Creating", "Installing")):
                print(f"{second:7.1f} s  {line}")
        if answered is None:
            raise SystemExit("start.sh stopped before the app answered: " + lines[-1][1])
    print(f"{answered:7.1f} s  the app answers (the bar is 300 s for the whole first start)")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    print(json.dumps({"date": day, "whole_seconds": round(answered, 1), "loadavg_1m": load[0]}))


def main() -> None:
    if "--whole" in sys.argv[1:]:
        whole()
        return
    with tempfile.TemporaryDirectory() as folder:
        db = f"duckdb:///{Path(folder) / 'first.duckdb'}"
        steps = {
            "sample": ["sample", "--load", "--if-empty", "--out", str(Path(folder) / "sample")],
            "forecast": [
                "forecast",
                *("--level", "grid", "--horizon", "28"),
                *("--out", str(Path(folder) / "forecast.csv"), "--if-none"),
            ],
            "category": [
                "forecast",
                *("--level", "district", "--by", "category", "--horizon", "28"),
                *("--out", str(Path(folder) / "forecast_category.csv"), "--if-none"),
            ],
            "alerts": ["alerts", "--if-none"],
        }
        times = {}
        for name, args in steps.items():
            wall, peak = run(args, db)
            times[name] = {"seconds": round(wall, 1), "peak_mb": round(peak)}
            print(f"{name:9s} {wall:7.1f} s  peak {peak:,.0f} MB", flush=True)
    total = sum(t["seconds"] for t in times.values())
    ratio = total / times["sample"]["seconds"]
    load = os.getloadavg()
    print(f"total     {total:7.1f} s  ({ratio:.2f}x the load alone; the bar is 300 s)")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        json.dumps(
            {
                "date": datetime.now(UTC).strftime("%Y-%m-%d"),
                "steps": times,
                "total_seconds": round(total, 1),
                "vs_load_alone": round(ratio, 2),
                "loadavg_1m": round(load[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
