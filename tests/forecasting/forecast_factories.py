"""Factories for forecasting tests: case rows built from daily counts, inserted with Core."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from caselog.schema import cases

#: A small city: two districts, three streets, four communities, six grids.
GRIDS = pd.DataFrame(
    {
        "grid_id": ["g1", "g2", "g3", "g4", "g5", "g6"],
        "community": ["c1", "c1", "c2", "c3", "c3", "c4"],
        "street": ["s1", "s1", "s1", "s2", "s2", "s3"],
        "district": ["东城区", "东城区", "东城区", "东城区", "东城区", "西城区"],
    }
)


def case_rows(
    counts: dict[str, np.ndarray],
    start: date,
    *,
    category: str = "市容环境",
    status: str = "closed",
    prefix: str = "c",
    grids: pd.DataFrame = GRIDS,
) -> list[dict]:
    """One case row per counted case: ``counts[grid][t]`` cases on ``start + t`` at 09:00+."""
    where = grids.set_index("grid_id")
    rows = []
    for grid, series in counts.items():
        place = where.loc[grid]
        for t, n in enumerate(np.asarray(series, dtype=int)):
            for k in range(n):
                stamp = datetime.combine(start + timedelta(days=t), datetime.min.time())
                rows.append(
                    {
                        "case_id": f"{prefix}-{grid}-{t}-{k}",
                        "reported_at": stamp + timedelta(hours=9, minutes=k % 600),
                        "category": category,
                        "district": place["district"],
                        "street": place["street"],
                        "community": place["community"],
                        "grid_id": grid,
                        "urgency": "general",
                        "status": status,
                        "row_hash": "h",
                        "ingest_id": 1,
                    }
                )
    return rows


def insert_rows(engine: Engine, rows: list[dict]) -> None:
    """Insert case rows in one transaction."""
    if rows:
        with engine.begin() as conn:
            conn.execute(cases.insert(), rows)


def poisson_counts(
    days: int, rates: dict[str, float], seed: int = 0, weekly: bool = True
) -> dict[str, np.ndarray]:
    """Poisson daily counts per grid with a weekday pattern (weekends lower)."""
    rng = np.random.default_rng(seed)
    shape = np.array([1.2, 1.1, 1.0, 1.0, 1.1, 0.8, 0.8]) if weekly else np.ones(7)
    out = {}
    for grid, rate in rates.items():
        lam = rate * shape[np.arange(days) % 7]
        out[grid] = rng.poisson(lam)
    return out
