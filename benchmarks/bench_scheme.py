"""Benchmark: the street assessment of a Beijing-scale year under a 10-item scheme with deductions.

Run `.venv/bin/python benchmarks/bench_scheme.py [--cases N] [--repeat R]` from the repository
root, on a machine that is otherwise idle. It reuses bench_assess.py's data (5.5 million cases
of 2025, cached under benchmarks/.cache/assess/) and measures, against the bars of issue #16:

(a) `write_assessment(engine, Selection.build("street", "2025", rules=SCHEME), out.csv)` in a
    fresh subprocess — wall time and peak RSS (bar: ≤ 0.3 × (b) and < 1.5 GB);
(b) the plain pandas route of bench_assess.py (the same year's street table from Parquet);
(c) the assessment page's queries under the scheme (street and grid, month and year, with
    rank change) on a read-only engine as the app opens it, the first run from the KPI cube
    after a pause (bar: ≤ 0.5 s each).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from assess_data import build  # noqa: E402
from bench_assess import _REPORT, CACHE, _child, _forget_results, pandas_run  # noqa: E402

from metrics.selection import Selection  # noqa: E402

#: Ten scored items over the contract's KPIs, both directions, and two capped deductions.
SCHEME = """
name = "bench-ten-items"
min_cases = 30
[[score]]
kpi = "response_rate"
points = 10
target = 0.95
floor = 0.6
[[score]]
kpi = "closure_rate"
points = 10
target = 0.98
floor = 0.8
[[score]]
kpi = "on_time_rate"
points = 15
target = 0.95
floor = 0.7
[[score]]
kpi = "solved_rate"
points = 15
target = 0.95
floor = 0.6
[[score]]
kpi = "satisfaction_rate"
points = 15
target = 0.95
floor = 0.6
[[score]]
kpi = "rework_rate"
points = 5
target = 0.02
floor = 0.15
[[score]]
kpi = "extension_rate"
points = 5
target = 0.03
floor = 0.2
[[score]]
kpi = "median_handling_h"
points = 10
target = 24
floor = 168
[[score]]
kpi = "mean_response_min"
points = 10
target = 30
floor = 240
[[score]]
kpi = "proactive_rate"
points = 5
target = 0.6
floor = 0.2
[[deduct]]
kpi = "overdue_open"
per = 1
points = 0.1
cap = 10
[[deduct]]
kpi = "suspended_open"
per = 1
points = 0.5
cap = 5
[[bonus]]
kpi = "self_handled_rate"
per = 0.01
points = 0.1
cap = 3
"""


def engine_run(db: Path, rules: Path, out: Path) -> tuple[float, float]:
    code = (
        "from caselog import open_store\nfrom metrics import Selection, write_assessment\n"
        f"e = open_store({f'duckdb:///{db}'!r}, create=False)\n"
        f"sel = Selection.build('street', '2025', rules={str(rules)!r})\n"
        f"write_assessment(e, sel, {str(out)!r})\n" + _REPORT
    )
    return _child(code)


def page_first_runs(db: Path, rules: Path) -> list[tuple[str, float]]:
    """The assessment page's queries under the scheme: first run from the cube after the
    reading connection was let go (as a user's next click), nothing kept."""
    from caselog import open_store
    from caselog.readpool import READ_IDLE
    from metrics import assess
    from metrics.cube.build import build as build_cube
    from metrics.period import latest_full_month
    from metrics.query import latest_timestamp
    from metrics.rules import load_rules

    r = load_rules(rules)
    e = open_store(f"duckdb:///{db}", create=False, read_only=True)
    assert build_cube(e, r) is not None, "no KPI cube could be built"
    month = latest_full_month(latest_timestamp(e)).label
    out = []
    for period in (month, month[:4]):
        for by in ("street", "grid"):
            _forget_results(db)
            time.sleep(READ_IDLE + 0.5)
            t0 = time.perf_counter()
            assess(e, Selection.build(by, period, rules=r))
            out.append((f"assessment by {by}, {period}, scheme", time.perf_counter() - t0))
    e.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=5_500_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    db, pq = build(CACHE, args.cases)
    tmp = Path(tempfile.mkdtemp(prefix="bench_scheme_"))
    rules = tmp / "scheme.toml"
    rules.write_text(SCHEME, encoding="utf-8")
    a = [engine_run(db, rules, tmp / "engine.csv") for _ in range(args.repeat)]
    b = [pandas_run(pq, tmp / "pandas.csv") for _ in range(args.repeat)]
    a_wall, a_rss = min(w for w, _ in a), max(r for _, r in a)
    b_wall = min(w for w, _ in b)
    pages = page_first_runs(db, rules)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{args.cases:,} cases, {os.cpu_count()} CPUs, best of {args.repeat}\n")
    print("| run | wall time (s) | peak RSS (MB) |\n|---|---:|---:|")
    print(
        f"| (a) street assessment of 2025, 10-item scheme (subprocess) | {a_wall:.2f} | {a_rss:.0f} |"
    )
    print(f"| (b) pandas from Parquet (default table) | {b_wall:.2f} | |")
    print(f"| ratio (a)/(b) (bar ≤ 0.3) | {a_wall / b_wall:.2f} | |")
    print("\n| page query, first run from the cube | s (bar ≤ 0.5) |\n|---|---:|")
    for name, secs in pages:
        print(f"| {name} | {secs:.3f} |")


if __name__ == "__main__":
    main()
