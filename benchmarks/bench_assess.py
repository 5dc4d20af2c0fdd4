"""Benchmark: the street assessment of a Beijing-scale year, GridPulse engine vs plain pandas.

Run `.venv/bin/python benchmarks/bench_assess.py [--cases N] [--repeat R] [--no-pages]` from the repository
root. It builds (once, cached under benchmarks/.cache/assess/) 5.5 million cases of 2025 over
25,000 grids / 300 streets / 16 districts as a DuckDB store and as Parquet, then measures:

(a) `gridpulse assess --by street --period 2025 --out out.csv` in a fresh subprocess, as a user
    runs it (imports, store opening, SQL, rank change against 2024, CSV, the audit entry) —
    wall time and peak RSS, and the time its imports take (`python -X importtime`);
(b) a pandas user loading the Parquet and computing the same table (assess_pandas.py);
(c) every query the dashboard's pages make, for the default month (the latest full one)
    and for its whole year, in-process on a read-only engine as the app opens it: computed
    from the cases (no KPI cube, no kept results), the first run from the KPI cube that
    `gridpulse ingest`'s warm-up builds (services.afterload, metrics.cube; after a pause longer than the read
    pool keeps a connection, as a user's next click; the build — in a fresh process, with
    its peak memory — and the warm-up are timed too), and the median of 3 repeats.

It checks (a) and (b) agree and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
from metrics.selection import Selection  # noqa: E402

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


def _assess_argv(db: Path, out: Path) -> list[str]:
    where = ["--db", f"duckdb:///{db}", "--out", str(out)]
    return ["assess", "--by", "street", "--period", "2025", *where]


# Runs a command as its own child and reports that child's peak RSS (KB) on the last line: a
# process's own peak counts from the size of the one that started it (Linux keeps the high
# water mark across exec), so the command is started by this small process, not by the bench.
_MEASURE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
)


def engine_run(db: Path, out: Path) -> tuple[float, float]:
    """The command line's assess verb, ``python -m gridpulse assess …``: wall seconds and its
    peak RSS in MB."""
    argv = [
        sys.executable,
        "-c",
        _MEASURE,
        sys.executable,
        "-m",
        "gridpulse",
        *_assess_argv(db, out),
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT, check=True)
    return time.perf_counter() - t0, int(done.stdout.strip().splitlines()[-1]) / 1024


def import_seconds(db: Path, out: Path) -> float:
    """What ``python -X importtime -m gridpulse assess …`` reports for all its imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gridpulse", *_assess_argv(db, out)],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    rows = [line.split("|") for line in done.stderr.splitlines() if line.startswith("import time:")]
    # a top-level import's cumulative time includes those it made; nested rows are indented
    top = [row for row in rows if row[1].strip().isdigit() and not row[2].startswith("  ")]
    return sum(int(row[1]) for row in top) / 1e6


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
    "| KPI page query (read-only engine, as the app) | from the cases (s) "
    "| from the cube, first run (s) | repeat, median of 3 (s) |\n|---|---:|---:|---:|"
)


def _forget_results(db: Path) -> None:
    """Remove the kept query results (metrics.cube.cache), not the cube beside them."""
    for kept in Path(f"{db}.cache").glob("*/*.arrow"):
        kept.unlink()


