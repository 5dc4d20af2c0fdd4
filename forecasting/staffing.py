"""Staffing plan: expected cases per unit and week × the unit's mean handling time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from forecasting.errors import ForecastError

#: The plan's columns (the CSV's, in this order).
COLUMNS = (
    "unique_id",
    "week",
    "days",
    "cases",
    "cases_lo",
    "cases_hi",
    "handling_hours_mean",
    "staff_hours",
    "staff_hours_lo",
    "staff_hours_hi",
)


def staffing_plan(
    forecasts: pd.DataFrame, hours: pd.Series, level_pct: float = 80.0
) -> pd.DataFrame:
    """Per unit and ISO week (``week``: its Monday; ``days``: forecast days inside it), the
    expected cases with a ``level_pct`` interval and the staff-hours they need at the unit's
    mean handling hours per case (``hours``, indexed by unique_id; units without one are
    left out).

    The daily forecasts' intervals are read as normal ones of the same coverage: each day's
    spread is its interval's half-width over the normal quantile, the week's is the square
    root of the days' summed squares (days taken as independent), and the week's interval
    is its expected cases ± that quantile times it, never below 0. Handling time is elapsed
    time from dispatch to resolution, so staff-hours are an upper bound of the work."""
    if not 0 < level_pct < 100:
        raise ForecastError(f"The interval level must lie between 0 and 100, not {level_pct}.")
    known = hours.dropna()
    known = known[known.index.isin(forecasts["unique_id"])]
    rows = forecasts[forecasts["unique_id"].isin(known.index)]
    if rows.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    z = stats.norm.ppf(0.5 + level_pct / 200)
    ds = pd.to_datetime(rows["ds"])
    frame = pd.DataFrame(
        {
            "unique_id": rows["unique_id"].to_numpy(),
            "week": (ds - pd.to_timedelta(ds.dt.weekday, unit="D")).dt.normalize().to_numpy(),
            "yhat": rows["yhat"].to_numpy(float),
            "var": ((rows["yhat_hi"] - rows["yhat_lo"]).to_numpy(float) / (2 * z)) ** 2,
        }
    )
    weeks = frame.groupby(["unique_id", "week"], sort=True).agg(
        days=("yhat", "size"), cases=("yhat", "sum"), var=("var", "sum")
    )
    spread = z * np.sqrt(weeks.pop("var"))
    weeks["cases_lo"] = (weeks["cases"] - spread).clip(lower=0)
    weeks["cases_hi"] = weeks["cases"] + spread
    weeks = weeks.reset_index()
    per_case = weeks["unique_id"].map(known).astype(float)
    weeks["handling_hours_mean"] = per_case
    for col in ("", "_lo", "_hi"):
        weeks[f"staff_hours{col}"] = weeks[f"cases{col}"] * per_case
    weeks["week"] = weeks["week"].dt.date
    return weeks[list(COLUMNS)]


def weekly_totals(plan: pd.DataFrame) -> pd.Series:
    """Staff-hours of all the plan's units per week (index: the week's Monday), in order."""
    return plan.groupby("week", sort=True)["staff_hours"].sum()
