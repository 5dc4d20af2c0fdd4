"""Backtest accuracy measures, all with one signature: ``loss(df, by) -> Series``.

``df`` is a backtest frame: one row per series, cutoff and forecast day, with the actual
``y``, the forecast ``yhat``, the interval ends ``yhat_lo_80, yhat_hi_80, yhat_lo_95,
yhat_hi_95`` and ``scale``, the series' mean absolute weekly-seasonal difference
(|y_t − y_{t−7}|) over the training days before the row's cutoff. ``by`` names the
grouping columns (default per series); ``by=None`` gives one overall value under the
index ``"overall"``. Empty denominators give NaN, never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

__all__ = ["LOSSES", "Loss", "cov80", "cov95", "evaluate", "mae", "mase", "wape"]

Loss = Callable[..., pd.Series]
By = str | Sequence[str] | None


def _ratio(df: pd.DataFrame, by: By, num: pd.Series, den: pd.Series) -> pd.Series:
    """Σ num / Σ den per group (NaN where Σ den is 0): every loss here is such a ratio."""
    frame = pd.DataFrame({"_n": num.to_numpy(float), "_d": den.to_numpy(float)}, index=df.index)
    if by is None:
        total = frame.sum()
        sums = pd.DataFrame([total], index=["overall"])
    else:
        keys = [by] if isinstance(by, str) else list(by)
        sums = frame.groupby([df[k] for k in keys], sort=True).sum()
    return (sums["_n"] / sums["_d"].where(sums["_d"] > 0)).astype(float)


def mae(df: pd.DataFrame, by: By = "unique_id") -> pd.Series:
    """Mean absolute error, in cases per day."""
    return _ratio(df, by, (df["y"] - df["yhat"]).abs(), pd.Series(1.0, index=df.index))


def wape(df: pd.DataFrame, by: By = "unique_id") -> pd.Series:
    """Σ|y − ŷ| / Σ|y|; NaN when there were no actual cases."""
    return _ratio(df, by, (df["y"] - df["yhat"]).abs(), df["y"].abs())


def mase(df: pd.DataFrame, by: By = "unique_id") -> pd.Series:
    """Mean of |y − ŷ| / scale over rows whose scale is positive; NaN when none is."""
    ok = df["scale"] > 0
    ratio = ((df["y"] - df["yhat"]).abs() / df["scale"].where(ok)).fillna(0.0)
    return _ratio(df, by, ratio, ok.astype(float))


def _coverage(level: int) -> Loss:
    lo, hi = f"yhat_lo_{level}", f"yhat_hi_{level}"

    def coverage(df: pd.DataFrame, by: By = "unique_id") -> pd.Series:
        inside = (df["y"] >= df[lo]) & (df["y"] <= df[hi])
        return _ratio(df, by, inside.astype(float), pd.Series(1.0, index=df.index))

    coverage.__name__ = f"cov{level}"
    coverage.__doc__ = f"Share of actual days inside the {level}% interval (ends included)."
    return coverage


cov80 = _coverage(80)
cov95 = _coverage(95)

#: The measures stored with every run, by name.
LOSSES: dict[str, Loss] = {"mase": mase, "wape": wape, "cov80": cov80, "cov95": cov95}


def evaluate(
    df: pd.DataFrame, losses: Sequence[Loss] | None = None, by: By = "unique_id"
) -> pd.DataFrame:
    """One column per loss (named after the function), one row per group of ``by``."""
    losses = list(losses or LOSSES.values())
    return pd.DataFrame({fn.__name__: fn(df, by) for fn in losses})
