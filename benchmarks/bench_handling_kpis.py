"""Benchmark: what the handling-level KPIs of contract §4 cost the pages' first runs.

Run `.venv/bin/python benchmarks/bench_handling_kpis.py [--cases N]` from the repository root
on an otherwise idle machine. On bench_assess.py's store (5.5 million cases of 2025, cached
under benchmarks/.cache/assess/), it times in one process, alternating, the first run from
the KPI cube after a pause (the database opened again, no result kept) of the assessment's
KPI table by grid and by department for the year — with every KPI, and with the KPIs the
tables had before the §4 handling columns (proactive_rate … mean_handling_h) joined them —
and prints the medians and their ratio. Issue #16 asks for page first runs ≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from assess_data import build  # noqa: E402
from bench_assess import CACHE, _forget_results  # noqa: E402

from caselog.readpool import READ_IDLE  # noqa: E402
from caselog.store import open_store  # noqa: E402
from metrics.cube import build as cubebuild  # noqa: E402
from metrics.query import kpi_table  # noqa: E402
from metrics.registry import HANDLING_COLUMNS, KPIS  # noqa: E402
from metrics.selection import Selection  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=5_500_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    db, _ = build(CACHE, args.cases)
    engine = open_store(f"duckdb:///{db}", read_only=True)
    every = [k.id for k in KPIS]
    before = [k for k in every if k not in HANDLING_COLUMNS]
    print(f"{args.cases:,} cases; first runs from the KPI cube, median of {args.repeat}")
    print("\n| table | every KPI (s) | without the §4 handling KPIs (s) | ratio |")
    print("|---|---:|---:|---:|")
    if cubebuild.build(engine) is None:  # the cube the pages read, built (or found) first
        sys.exit("no KPI cube could be built for this store")
    for level in ("grid", "department", "street"):
        sel = Selection.build(level, "2025")
        runs: dict[str, list[float]] = {"every": [], "before": []}
        for _ in range(args.repeat):
            for name, kpis in (("every", None), ("before", before)):
                _forget_results(db)
                time.sleep(READ_IDLE + 0.5)  # the reading connection let go: opened again
                t0 = time.perf_counter()
                kpi_table(engine, sel, kpis=kpis)
                runs[name].append(time.perf_counter() - t0)
        a, b = statistics.median(runs["every"]), statistics.median(runs["before"])
        print(f"| {level}, 2025 | {a:.3f} | {b:.3f} | {a / b:.2f} |")
    engine.dispose()


if __name__ == "__main__":
    main()
