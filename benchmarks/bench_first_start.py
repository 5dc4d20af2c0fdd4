"""The first start's work after setup (scripts/start.sh): the sample city, its forecasts (by grid and by district × category) and alerts.

Each step runs as scripts/start.sh runs it, in a fresh process, on a fresh store in a
temporary folder (the installed requirements are reused: installing them is not timed). The
obvious alternative is the first start before forecasts were built (the load alone): the
ratio says what the forecasts and alerts add. Prints wall seconds and peak memory per step,
the load average, and one JSON line; the bar is five minutes for the whole first start.

    .venv/bin/python benchmarks/bench_first_start.py
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


def main() -> None:
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
