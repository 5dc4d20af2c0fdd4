"""Out-of-sample forecast accuracy (nested rolling origin) on Boston, LA and the sample city.

Run from the repository root:

    .venv/bin/python benchmarks/bench_forecast_eval.py [boston] [la] [sample] [--level district]

Horizon 28 days; six cutoffs 28 days apart. Each window is forecast by the choice the
pipeline would have made at its cutoff (per unit, the candidate with the lowest squared
error over the three windows before), with its 80 % interval calibrated on those earlier
windows only; the last three windows are scored. Nothing scored was seen by the choice.
Prints, per level: auto's WAPE against the weekly seasonal naive's and the plain 4-week
weekday mean's on the same days (ratios below 1: auto wins), the 80 % interval's coverage,
and what is attainable — the Poisson floor (the WAPE a perfect expected count would still
have) and a level oracle (each unit's true mean of each window) — with auto's ratio to them.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_forecast_data import REAL, load_boston

from caselog import open_store
from forecasting.errors import ForecastError
from forecasting.evaluation import Evaluation, evaluate_hierarchy

HORIZON = 28
COLUMNS = (
    "units",
    "cases/day/unit",
    "auto WAPE",
    "snaive WAPE",
    "wmean WAPE",
    "auto / snaive",
    "auto / wmean",
    "cov80",
    "Poisson floor",
    "auto / Poisson floor",
    "level oracle",
    "auto / level oracle",
)


def _cell(value) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:,.3f}"
    return str(value)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (Prophet's forked workers)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def report(label: str, engine, level: str) -> dict[str, Evaluation]:
    """Evaluate ``level`` and the levels above it; print one table and the chosen models."""
    began, cpu = time.perf_counter(), _cpu_seconds()
    try:
        result = evaluate_hierarchy(engine, level, HORIZON)
    except ForecastError as exc:
        print(f"\n## {label}\n\nNot evaluated: {exc}")
        return {}
    seconds, cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    first = next(iter(result.values()))
    windows = ", ".join(
        f"{(c + pd.Timedelta(days=1)):%Y-%m-%d}..{(c + pd.Timedelta(days=HORIZON)):%Y-%m-%d}"
        for c in first.cutoffs
    )
    print(f"\n## {label}\n")
    print(f"Scored windows (out-of-sample): {windows}.")
    print(f"Evaluation time {seconds:.1f} s ({cpu:.1f} s of CPU, Prophet's workers included).\n")
    print("| level | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for lv, ev in result.items():
        row = ev.summary()
        print(f"| {lv} | " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |")
    models, counts = np.unique(first.chosen, return_counts=True)
    picks = ", ".join(f"{m} {c}" for m, c in zip(models, counts, strict=True))
    print(f"\nChosen at {level} level (unit × window): {picks}.")
    sys.stdout.flush()
    return result


def boston(store_dir: Path, level: str) -> None:
    engine = open_store(f"duckdb:///{store_dir / 'boston.duckdb'}")
    cases = load_boston(engine)
    report(f"Boston 311 (real, teama 2014–2023, {cases:,} cases)", engine, level)
    engine.dispose()


def los_angeles(store_dir: Path, level: str) -> None:
    from caselog.ingest import ingest_files

    engine = open_store(f"duckdb:///{store_dir / 'la.duckdb'}")
    root = Path(__file__).resolve().parent.parent
    files = sorted(str(p) for p in (REAL / "la311").glob("*.csv"))
    summary = ingest_files(engine, files, mapping=root / "sample_data/mappings/la311.toml")
    report(f"LA 311 (real, {summary.cases.inserted:,} cases)", engine, level)
    engine.dispose()


def sample_city(store_dir: Path, level: str) -> None:
    from services.sample import build_sample_store

    engine = open_store(f"duckdb:///{store_dir / 'sample.duckdb'}")
    build_sample_store(engine, store_dir / "sample", grids=2000, years=3, seed=42)
    report("Sample city (sample_data, 2,000 grids × 3 years)", engine, level)
    engine.dispose()


def main(argv: list[str]) -> int:
    level = "district"
    if "--level" in argv:
        level = argv[argv.index("--level") + 1]
        argv = [a for a in argv if a not in ("--level", level)]
    wanted = set(argv) or {"boston", "la", "sample"}
    print(
        f"# Out-of-sample forecast evaluation ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}), horizon {HORIZON}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = Path(tmp)
        if "boston" in wanted:
            boston(store_dir, level)
        if "la" in wanted:
            los_angeles(store_dir, level)
        if "sample" in wanted:
            sample_city(store_dir, level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
