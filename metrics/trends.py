"""Trend analysis of KPI series: seasonal decomposition (STL) and the fastest-rising units."""

from __future__ import annotations

import pandas as pd

SEASON = {"day": 7, "week": 52, "month": 12}


def decompose(values: pd.Series, freq: str) -> pd.DataFrame | None:
    """STL decomposition (statsmodels) of an already aggregated, evenly spaced series.

    Returns observed, trend, seasonal and resid indexed like ``values``; None when the
    series is shorter than two full seasons or has gaps (NaN).
    """
    from statsmodels.tsa.seasonal import STL

    period = SEASON[freq]
    clean = values.astype(float)
    if len(clean) < 2 * period or clean.isna().any():
        return None
    fit = STL(clean.to_numpy(), period=period, robust=True).fit()
    return pd.DataFrame(
        {
            "observed": clean.to_numpy(),
            "trend": fit.trend,
            "seasonal": fit.seasonal,
            "resid": fit.resid,
        },
        index=values.index,
    )


def rising_units(now: pd.DataFrame, before: pd.DataFrame, key: str, n: int = 10) -> pd.DataFrame:
    """Units of ``key`` whose case count grew most from ``before`` to ``now``
    (columns key, current, previous, change, change_pct; change_pct NaN when previous is 0)."""
    merged = now[[key, "cases"]].merge(
        before[[key, "cases"]], on=key, how="outer", suffixes=("_now", "_before")
    )
    merged = merged.fillna({"cases_now": 0, "cases_before": 0})
    out = pd.DataFrame(
        {
            key: merged[key],
            "current": merged["cases_now"].astype("int64"),
            "previous": merged["cases_before"].astype("int64"),
        }
    )
    out["change"] = out["current"] - out["previous"]
    out["change_pct"] = out["change"] / out["previous"].where(out["previous"] > 0)
    return out.sort_values(["change", key], ascending=[False, True]).head(n).reset_index(drop=True)
