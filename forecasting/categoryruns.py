"""Stored runs by unit × category as the pages show them: one unit's categories or one category's units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd
from sqlalchemy import Engine

from forecasting.bycategory import split_ids, within_scope
from forecasting.errors import ForecastError
from forecasting.runs import CSV_COLUMNS, ForecastRun, list_runs, load_run

__all__ = [
    "VIEWS",
    "category_choices",
    "category_totals",
    "category_view",
    "load_category_run",
]

#: The two ways to look at a run by category: pick a unit (see its categories) or a
#: category (see its units).
VIEWS: tuple[str, ...] = ("unit", "category")


def load_category_run(
    engine: Engine, run_id: int | None = None, scope: Mapping[str, str] | None = None
) -> ForecastRun:
    """A saved run by category (default: the newest) whose ``forecasts`` carry ``unit`` and
    ``category`` beside the contract's columns; with a ``scope``, only the series of units
    inside it (a level coarser than the scope has none)."""
    if run_id is None:
        newest = list_runs(engine, by="category")
        if newest.empty:
            raise ForecastError("There is no saved forecast run by category to show.")
        run_id = int(newest["id"].iloc[0])
    run = load_run(engine, run_id)
    if run.parameters.get("by") != "category":
        raise ForecastError(f"The forecast run {run_id} is not a run by category.")
    parts = split_ids(run.forecasts["unique_id"], run.parameters["categories"], run.level)
    frame = pd.concat([parts[["unit", "category"]], run.forecasts], axis=1)
    frame = within_scope(engine, frame, run.level, scope).reset_index(drop=True)
    return replace(run, forecasts=frame[["unique_id", "unit", "category", *CSV_COLUMNS[1:]]])


def _other(by: str) -> str:
    if by not in VIEWS:
        raise ForecastError(f"A run by category is viewed by {' or '.join(VIEWS)}, not {by!r}.")
    return "category" if by == "unit" else "unit"


def category_choices(forecasts: pd.DataFrame, by: str) -> list[str]:
    """The units (``by="unit"``) or categories (``by="category"``) of a loaded run, sorted."""
    _other(by)
    return sorted(forecasts[by].astype(str).unique())


def category_view(forecasts: pd.DataFrame, by: str, pick: str) -> pd.DataFrame:
    """The forecasts of one unit's categories (``by="unit"``) or one category's units,
    with a ``series`` column naming the other one; sorted by series and day."""
    other = _other(by)
    rows = forecasts[forecasts[by].astype(str) == str(pick)]
    out = rows.assign(series=rows[other].astype(str))
    columns = ["series", "ds", "model", "yhat", "yhat_lo", "yhat_hi"]
    return out[columns].sort_values(["series", "ds"], kind="stable").reset_index(drop=True)


def category_totals(view: pd.DataFrame) -> pd.DataFrame:
    """Expected cases per series over the horizon (``series, days, yhat, share, model``:
    ``share`` of their sum as a fraction, empty when the sum is 0; ``model`` the series'
    chosen model), busiest first."""
    totals = view.groupby("series", as_index=False).agg(
        days=("ds", "nunique"), yhat=("yhat", "sum"), model=("model", "first")
    )
    whole = float(totals["yhat"].sum())
    totals["share"] = totals["yhat"] / whole if whole > 0 else float("nan")
    totals = totals[["series", "days", "yhat", "share", "model"]]
    return totals.sort_values(["yhat", "series"], ascending=[False, True], kind="stable")
