"""What the pages show of stored runs and alerts: one unit's scores and forecast, the latest alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd


def unit_scores(scores: pd.DataFrame, unit: str) -> pd.DataFrame:
    """One unit's stored score rows (as from load_scores) with one row per model, the issued
    model first, then by MASE (empty last); a ``candidate`` column is added.

    A run stores the forecast as issued (``chosen`` = 1) and each candidate's own backtest
    (``chosen`` = 0), so the chosen model comes twice with the same point forecasts (equal
    MASE and WAPE) but different coverage: interval widths are calibrated per model over
    the units that chose it in the issued forecast, over all units as a candidate. The
    issued row is kept. A candidate whose points differ from the issued ones (the unit used
    a saved tuned setting of that model) stays, marked ``candidate``."""
    mine = scores[scores["unique_id"].astype(str) == str(unit)].reset_index(drop=True)
    issued_rows = mine[mine["chosen"] == 1].drop_duplicates("model").set_index("model")
    issued = mine["chosen"] == 1
    has_issued = mine["model"].isin(issued_rows.index)
    same = np.ones(len(mine), dtype=bool)
    for col in ("mase", "wape"):
        ref = mine["model"].map(issued_rows[col]).astype(float)
        same &= np.isclose(mine[col].astype(float), ref, equal_nan=True)
    candidate = ~issued & has_issued & ~same
    out = mine[issued | ~has_issued | candidate].assign(candidate=candidate)
    return out.sort_values(
        ["chosen", "mase"], ascending=[False, True], na_position="last", kind="stable"
    ).reset_index(drop=True)


def unit_forecast(forecasts: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The rows of a run's forecasts (``unique_id, ds, …``) for one unit, in stored order."""
    return forecasts[forecasts["unique_id"].astype(str) == str(unit)]


def latest_run_id(runs: pd.DataFrame, level: str) -> int | None:
    """The id of the newest saved run (``runs`` as from list_runs, newest first) of
    ``level``; None when there is none."""
    mine = runs[runs["level"] == level]
    return None if mine.empty else int(mine.iloc[0]["id"])


def latest_alerts(alerts: pd.DataFrame) -> pd.DataFrame:
    """The stored alerts (as from load_alerts) of the newest window, in stored order (highest
    score first); an empty frame stays empty."""
    if alerts.empty:
        return alerts
    return alerts[alerts["window_end"] == alerts["window_end"].max()]