def page_queries(db: Path) -> list[tuple[str, float, float, float]]:
    """Every query the pages make, for the default month and for the whole year: first from
    the cases (no cube, nothing kept), then from the cube the load's warm-up built (nothing
    kept), then repeated (kept results answer where the first run was slow)."""
    from caselog import open_store
    from caselog.overview import store_overview
    from caselog.readpool import READ_IDLE
    from metrics import (
        ageing,
        assess,
        cooperation_table,
        explain,
        explain_counts,
        km_handling,
        kpi_series,
        kpi_table,
        overdue_counts,
        red_cards,
        yellow_cards,
    )
    from metrics.cube import store as cube
    from metrics.period import latest_full_month
    from metrics.query import latest_timestamp
    from services.afterload import after_load

    shutil.rmtree(f"{db}.cache", ignore_errors=True)  # as after a load
    wall, rss = _child(  # the build alone, in a fresh process: its time and peak memory
        "from caselog import open_store\nfrom metrics.cube.build import build\n"
        f"assert build(open_store({f'duckdb:///{db}'!r}, create=False, read_only=True))\n" + _REPORT
    )
    size = sum(f.stat().st_size for f in Path(f"{db}.cache").glob("*/cube-*.duckdb"))
    print(
        f"KPI cube built in {wall:.1f} s (a fresh process: imports, opening, build; peak RSS "
        f"{rss:,.0f} MB; {size / 2**20:.0f} MB on disk)"
    )
    shutil.rmtree(f"{db}.cache", ignore_errors=True)
    e = open_store(f"duckdb:///{db}", create=False, read_only=True)
    t0 = time.perf_counter()
    after_load(f"duckdb:///{db}")  # what `gridpulse ingest` runs after a load
    print(f"warm-up after a load (cube, then the default tables): {time.perf_counter() - t0:.1f} s")
    month = latest_full_month(latest_timestamp(e)).label  # the pages' default period
    year = month[:4]
    some = kpi_table(e, Selection.build("street", month)).iloc[0]
    unit = f"{some.district}/{some.street}"
    street = {"district": some.district, "street": some.street}
    span = f"{int(year) - 1}-01-01..{year}-12-31"  # the trends page: two years of buckets
    jobs = {}
    for p, label in ((month, "month"), (year, "year")):
        for by in ("city", "district", "street", "community", "grid", "department"):
            jobs[f"assessment by {by}, {label} (with rank change)"] = lambda by=by, p=p: assess(
                e, Selection.build(by, p)
            )
        jobs[f"headline (city), {label}"] = lambda p=p: assess(
            e, Selection.build("city", p), rank_change=False
        )
        jobs[f"headline of one street, {label}"] = lambda p=p: assess(
            e, Selection.build("city", p, scope=street), rank_change=False
        )
        jobs[f"grid ranking of one street, {label}"] = lambda p=p: assess(
            e, Selection.build("grid", p, scope=street)
        )
        jobs[f"categories (cases), {label}"] = lambda p=p: kpi_table(
            e, Selection.build("category", p), kpis=["cases"]
        )
        jobs[f"daily cases of the city, {label}"] = lambda p=p: kpi_series(
            e, Selection.build("city", p), ["cases"], freq="day"
        )
        jobs[f"cooperation, {label}"] = lambda p=p: cooperation_table(
            e, Selection.build("department", p)
        )
        jobs[f"Kaplan-Meier by department, {label}"] = lambda p=p: km_handling(
            e, Selection.build("department", p)
        )
        jobs[f"explain counts (street, response_rate), {label}"] = lambda p=p: explain_counts(
            e, Selection.build("street", p), unit, "response_rate"
        )
        jobs[f"explain cases (street, on_time_rate), {label}"] = lambda p=p: explain(
            e, Selection.build("street", p), unit, "on_time_rate", part="denominator"
        )
    for freq in ("day", "week", "month"):
        for split in ("city", "district", "category"):
            jobs[f"trends: composite by {split} per {freq}, two years"] = lambda f=freq, s=split: (
                kpi_series(e, Selection.build(s, span), ["composite_score"], freq=f)
            )
    jobs["trends: handling hours by district per month, two years"] = lambda: kpi_series(
        e, Selection.build("district", span), ["median_handling_h"], freq="month"
    )
    jobs["red cards (top 1,000)"] = lambda: red_cards(e, Selection.build("city", None))
    jobs["yellow cards"] = lambda: yellow_cards(e, Selection.build("city", None))
    jobs["overdue counts by department"] = lambda: overdue_counts(
        e, Selection.build("department", None)
    )
    jobs["overdue counts by street"] = lambda: overdue_counts(e, Selection.build("street", None))
    jobs["ageing by district"] = lambda: ageing(e, Selection.build("city", None), by="district")
    jobs["data page: store overview"] = lambda: store_overview(e)

    def timed(job) -> float:
        t0 = time.perf_counter()
        job()
        return time.perf_counter() - t0

    out = []
    for name, job in jobs.items():
        with cube.bypassed():
            _forget_results(db)
            cases = timed(job)
        _forget_results(db)
        # as a user's next click after a pause: the reading connection has been let go
        # (READ_IDLE), so the database is opened again and nothing is in its buffers
        time.sleep(READ_IDLE + 0.5)
        first = timed(job)
        again = statistics.median(timed(job) for _ in range(3))
        out.append((name, cases, first, again))
    e.dispose()
    return out


