"""Units as the pages name them: a unit's path of names (东城区/东华门街道) and per-unit values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from metrics.fairness import funnel
from metrics.registry import LEVELS


def unit_path(unit: Mapping[str, object], level: str) -> str | None:
    """The unit's names from the district down, joined with ``/`` (东城区/东华门街道), as the
    sidebar's scope and the forecasts' ``unique_id`` write it; one name for department,
    category and source; '' for the city; None when ``unit`` lacks one of the level's names
    (a unit of a coarser level)."""
    keys = LEVELS[level]
    if any(k not in unit for k in keys):
        return None
    return "/".join(str(unit[k]) for k in keys)


def unit_paths(table: pd.DataFrame, level: str) -> list[str]:
    """:func:`unit_path` of every row of a table with the level's key columns, in row order."""
    keys = list(LEVELS[level])
    names = table[keys].astype(str).to_numpy()
    return ["/".join(row) for row in names]


def on_units(
    values: pd.DataFrame, key: str, ids: Sequence[str], fill: float | None = None
) -> pd.DataFrame:
    """One row per id of ``ids`` (in their order) with its ``value`` from ``values`` (columns
    ``key`` and ``value``); an id without a value gets ``fill`` (None: stays empty)."""
    found = values.drop_duplicates(key).set_index(key)["value"]
    out = pd.DataFrame({key: list(ids)})
    out["value"] = out[key].map(found)
    if fill is not None:
        out["value"] = out["value"].fillna(fill)
    return out


def funnel_points(table: pd.DataFrame, kpi_id: str, level: str) -> pd.DataFrame:
    """The funnel plot's points: metrics.funnel of the units with at least one case in the
    rate's denominator, smallest ``n`` first, with each unit's ``unit`` path."""
    points = funnel(table, kpi_id)
    points = points[points["n"] > 0].sort_values("n", kind="stable").reset_index(drop=True)
    return points.assign(unit=unit_paths(points, level))
