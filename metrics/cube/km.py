"""Kaplan–Meier figures per department kept in the KPI cube for each calendar year and month."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.survival import COLUMNS, per_unit

#: The kept spans: a calendar year (``start`` its first day) or a month (its first day).
SPANS = ("year", "month")


def figures(k: np.ndarray, day: np.ndarray, t: np.ndarray, e: np.ndarray) -> pd.DataFrame:
    """Columns span, start, k, resolved, censored, median_handling_h, km_median_handling_h
    for every department key ``k`` with a case in each calendar year and month of the rows
    (per-case ``day`` numbers, times ``t`` in seconds, events ``e``; sorted by key, then
    time, as the cube's val_km), computed as metrics.survival computes any period's."""
    dates = np.asarray(day, dtype="int64").astype("datetime64[D]")
    starts = {
        "year": dates.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64),
        "month": dates.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64),
    }
    rows = pd.DataFrame({"k": np.asarray(k, np.int64), "t": t, "e": e})
    out = []
    for span in SPANS:
        begin = starts[span]
        for first in np.unique(begin):
            part = rows[begin == first]  # a stable subset: still sorted by key, then time
            keys = pd.DataFrame({"k": np.unique(part["k"].to_numpy())})
            frame = per_unit(part.reset_index(drop=True), ["k"], keys.set_index("k", drop=False))
            out.append(frame.assign(span=span, start=int(first)))
    columns = ["span", "start", "k", *COLUMNS]
    return pd.concat(out, ignore_index=True)[columns] if out else pd.DataFrame(columns=columns)
