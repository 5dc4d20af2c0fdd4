"""Coherent hierarchies: sum the finest level's forecasts up the tree (bottom-up).

Upper levels are aggregated here from the bottom level's matrices, never by handing a
whole hierarchy to a generic library (at 25,000 grids that alone needed > 19 GB).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["aggregate_rows", "bottom_up", "membership", "wls"]


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


def wls(
    bottom_ids: np.ndarray,
    bottom: np.ndarray,
    bottom_var: np.ndarray,
    uppers: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> np.ndarray:
    """MinT with a diagonal covariance (WLS, variance scaling): reconciled bottom forecasts.

    ``bottom`` is (units, …) with per-unit error variances ``bottom_var``; each entry of
    ``uppers`` is ``(parent_of, forecasts, variances, ids)`` for one coarser level, with
    ``parent_of[i]`` the row of bottom unit ``i``'s parent in ``forecasts`` (−1: none).
    Returns bottom forecasts whose sums are the best variance-weighted compromise between
    the bottom forecasts and every coarser level's own forecasts; sum them up with
    :func:`aggregate_rows` for a coherent hierarchy. Dense in the bottom units: meant for a
    few thousand at most.
    """
    from scipy import sparse
    from scipy.linalg import cho_factor, cho_solve

    n = len(bottom_ids)
    flat = bottom.reshape(n, -1)
    weight = 1.0 / np.maximum(bottom_var, 1e-6)
    gram = np.diag(weight)
    rhs = flat * weight[:, None]
    for parent_of, forecasts, variances, _ids in uppers:
        known = parent_of >= 0
        rows = np.flatnonzero(known)
        link = sparse.csr_matrix(
            (np.ones(len(rows)), (parent_of[known], rows)), shape=(len(forecasts), n)
        )
        w = 1.0 / np.maximum(variances, 1e-6)
        gram += (link.T @ sparse.diags(w) @ link).toarray()
        rhs += link.T @ (forecasts.reshape(len(forecasts), -1) * w[:, None])
    solved = cho_solve(cho_factor(gram), rhs)
    return solved.reshape(bottom.shape)
