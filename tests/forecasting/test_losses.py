"""Backtest metrics against values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.losses import LOSSES, cov80, cov95, evaluate, mae, mase, wape


@pytest.fixture
def frame():
    # Series a: y = 2, 0, 4; ŷ = 1, 1, 1 → |e| = 1, 1, 3 (Σ 5); Σy = 6; scale 2.
    # Series b: y = 0, 0, 0; ŷ = 1, 0, 0 → |e| = 1, 0, 0; Σy = 0; scale 0.
    return pd.DataFrame(
        {
            "unique_id": ["a", "a", "a", "b", "b", "b"],
            "y": [2, 0, 4, 0, 0, 0],
            "yhat": [1, 1, 1, 1, 0, 0],
            "yhat_lo_80": [0, 0, 0, 0, 0, 1],
            "yhat_hi_80": [2, 1, 3, 2, 0, 2],
            "yhat_lo_95": [0, 0, 0, 0, 0, 0],
            "yhat_hi_95": [3, 2, 5, 3, 1, 2],
            "scale": [2.0, 2.0, 2.0, 0.0, 0.0, 0.0],
        }
    )


def test_per_series_values(frame):
    assert mae(frame).to_dict() == pytest.approx({"a": 5 / 3, "b": 1 / 3})
    w = wape(frame)
    assert w["a"] == pytest.approx(5 / 6)
    assert np.isnan(w["b"])  # no actual cases: empty, not 0 and not infinite
    m = mase(frame)
    assert m["a"] == pytest.approx((0.5 + 0.5 + 1.5) / 3)
    assert np.isnan(m["b"])
    assert cov80(frame).to_dict() == pytest.approx({"a": 2 / 3, "b": 2 / 3})  # 4 > 3, 0 < 1
    assert cov95(frame).to_dict() == pytest.approx({"a": 1.0, "b": 1.0})


def test_overall_values(frame):
    assert wape(frame, by=None)["overall"] == pytest.approx(6 / 6)
    assert mase(frame, by=None)["overall"] == pytest.approx(2.5 / 3)  # rows with scale > 0
    assert cov80(frame, by=None)["overall"] == pytest.approx(4 / 6)
    assert mae(frame, by=None)["overall"] == pytest.approx(1.0)


def test_one_signature_and_evaluate(frame):
    table = evaluate(frame)
    assert list(table.columns) == list(LOSSES)
    assert table.loc["a", "wape"] == pytest.approx(5 / 6)
    by_two = evaluate(frame.assign(model="m"), by=["unique_id", "model"])
    assert by_two.index.nlevels == 2
    overall = evaluate(frame, by=None)
    assert list(overall.index) == ["overall"]


def _by_hand(df: pd.DataFrame, keys: list[str]) -> dict[tuple, dict[str, float]]:
    """Every loss per group, from plain numpy over each group's rows."""
    out = {}
    for key in sorted({tuple(row) for row in df[keys].itertuples(index=False)}):
        rows = np.all([df[k].to_numpy() == v for k, v in zip(keys, key, strict=True)], axis=0)
        y, yhat, scale = (df[c].to_numpy(float)[rows] for c in ("y", "yhat", "scale"))
        err = np.abs(y - yhat)
        ok = scale > 0
        values = {
            "mae": err.mean(),
            "wape": err.sum() / y.sum() if y.sum() > 0 else np.nan,
            "mase": (err[ok] / scale[ok]).mean() if ok.any() else np.nan,
        }
        for level in (80, 95):
            lo, hi = (df[f"yhat_{e}_{level}"].to_numpy(float)[rows] for e in ("lo", "hi"))
            values[f"cov{level}"] = ((y >= lo) & (y <= hi)).mean()
        out[key] = values
    return out


def test_losses_equal_plain_numpy_on_random_backtests():
    rng = np.random.default_rng(3)
    n = 3000
    yhat = rng.uniform(0, 4, n).round(1)
    df = pd.DataFrame(
        {
            "unique_id": rng.choice(["a", "b", "c", "d"], n),
            "model": rng.choice(["snaive", "tsb"], n),
            "cutoff": rng.integers(0, 3, n),
            "y": rng.poisson(1.5, n).astype(float),
            "yhat": yhat,
            "yhat_lo_80": yhat - 1,
            "yhat_hi_80": yhat + 1,  # integer y lands on the ends: ends count as inside
            "yhat_lo_95": yhat - 2.5,
            "yhat_hi_95": yhat + 2.5,
            "scale": rng.choice([0.0, 0.5, 1.25], n),
        }
    )
    df.loc[df.unique_id == "d", "y"] = 0.0  # no actual cases: WAPE empty
    df.loc[(df.unique_id == "c") & (df.model == "tsb"), "scale"] = 0.0  # MASE empty
    for keys in (["unique_id"], ["unique_id", "model"], ["cutoff"]):
        want = _by_hand(df, keys)
        got = evaluate(df, [mae, *LOSSES.values()], by=keys[0] if len(keys) == 1 else keys)
        assert len(got) == len(want)
        for key, values in want.items():
            row = got.loc[key[0] if len(keys) == 1 else key]
            for name, value in values.items():
                np.testing.assert_allclose(row[name], value, rtol=1e-12, atol=0, err_msg=name)
    overall = evaluate(df, [mae, *LOSSES.values()], by=None)
    want = _by_hand(df.assign(all=1), ["all"])[(1,)]
    for name, value in want.items():
        np.testing.assert_allclose(overall.loc["overall", name], value, rtol=1e-12, err_msg=name)
