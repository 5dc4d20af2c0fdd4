"""Backtest accuracy measures, all with one signature: ``loss(df, by) -> Series``.

``df`` is a backtest frame: one row per series, cutoff and forecast day, with the actual
``y``, the forecast ``yhat``, the interval ends ``yhat_lo_80, yhat_hi_80, yhat_lo_95,
yhat_hi_95`` and ``scale``, the series' mean absolute weekly-seasonal difference
(|y_t − y_{t−7}|) over the training days before the row's cutoff. ``by`` names the
grouping columns (default per series); ``by=None`` gives one overall value under the
index ``"overall"``. Empty denominators give NaN, never 0. MAE, WAPE and coverage are
utilsforecast's (pooled over every cutoff of a group); MASE scales each row by its own
cutoff's ``scale``, which utilsforecast's (one scale per series) cannot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from utilsforecast import losses as uf

__all__ = ["LOSSES", "Loss", "cov80", "cov95", "evaluate", "mae", "mase", "wape"]

Loss = Callable[..., pd.Series]
By = str | Sequence[str] | None


def _groups(df: pd.DataFrame, by: By) -> tuple[np.ndarray, pd.Index]:
    """Each row's group number (−1: a missing key, left out) and the sorted group keys."""
    if by is None:
        return np.zeros(len(df), dtype=np.int64), pd.Index(["overall"])
    keys = [by] if isinstance(by, str) else list(by)
    grouped = df.groupby(keys, sort=True)
    return grouped.ngroup().to_numpy(), grouped.size().index


def _per_group(
    df: pd.DataFrame, by: By, loss: Callable, columns: dict[str, str], **kw
) -> pd.Series:
    """utilsforecast's ``loss`` of ``yhat`` per group of ``by``; ``columns`` maps the
    names ``loss`` reads to ours."""
    number, index = _groups(df, by)
    keep = number >= 0
    frame = pd.DataFrame({"unique_id": number[keep]})
    for theirs, ours in columns.items():
        frame[theirs] = df[ours].to_numpy(float)[keep]
    # No cutoff column: a group's value pools all its cutoffs.
    out = loss(frame, models=["yhat"], **kw).set_index("unique_id")["yhat"]
    return pd.Series(out.reindex(range(len(index))).to_numpy(float), index=index)


_POINT = {"y": "y", "yhat": "yhat"}


def mae(df: pd.DataFrame, by: By = "unique_id") -> pd.Series:
    """Mean absolute error, in cases per day."""
    return _per_group(df, by, uf.mae, _POINT)


def wape(df: pd.DataFrame, by: By = "unique_id") -> pd.Series:
    """Σ|y − ŷ| / Σ|y|; NaN when there were no actual cases."""
    return _per_group(df, by, uf.wape, _POINT)


def mase(df: pd.DataFrame, by: By = "unique_id") -> pd.Series:
    """Mean of |y − ŷ| / scale over rows whose scale is positive; NaN when none is."""
    number, index = _groups(df, by)
    scale = df["scale"].to_numpy(float)
    ok = (number >= 0) & (scale > 0)
    ratio = np.abs(df["y"].to_numpy(float) - df["yhat"].to_numpy(float))[ok] / scale[ok]
    means = pd.Series(ratio).groupby(number[ok]).mean()
    return pd.Series(means.reindex(range(len(index))).to_numpy(float), index=index)


def _coverage(level: int) -> Loss:
    columns = {"y": "y", "yhat": "yhat", f"yhat-lo-{level}": f"yhat_lo_{level}"}
    columns[f"yhat-hi-{level}"] = f"yhat_hi_{level}"

    def coverage(df: pd.DataFrame, by: By = "unique_id") -> pd.Series:
        return _per_group(df, by, uf.coverage, columns, level=level)

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
