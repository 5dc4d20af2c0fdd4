"""Benchmark: the street assessment on DuckDB vs Spark SQL over the exported lake, one machine.

Run `.venv/bin/python benchmarks/bench_spark.py --engine sc://127.0.0.1:15002 [--cases N]
[--repeat R]` from the repository root with a cluster running (`scripts/spark.sh start`). It
generates a sample city of N cases a year over two years (cached under benchmarks/.cache/spark/),
loads it into DuckDB, exports the lake (timed), then times `assess(…, street, year)` — the
same statements — on the store and on Spark, alternating, and prints the medians, their ratio
and the load average, dated. The tables are checked equal first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "benchmarks" / ".cache" / "spark"


def _store(cases: int) -> str:
    from caselog import open_store
    from services.sample import build_sample_store

    folder = CACHE / f"city-{cases}"
    url = f"duckdb:///{folder / 'city.duckdb'}"
    if not (folder / "city.duckdb").exists():
        engine = open_store(url)
        build_sample_store(engine, folder, grids=2000, years=2, cases_per_year=cases)
        engine.dispose()
    return url


def main() -> None:
    import pandas as pd

    from caselog import open_store
    from lake.export import export_lake
    from lake.spark import open_lake
    from metrics import assess
    from metrics.selection import Selection

    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", required=True, help="sc://HOST:PORT")
    parser.add_argument("--cases", type=int, default=200_000, help="cases per year")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = open_store(_store(args.cases), read_only=True)
    lake_dir = CACHE / f"lake-{args.cases}"
    started = time.perf_counter()
    manifest = export_lake(engine, lake_dir)
    exported = time.perf_counter() - started
    lake = open_lake(args.engine, lake_dir)
    sel = Selection.build("street", "2025")
    pd.testing.assert_frame_equal(assess(lake, sel), assess(engine, sel), rtol=1e-12)
    times: dict[str, list[float]] = {"duckdb": [], "spark": []}
    for _ in range(args.repeat):
        for name, where in (("duckdb", engine), ("spark", lake)):
            t0 = time.perf_counter()
            assess(where, sel)
            times[name].append(time.perf_counter() - t0)
    lake.close()
    engine.dispose()
    duck, spark = (statistics.median(times[n]) for n in ("duckdb", "spark"))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"## bench_spark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load}")
    print(f"{manifest.rows['cases']:,} cases in the store; export to Parquet {exported:.1f} s")
    print(f"| engine | street assessment of 2025, median of {args.repeat} |")
    print("|---|---|")
    print(f"| DuckDB store | {duck:.2f} s |")
    print(f"| Spark over the lake ({args.engine}) | {spark:.2f} s ({spark / duck:.0f}x DuckDB) |")


if __name__ == "__main__":
    main()
