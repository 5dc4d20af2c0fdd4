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
