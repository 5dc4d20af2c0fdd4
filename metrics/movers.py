"""Big rank moves and why: the change in cases received and the scored part that moved most."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.scheme import Scheme, detail

#: A rank that moves more than this many places between two periods is marked with why.
BIG_MOVE = 10

MOVE_COLUMNS = ["rank_change", "volume_change", "moved_kpi", "points_change"]


def _contributions(frame: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Each part's share of composite_score in points, one column per KPI (an item's earned
    points over the scheme's full marks × 100; a deduction negative, a bonus positive)."""
    parts = detail(frame, scheme)
    full = sum(item.points for item in scheme.items) or 1.0
    out = pd.DataFrame(index=frame.index)
    for n, item in enumerate(scheme.items, 1):
        out[item.kpi] = parts[f"earned {n} {item.kpi}"] * 100.0 / full
    for kind, sign in (("deduct", -1.0), ("bonus", 1.0)):
        for n, a in enumerate(getattr(scheme, kind), 1):
            out[a.kpi] = out.get(a.kpi, 0.0) + sign * parts[f"{kind} {n} {a.kpi}"]
    return out


def rank_moves(
    now: pd.DataFrame,
    before: pd.DataFrame,
    keys: list[str],
    scheme: Scheme,
    places: int = BIG_MOVE,
) -> pd.DataFrame:
    """The units of ``now`` whose ``rank_change`` is beyond ±``places``, biggest move first:
    ``keys``, rank_change, volume_change (cases now / cases before − 1, a fraction; NaN
    without cases before), moved_kpi (the KPI of the scheme whose share of the composite
    score changed most) and points_change (that change, in composite points).

    ``before`` is the previous period's table under the same rules; units missing there or
    without a rank change are left out."""
    if now.empty or "rank_change" not in now or before.empty:
        return pd.DataFrame(columns=[*keys, *MOVE_COLUMNS])
    change = pd.to_numeric(now["rank_change"], errors="coerce")
    big = now[change.abs() > places]
    if big.empty:
        return pd.DataFrame(columns=[*keys, *MOVE_COLUMNS])
    prior = before.drop_duplicates(keys).set_index(keys)
    here = big.set_index(keys)
    prior = prior.reindex(here.index)
    then = _contributions(prior, scheme)
    diff = _contributions(here, scheme) - then
    # a part that is empty in either period is not the reason
    filled = diff.fillna(0.0)
    cases_before = pd.to_numeric(prior["cases"], errors="coerce")
    # a unit without cases before had no score to compare with: no part is named
    comparable = (cases_before > 0) & diff.notna().any(axis=1)
    moved = filled.abs().idxmax(axis=1).where(comparable) if len(filled.columns) else None
    moved = pd.Series(moved, index=here.index, dtype=object)
    volume = pd.to_numeric(here["cases"], errors="coerce") / cases_before.where(cases_before > 0)
    out = pd.DataFrame(
        {
            "rank_change": pd.to_numeric(here["rank_change"], errors="coerce"),
            "volume_change": volume - 1.0,
            "moved_kpi": moved,
            "points_change": [
                filled.at[i, k] if isinstance(k, str) else np.nan
                for i, k in zip(here.index, moved, strict=True)
            ],
        },
        index=here.index,
    ).reset_index()
    order = out["rank_change"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def with_moves(frame: pd.DataFrame, found: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` with found's volume_change, moved_kpi and points_change by unit, and
    ``big_move`` (True for the units in ``found``: the output of :func:`rank_moves`)."""
    extra = [c for c in MOVE_COLUMNS if c != "rank_change"]
    marked = found[[*keys, *extra]].assign(big_move=True)
    out = frame.drop(columns=[*extra, "big_move"], errors="ignore")
    out = out.merge(marked, on=keys, how="left") if keys else out.assign(big_move=False)
    out["big_move"] = out["big_move"].astype("boolean").fillna(False).astype(bool)
    return out
