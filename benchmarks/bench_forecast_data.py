"""Synthetic grid case counts for the forecasting benchmarks, and the Boston 311 loader.

Not a benchmark itself: ``bench_forecast.py`` imports it. The simulated city has districts,
streets, communities and grids (Guangzhou's proportions: ~9 grids a community, ~16
communities a street); each grid's daily count is Poisson with a weekly pattern, a yearly
cycle, a slow trend and China's holidays (days off at 40 %, the week after Spring Festival
at 70 %). Cases are written straight into a DuckDB store's ``cases`` table.
"""

from __future__ import annotations

import glob
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

__all__ = ["BOSTON", "REAL", "load_boston", "simulate_city", "simulate_counts"]

# shared/ sits beside the repository (or beside the folder of its worktrees).
REAL = next(
    (
        p / "shared/data/real"
        for p in Path(__file__).resolve().parents
        if (p / "shared/data/real").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared/data/real",
)
BOSTON = str(REAL / "boston311/teama_*.csv")
WEEKDAY = np.array([1.1, 1.05, 1.0, 1.0, 1.05, 0.8, 0.75])


def _holiday_factor(days: pd.DatetimeIndex) -> np.ndarray:
    from forecasting.holidays import day_classes

    klass = day_classes(days)["holiday"]
    factor = np.ones(len(days))
    factor[klass.isin(["spring_festival", "national_day", "other_holiday"]).to_numpy()] = 0.4
    factor[(klass == "spring_festival_after").to_numpy()] = 0.7
    return factor


def simulate_counts(
    grids: int, years: int, seed: int = 42, end: str = "2026-06-30", median_rate: float = 1.5
) -> tuple[pd.DataFrame, pd.DatetimeIndex, np.ndarray]:
    """Grid table (grid_id, community, street, district) and the count matrix (grid, day)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=end, periods=365 * years)
    t = np.arange(len(days))
    communities = np.arange(grids) // 9
    streets = communities // 16
    n_streets = int(streets.max()) + 1
    districts = streets * min(11, n_streets) // n_streets
    table = pd.DataFrame(
        {
            "grid_id": [f"G{i:05d}" for i in range(grids)],
            "district": [f"区{d:02d}" for d in districts],
            "street": [f"街道{s:03d}" for s in streets],
            "community": [f"社区{c:04d}" for c in communities],
        }
    )
    base = rng.lognormal(np.log(median_rate), 0.7, grids)
    street_effect = rng.lognormal(0, 0.2, n_streets)[streets]
    yearly = 1 + 0.2 * np.sin(2 * np.pi * (days.dayofyear.to_numpy() - 80) / 365.25)
    calendar = WEEKDAY[days.dayofweek.to_numpy()] * yearly * _holiday_factor(days)
    slope = rng.normal(0, 0.15, grids)
    counts = np.empty((grids, len(days)), dtype=np.int32)
    for lo in range(0, grids, 2000):  # bounded memory at 25,000 grids
        hi = min(grids, lo + 2000)
        trend = 1 + slope[lo:hi, None] * t / len(t)
        rate = (base[lo:hi] * street_effect[lo:hi])[:, None] * calendar * trend
        counts[lo:hi] = rng.poisson(rate)
    return table, days, counts


def simulate_city(engine: Engine, grids: int, years: int, seed: int = 42, **kw) -> float:
    """Write a simulated city's cases into a DuckDB store; returns the seconds it took.

    Only the (grid, day, count) cells travel; DuckDB expands them into case rows.
    """
    start = time.perf_counter()
    table, days, counts = simulate_counts(grids, years, seed, **kw)
    g, d = np.nonzero(counts)
    cells = pd.DataFrame({"g": g.astype(np.int32), "d": d.astype(np.int32), "n": counts[g, d]})
    places = table.assign(g=np.arange(len(table), dtype=np.int32))
    del counts
    first = days[0].strftime("%Y-%m-%d")
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.register("bench_cells", cells)
        raw.register("bench_places", places)
        raw.execute(
            f"""
            INSERT INTO cases (case_id, reported_at, category, district, street, community,
                               grid_id, urgency, status, row_hash, ingest_id)
            WITH expanded AS (SELECT g, d, unnest(range(n)) AS i FROM bench_cells)
            SELECT 'C' || e.g || '_' || e.d || '_' || e.i,
                   TIMESTAMP '{first} 08:00:00' + to_days(e.d) + to_minutes(((e.i * 37) % 720)::BIGINT),
                   ['市容环境', '街面秩序', '设施管理', '其他'][1 + (hash(e.g, e.d, e.i) % 4)::BIGINT],
                   p.district, p.street, p.community, p.grid_id, 'general',
                   CASE WHEN hash(e.i, e.d, e.g) % 100 = 0 THEN 'cancelled' ELSE 'closed' END,
                   'x', 0
            FROM expanded e JOIN bench_places p USING (g)
            """
        )
        raw.unregister("bench_cells")
        raw.unregister("bench_places")
    return time.perf_counter() - start


def load_boston(engine: Engine, pattern: str = BOSTON) -> int:
    """Load the Boston 311 sample (teama files, 2014–2023) with the shipped mapping.

    Boston's neighborhoods are the districts and stand in for grids. Returns cases stored.
    """
    from caselog.ingest import ingest_files

    root = Path(__file__).resolve().parent.parent
    mapping = root / "sample_data" / "mappings" / "boston311.toml"
    summary = ingest_files(engine, sorted(glob.glob(pattern)), mapping=mapping)
    return summary.cases.inserted
