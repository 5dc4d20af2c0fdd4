"""Kaplan–Meier figures per department kept in the KPI cube per calendar year, quarter, month."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.survival import COLUMNS, unit_table

#: The kept spans: a calendar year, quarter or month (``start``: its first day).
SPANS = ("year", "quarter", "month")


def figures(k: np.ndarray, day: np.ndarray, t: np.ndarray, e: np.ndarray) -> pd.DataFrame:
    """Columns span, start, k, resolved, censored, median_handling_h, km_median_handling_h
    for every department key ``k`` with a case in each calendar year, quarter and month of
    the rows (per-case ``day`` numbers, times ``t`` in seconds, events ``e``; sorted by key,
    then time, as the cube's val_km), computed as metrics.survival computes any period's."""
    columns = ["span", "start", "k", *COLUMNS]
    day = np.asarray(day, np.int64)
    if not len(day):
        return pd.DataFrame(columns=columns)
    k, t, e = np.asarray(k, np.int64), np.asarray(t, np.float64), np.asarray(e)
    # each span's first day, for the few hundred days there are (not per case)
    first = int(day.min())
    days = np.arange(first, int(day.max()) + 1).astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    starts = {
        "year": days.astype("datetime64[Y]"),
        "quarter": (months - months % 3).astype("datetime64[M]"),
        "month": months.astype("datetime64[M]"),
    }
    out = []
    for span in SPANS:
        lookup = starts[span].astype("datetime64[D]").astype(np.int64)
        begin = lookup[day - first]
        for start in np.unique(lookup):
            inside = begin == start  # a stable subset: still sorted by key, then time
            units = np.unique(k[inside])
            names = pd.DataFrame({"k": units}, index=units)
            frame = unit_table(k[inside], t[inside], e[inside], ["k"], names)
            out.append(frame.assign(span=span, start=int(start)))
    return pd.concat(out, ignore_index=True)[columns]
