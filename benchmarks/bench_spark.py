"""Benchmark: the street assessment (or a forecast) on DuckDB vs on Spark over the exported lake.

Run `.venv/bin/python benchmarks/bench_spark.py --engine sc://127.0.0.1:15002 [--cases N]
[--repeat R] [--forecast LEVEL [--horizon D]]` from the repository root with a cluster running
(`scripts/spark.sh start`). It generates a sample city of N cases a year over two years (cached
under benchmarks/.cache/spark/), loads it into DuckDB, exports the lake (timed), then times
`assess(…, street, year)` — the same statements — on the store and on Spark, alternating, and
prints the medians, their ratio and the load average, dated. The tables are checked equal first.
With `--forecast LEVEL` it times the `auto` forecast of LEVEL instead: forecast_hierarchy on the
store against lake.forecast.forecast_on_spark (series counted by Spark, per-series models on its
executors), the files' figures checked equal.
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
    parser.add_argument("--forecast", metavar="LEVEL", help="time the auto forecast of LEVEL")
    parser.add_argument("--horizon", type=int, default=14, help="with --forecast: days")
    args = parser.parse_args()
    engine = open_store(_store(args.cases), read_only=True)
    lake_dir = CACHE / f"lake-{args.cases}"
    started = time.perf_counter()
    manifest = export_lake(engine, lake_dir)
    exported = time.perf_counter() - started
    lake = open_lake(args.engine, lake_dir)
    if args.forecast:
        _forecast(args, engine, lake, manifest.rows["cases"], exported)
        return
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


def _forecast(args, engine, lake, cases: int, exported: float) -> None:
    """The ``auto`` forecast of ``args.forecast`` on the store and on Spark, alternating."""
    import numpy as np
    import pandas as pd

    from forecasting import forecast_hierarchy
    from lake.forecast import forecast_on_spark

    times: dict[str, list[float]] = {"duckdb": [], "spark": []}
    frames: dict[str, pd.DataFrame] = {}
    on_spark = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        frames["duckdb"] = forecast_hierarchy(engine, args.forecast, args.horizon).base.to_frame()
        times["duckdb"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        made = forecast_on_spark(lake, args.forecast, args.horizon)
        times["spark"].append(time.perf_counter() - t0)
        frames["spark"], on_spark = made.frame, made.fitted_on_spark
    want, got = frames["duckdb"], frames["spark"]
    assert (want[["unique_id", "model"]].to_numpy() == got[["unique_id", "model"]].to_numpy()).all()
    for column in ("yhat", "yhat_lo", "yhat_hi"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-6, atol=1e-6)
    lake.close()
    engine.dispose()
    duck, spark = (statistics.median(times[n]) for n in ("duckdb", "spark"))
    units = want["unique_id"].nunique()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"## bench_spark --forecast {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load}")
    print(f"{cases:,} cases in the store; export to Parquet {exported:.1f} s")
    print(
        f"| engine | auto forecast of {units:,} {args.forecast} units, {args.horizon} days, "
        f"median of {args.repeat} |"
    )
    print("|---|---|")
    print(f"| DuckDB store, models in this process | {duck:.1f} s |")
    print(
        f"| Spark over the lake ({args.engine}), {on_spark:,} series fits on its executors | "
        f"{spark:.1f} s ({spark / duck:.1f}x the store's) |"
    )


if __name__ == "__main__":
    main()
