"""Benchmark: the street-level bulletin (gridpulse report) of one month of a 5.5-million-case year.

Run `.venv/bin/python benchmarks/bench_report.py [--store FILE.duckdb] [--period 2025-06]
[--repeat R]` from the repository root. The store is bench_assess.py's (built once under
benchmarks/.cache/assess/ when missing; --store names another) and is copied, with the KPI
cube beside it, to a temporary folder: publishing writes to the copy, never to the cache.
Each run is the whole process, `python -m gridpulse report …` in a fresh subprocess
(imports, store opening, every query, charts, typesetting, the file), timed wall-clock with
its peak RSS:

(a) the preliminary bulletin as PDF and (b) as Word, computed on the spot;
(c) the PDF of a publication of the same month (figures read as known at its moment);
(d) the obvious alternative in the same run: `assess --out FILE.xlsx`, the sheet evaluators
    attach today, whose ratio says what the bulletin costs beyond the ranking itself.

The issue's bar is 15 s for the whole process; the table says whether each run met it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

CACHE = ROOT / "benchmarks" / ".cache" / "assess"
BAR_S = 15.0


def _store(given: Path | None, cases: int) -> Path:
    if given is not None:
        return given
    from assess_data import build

    return build(CACHE, cases)[0]


def _copy(db: Path, into: Path) -> Path:
    """The store with its KPI cube and version stamp, copied so that runs may write."""
    for path in (db, Path(f"{db}.cache"), Path(f"{db}.version")):
        if path.is_dir():
            shutil.copytree(path, into / path.name)
        elif path.exists():
            shutil.copy2(path, into / path.name)
    return into / db.name


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, this process alone: wait4) and stdout of one
    ``python -m gridpulse`` process."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "gridpulse", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        out = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"gridpulse {' '.join(args)} failed: {err.read().decode().strip()}")
    return wall, usage.ru_maxrss / 1024, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="a DuckDB store (default: bench_assess.py's)")
    ap.add_argument("--cases", type=int, default=5_500_000)
    ap.add_argument("--period", default="2025-06")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    source = _store(args.store, args.cases)
    tmp = Path(tempfile.mkdtemp(prefix="bench_report_"))
    try:
        db = _copy(source, tmp)
        env = dict(os.environ, GRIDPULSE_ACCOUNTS_DB=f"sqlite:///{tmp / 'log.sqlite'}")
        url = ["--db", f"duckdb:///{db}"]
        sel = ["--by", "street", "--period", args.period]
        _, _, published = _run([*url, "publish", *sel], env)
        number = published.strip().splitlines()[-1]
        runs = {
            "(a) `report --by street` → .pdf (preliminary)": [
                *url,
                "report",
                *sel,
                "--out",
                str(tmp / "b.pdf"),
            ],
            "(b) `report --by street` → .docx (preliminary)": [
                *url,
                "report",
                *sel,
                "--out",
                str(tmp / "b.docx"),
            ],
            f"(c) `report --publication {number}` → .pdf": [
                *url,
                "report",
                "--publication",
                number,
                "--out",
                str(tmp / "p.pdf"),
            ],
            "(d) alternative: `assess --by street` → .xlsx": [
                *url,
                "assess",
                *sel,
                "--out",
                str(tmp / "a.xlsx"),
            ],
        }
        best: dict[str, tuple[float, float]] = {}
        for name, argv in runs.items():
            done = [_run(argv, env)[:2] for _ in range(args.repeat)]
            best[name] = (min(w for w, _ in done), max(r for _, r in done))
        load = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"\n{dt.date.today()}, store {source.name}, period {args.period}, {os.cpu_count()} CPUs, "
        f"best of {args.repeat}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    print("| run (whole process, fresh subprocess) | wall time (s) | peak RSS (MB) | under 15 s |")
    print("|---|---:|---:|:---:|")
    for name, (wall, rss) in best.items():
        print(f"| {name} | {wall:.2f} | {rss:.0f} | {'yes' if wall < BAR_S else 'no'} |")
    (a, a_rss), (d, d_rss) = best[next(iter(best))], best[list(best)[-1]]
    print(f"| ratio (a)/(d) | {a / d:.2f} | {a_rss / d_rss:.2f} | |")


if __name__ == "__main__":
    main()
