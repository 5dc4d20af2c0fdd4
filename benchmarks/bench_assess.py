"""Benchmark: the street assessment of a Beijing-scale year, GridPulse engine vs plain pandas.

Run `.venv/bin/python benchmarks/bench_assess.py [--cases N] [--repeat R]` from the repository
root. It builds (once, cached under benchmarks/.cache/assess/) 5.5 million cases of 2025 over
25,000 grids / 300 streets / 16 districts as a DuckDB store and as Parquet, then measures:

(a) `write_assessment(engine, "street", "2025", out.csv)` in a fresh `python -c` subprocess
    (imports, store opening, SQL, rank change against 2024, CSV) — wall time and peak RSS;
(b) a pandas user loading the Parquet and computing the same table (assess_pandas.py);
(c) the KPI page queries of the dashboard (default month: the latest full one, and its
    year), in-process on a read-only engine as the app opens it: the first run with the
    result cache beside the store emptied; the first run after `gridpulse ingest`'s warm-up
    (metrics.warm, timed too); and the median of 3 repeats.

It checks (a) and (b) agree and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from assess_data import build  # noqa: E402

from metrics.registry import ASSESSMENT_COLUMNS  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache" / "assess"
_REPORT = (
    "import json, resource; print(json.dumps({'rss_mb': "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
)


def _child(code: str) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
    )
    wall = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(done.stderr)
    return wall, json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"]


def engine_run(db: Path, out: Path) -> tuple[float, float]:
    code = (
        "from caselog import open_store\nfrom metrics import write_assessment\n"
        f"e = open_store({f'duckdb:///{db}'!r}, create=False)\n"
        f"write_assessment(e, 'street', '2025', {str(out)!r})\n" + _REPORT
    )
    return _child(code)


def pandas_run(pq: Path, out: Path) -> tuple[float, float]:
    code = (
        "from pathlib import Path\nfrom assess_pandas import main\n"
        f"main(Path({str(pq)!r}), Path({str(out)!r}), 2025)\n" + _REPORT
    )
    return _child(f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n" + code)


def compare(a: Path, b: Path) -> float:
    import numpy as np
    import pandas as pd

    x = pd.read_csv(a, encoding="utf-8-sig")
    y = pd.read_csv(b, encoding="utf-8-sig")
    m = x.merge(y, on=["district", "street"], suffixes=("", "_pd"))
    assert len(m) == len(x) == len(y), "the two tables list different streets"
    worst = 0.0
    numeric = [c for c in ASSESSMENT_COLUMNS if c != "grade"]
    for col in numeric:
        worst = max(worst, float(np.nanmax(np.abs(m[col] - m[f"{col}_pd"]))))
    assert (m["grade"].fillna("") == m["grade_pd"].fillna("")).all()
    return worst


HEAD = (
    "| KPI page query (read-only engine) | first run, cache empty (s) "
    "| first run after the ingest's warm-up (s) | repeat, median of 3 (s) |\n|---|---:|---:|---:|"
)


def page_queries(db: Path) -> list[tuple[str, float, float, float]]:
    import shutil

    from caselog import open_store
    from metrics import (
        ageing,
        assess,
        cooperation_table,
        explain_counts,
        kpi_series,
        kpi_table,
        overdue_counts,
        red_cards,
        yellow_cards,
    )
    from metrics.query import latest_timestamp
    from metrics.warm import latest_full_month, warm_pages

    e = open_store(f"duckdb:///{db}", create=False, read_only=True)
    month = latest_full_month(latest_timestamp(e).date())  # the pages' default period
    some = kpi_table(e, "street", month).iloc[0]
    unit = f"{some.district}/{some.street}"
    jobs = {
        **{
            f"kpi_table by {by}, month": (lambda by=by: kpi_table(e, by, month))
            for by in ("city", "district", "street", "community", "grid", "department", "category")
        },
        "kpi_table by street, year": lambda: kpi_table(e, "street", month[:4]),
        "kpi_table by grid, year": lambda: kpi_table(e, "grid", month[:4]),
        "assess by street, month (with rank change)": lambda: assess(e, "street", month),
        "series: city by day, year (3 KPIs)": lambda: kpi_series(
            e, ["cases", "response_rate", "composite_score"], "2025", freq="day"
        ),
        "series: district by month, year": lambda: kpi_series(
            e, ["cases", "on_time_rate"], "2025", freq="month", by="district"
        ),
        "red cards (top 1,000)": lambda: red_cards(e),
        "yellow cards": lambda: yellow_cards(e),
        "overdue counts by department": lambda: overdue_counts(e, "department"),
        "overdue counts by street": lambda: overdue_counts(e, "street"),
        "ageing by district": lambda: ageing(e, by="district"),
        "cooperation, month": lambda: cooperation_table(e, month),
        "explain counts (street, response_rate, month)": lambda: explain_counts(
            e, "street", unit, "response_rate", month
        ),
    }
    first = {}
    for name, job in jobs.items():
        shutil.rmtree(f"{db}.cache", ignore_errors=True)  # as after a load
        t0 = time.perf_counter()
        job()
        first[name] = time.perf_counter() - t0
    # as after `gridpulse ingest`, which warms the default month's and year's tables
    shutil.rmtree(f"{db}.cache", ignore_errors=True)
    t0 = time.perf_counter()
    warm_pages(f"duckdb:///{db}")
    print(f"warm-up after a load (gridpulse ingest): {time.perf_counter() - t0:.1f} s")
    out = []
    for name, job in jobs.items():
        t0 = time.perf_counter()
        job()
        warmed = time.perf_counter() - t0
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            job()
            times.append(time.perf_counter() - t0)
        out.append((name, first[name], warmed, statistics.median(times)))
    e.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=5_500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages-only", action="store_true", help="only the KPI page queries")
    args = ap.parse_args()
    db, pq = build(CACHE, args.cases)
    if args.pages_only:
        print(HEAD)
        for name, first, warmed, secs in page_queries(db):
            print(f"| {name} | {first:.3f} | {warmed:.3f} | {secs:.3f} |")
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench_assess_"))
    a_out, b_out = tmp / "engine.csv", tmp / "pandas.csv"
    a = [engine_run(db, a_out) for _ in range(args.repeat)]
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    b = [pandas_run(pq, b_out) for _ in range(args.repeat)]
    diff = compare(a_out, b_out)
    a_wall, a_rss = min(w for w, _ in a), max(r for _, r in a)
    b_wall, b_rss = min(w for w, _ in b), max(r for _, r in b)
    pages = page_queries(db)
    print(
        f"\n{args.cases:,} cases, {os.cpu_count()} CPUs, best of {args.repeat}; "
        f"max |engine − pandas| over all KPI cells = {diff:.2e}\n"
    )
    print("| run | wall time (s) | peak RSS (MB) |")
    print("|---|---:|---:|")
    print(
        f"| (a) GridPulse `write_assessment --by street --period 2025` (subprocess) | "
        f"{a_wall:.2f} | {max(a_rss, children_rss):.0f} |"
    )
    print(f"| (b) pandas from Parquet, same table | {b_wall:.2f} | {b_rss:.0f} |")
    print(f"| ratio (a)/(b) | {a_wall / b_wall:.2f} | {a_rss / b_rss:.2f} |")
    print("\n" + HEAD)
    for name, first, warmed, secs in pages:
        print(f"| {name} | {first:.3f} | {warmed:.3f} | {secs:.3f} |")


if __name__ == "__main__":
    main()
