"""Vectorised code against naive per-series versions, on generated data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.losses import cov80, mase, wape
from forecasting.reconcile import bottom_up

counts = st.lists(st.integers(0, 30), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(counts, st.integers(0, 3)), min_size=1, max_size=5), st.integers(0, 9))
def test_losses_match_a_naive_loop(series, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for i, (ys, scale) in enumerate(series):
        for y in ys:
            yhat = float(rng.uniform(0, 30))
            lo, hi = sorted(rng.integers(0, 31, 2))
            rows.append((f"u{i}", y, yhat, lo, hi, float(scale)))
    frame = pd.DataFrame(
        rows, columns=["unique_id", "y", "yhat", "yhat_lo_80", "yhat_hi_80", "scale"]
    )
    got_w, got_m, got_c = wape(frame), mase(frame), cov80(frame)
    for uid, group in frame.groupby("unique_id"):
        errors = [abs(r.y - r.yhat) for r in group.itertuples()]
        total = sum(group["y"])
        want_w = sum(errors) / total if total else np.nan
        scaled = [
            e / r.scale for e, r in zip(errors, group.itertuples(), strict=True) if r.scale > 0
        ]
        want_m = sum(scaled) / len(scaled) if scaled else np.nan
        inside = [r.yhat_lo_80 <= r.y <= r.yhat_hi_80 for r in group.itertuples()]
        np.testing.assert_allclose(got_w[uid], want_w, equal_nan=True)
        np.testing.assert_allclose(got_m[uid], want_m, equal_nan=True)
        assert got_c[uid] == sum(inside) / len(inside)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=30), st.integers(1, 10))
def test_bottom_up_adds_up_exactly(parents, horizon):
    rng = np.random.default_rng(len(parents))
    ids = np.array([f"g{i}" for i in range(len(parents))], dtype=object)
    tree = pd.DataFrame({"grid": ids, "street": [f"s{p}" for p in parents]})
    values = rng.uniform(0, 10, (len(ids), horizon))
    street_ids, sums = bottom_up(values, ids, tree, "grid", "street")
    for k, street in enumerate(street_ids):
        members = [i for i, p in enumerate(parents) if f"s{p}" == street]
        np.testing.assert_allclose(sums[k], values[members].sum(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(sums.sum(axis=0), values.sum(axis=0), atol=1e-9)
