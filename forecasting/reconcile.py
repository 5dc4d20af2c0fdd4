"""Coherent hierarchies: sum the finest level's forecasts up the tree (bottom-up).

Upper levels are aggregated here from the bottom level's matrices, never by handing a
whole hierarchy to a generic library (at 25,000 grids that alone needed > 19 GB).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["aggregate_rows", "bottom_up", "membership"]


def membership(tree: pd.DataFrame, child: str, parent: str) -> tuple[np.ndarray, np.ndarray]:
    """For each child unit of ``tree[child]`` (in order): the index of its parent unit.

    Returns ``(parent_ids, parent_of)``: the sorted parent ids and, for every row of the
    tree, the position of its parent in ``parent_ids``.
    """
    codes, uniques = pd.factorize(tree[parent].astype(str), sort=True)
    return np.asarray(uniques, dtype=object), codes


def aggregate_rows(values: np.ndarray, parent_of: np.ndarray, n_parents: int) -> np.ndarray:
    """Sum the rows of ``values`` (children × …) into ``n_parents`` rows by ``parent_of``."""
    flat = values.reshape(values.shape[0], -1)
    out = np.zeros((n_parents, flat.shape[1]))
    np.add.at(out, parent_of, flat)
    return out.reshape((n_parents, *values.shape[1:]))


def bottom_up(
    values: np.ndarray, child_ids: np.ndarray, tree: pd.DataFrame, child: str, parent: str
) -> tuple[np.ndarray, np.ndarray]:
    """Parent-level values as exact sums of the child-level ``values`` (rows = child_ids).

    Children missing from ``tree`` are left out. Returns ``(parent_ids, parent_values)``.
    """
    frame = tree[[child, parent]].drop_duplicates(child)
    parent_ids, codes = membership(frame, child, parent)
    lookup = pd.Series(codes, index=frame[child].astype(str).to_numpy())
    rows = lookup.reindex(pd.Index(child_ids).astype(str))
    keep = rows.notna().to_numpy()
    summed = aggregate_rows(values[keep], rows[keep].to_numpy(dtype=int), len(parent_ids))
    return parent_ids, summed
