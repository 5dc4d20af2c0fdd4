"""A publication's frozen CSV read back as a table, rank change against another, and how a
live assessment differs from it."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.export import TRAILING
from metrics.labels import unit_of
from metrics.registry import LEVELS

#: Columns kept as text (besides the level's keys); the rest are numbers.
_TEXT = ("grade",)
_INTEGER_UNITS = ("cases", "count", "rank", "rank_change")
#: Scores closer than this count as equal (the CSV keeps 15 significant digits).
SCORE_TOLERANCE = 1e-9


def read_frozen(csv: bytes, level: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table and its trailing columns (metrics.export.TRAILING: period, as_of, rule set …)
    from an assessment CSV: keys and grades as text, small_sample as booleans, counts and
    ranks as nullable integers, other figures as floats; empty fields are empty (NA)."""
    raw = pd.read_csv(io.BytesIO(csv), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    meta = {c: (raw[c].iloc[0] if len(raw) else "") for c in TRAILING if c in raw}
    table = raw.drop(columns=[c for c in TRAILING if c in raw])
    keys = set(LEVELS[level])
    for col in table.columns:
        if col in keys:
            continue
        values = table[col]
        if col in _TEXT:
            table[col] = values.where(values != "", None).astype(object)
        elif col == "small_sample":
            table[col] = values.map({"True": True, "False": False, "": None})
        else:
            numbers = pd.to_numeric(values.where(values != "", None), errors="coerce")
            if unit_of(col)[0] in _INTEGER_UNITS:
                table[col] = numbers.round().astype("Int64")
            else:
                table[col] = numbers.astype(float)
    return table, meta


def rank_change_since(table: pd.DataFrame, before: pd.DataFrame | None, level: str) -> pd.Series:
    """Each unit's rank in ``before`` minus its rank in ``table`` (positive = moved up), by the
    level's key columns; empty for a unit unranked or absent in either, and for every unit
    when there is no ``before``."""
    empty = pd.Series(pd.NA, index=table.index, dtype="Int64")
    if before is None:
        return empty
    keys = list(LEVELS[level])
    prev = before[[*keys, "rank"]].rename(columns={"rank": "_before"})
    joined = table[keys].merge(prev, on=keys, how="left")
    change = joined["_before"].astype("Int64") - table["rank"].astype("Int64").to_numpy()
    return pd.Series(change.to_numpy(), index=table.index, dtype="Int64")


@dataclass(frozen=True)
class Difference:
    """How a live assessment differs from a frozen one of the same selection: units whose
    figures differ (any KPI, rank or grade), of those whose rank changed, units in one table
    only, and the largest composite-score difference (points; 0 when none)."""

    units_changed: int
    ranks_changed: int
    units_added: int
    units_removed: int
    max_score_diff: float

    @property
    def same(self) -> bool:
        return not (self.units_changed or self.units_added or self.units_removed)


def compare(live: pd.DataFrame, frozen: pd.DataFrame, level: str) -> Difference:
    """Compare ``live`` (metrics.assess) with ``frozen`` (:func:`read_frozen`) unit by unit over
    the columns both carry except rank_change (measured against different bases); numbers
    equal within SCORE_TOLERANCE relative to their size count as equal."""
    keys = list(LEVELS[level])
    cols = [c for c in frozen.columns if c in live.columns and c not in (*keys, "rank_change")]
    both = live[[*keys, *cols]].merge(
        frozen[[*keys, *cols]], on=keys, how="outer", suffixes=("_l", "_f"), indicator=True
    )
    added = int((both["_merge"] == "left_only").sum())
    removed = int((both["_merge"] == "right_only").sum())
    common = both[both["_merge"] == "both"]
    changed = pd.Series(False, index=common.index)
    for col in cols:
        changed |= ~_equal(common[f"{col}_l"], common[f"{col}_f"])
    ranks = ~_equal(common["rank_l"], common["rank_f"]) if "rank" in cols else changed & False
    diff = 0.0
    if "composite_score" in cols:
        gap = (
            pd.to_numeric(common["composite_score_l"], errors="coerce").astype(float)
            - pd.to_numeric(common["composite_score_f"], errors="coerce").astype(float)
        ).abs()
        diff = float(gap.max()) if gap.notna().any() else 0.0
        if diff <= SCORE_TOLERANCE:
            diff = 0.0
    return Difference(int(changed.sum()), int(ranks.sum()), added, removed, diff)


def _equal(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise equality with empty = empty; numbers within a relative tolerance."""
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    same = a_na & b_na
    x = pd.to_numeric(a, errors="coerce").astype(float).to_numpy()
    y = pd.to_numeric(b, errors="coerce").astype(float).to_numpy()
    numeric = ~np.isnan(x) & ~np.isnan(y)
    close = np.zeros(len(a), dtype=bool)
    close[numeric] = np.isclose(x[numeric], y[numeric], rtol=SCORE_TOLERANCE, atol=SCORE_TOLERANCE)
    text = ~a_na & ~b_na & ~numeric
    texts = np.zeros(len(a), dtype=bool)
    texts[text] = a.to_numpy()[text].astype(str) == b.to_numpy()[text].astype(str)
    return pd.Series(same | close | texts, index=a.index)