def _print_pages(rows: list[tuple[str, float, float, float]]) -> None:
    print("\n" + HEAD)
    for name, cases, first, again in rows:
        print(f"| {name} | {cases:.3f} | {first:.3f} | {again:.3f} |")
    print(
        f"\nslowest first run from the cube: {max(r[2] for r in rows):.3f} s; "
        f"from the cases: {max(r[1] for r in rows):.3f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=5_500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages-only", action="store_true", help="only the KPI page queries")
    ap.add_argument("--no-pages", action="store_true", help="only (a) and (b), no page queries")
    args = ap.parse_args()
    db, pq = build(CACHE, args.cases)
    if args.pages_only:
        _print_pages(page_queries(db))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench_assess_"))
    a_out, b_out = tmp / "engine.csv", tmp / "pandas.csv"
    # as after a load: the KPI cube its warm-up builds, and no result kept from an earlier
    # run (a kept result would answer runs after the first: a cache, not the verb's work)
    shutil.rmtree(f"{db}.cache", ignore_errors=True)
    warm = f"from services.afterload import after_load\nafter_load({f'duckdb:///{db}'!r})\n"
    _child(warm + _REPORT)  # in a process of its own: this one stays small (see _MEASURE)
    a, imports = [], []
    for _ in range(args.repeat):  # alternated, so that both meet the same load
        _forget_results(db)
        a.append(engine_run(db, a_out))
        _forget_results(db)
        imports.append(import_seconds(db, a_out))
    b = [pandas_run(pq, b_out) for _ in range(args.repeat)]
    diff = compare(a_out, b_out)
    a_wall, a_rss = min(w for w, _ in a), max(r for _, r in a)
    a_imports = min(imports)
    b_wall, b_rss = min(w for w, _ in b), max(r for _, r in b)
    pages = [] if args.no_pages else page_queries(db)
    print(
        f"\n{args.cases:,} cases, {os.cpu_count()} CPUs, best of {args.repeat}; "
        f"max |engine − pandas| over all KPI cells = {diff:.2e}\n"
    )
    print("| run | wall time (s) | peak RSS (MB) |")
    print("|---|---:|---:|")
    print(
        f"| (a) `gridpulse assess --by street --period 2025` (subprocess; the KPI cube a load "
        f"builds, no kept result) | "
        f"{a_wall:.2f} | {a_rss:.0f} |"
    )
    print(
        f"| (a)'s imports (`python -X importtime`, best of {args.repeat}; runs of their own, "
        f"which importtime slows) | {a_imports:.2f} | |"
    )
    print(f"| (b) pandas from Parquet, same table | {b_wall:.2f} | {b_rss:.0f} |")
    print(f"| ratio (a)/(b) | {a_wall / b_wall:.2f} | {a_rss / b_rss:.2f} |")
    runs = ", ".join(f"{w:.2f} s / {r:.0f} MB" for w, r in a)
    print(f"\n(a) run by run, in order: {runs}")
    if pages:
        _print_pages(pages)


if __name__ == "__main__":
    main()
