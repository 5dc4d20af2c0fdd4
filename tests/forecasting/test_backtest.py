"""Rolling-origin backtests and the count intervals they calibrate."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting import ForecastError
from forecasting.backtest import backtest, cutoff_positions, seasonal_scale
from forecasting.intervals import calibration, count_interval, dispersion
from forecasting.losses import evaluate
from forecasting.models import predict
from forecasting.series import Panel


def test_cutoffs_are_a_horizon_apart_and_end_the_data():
    assert cutoff_positions(200, 28, 3) == [116, 144, 172]
    assert cutoff_positions(200, 7, 3, step=1) == [191, 192, 193]
    with pytest.raises(ForecastError, match="needs at least 140 days"):
        cutoff_positions(100, 28, 3)


def test_seasonal_scale_by_hand():
    y = np.array([[1, 2, 3, 4, 5, 6, 7, 3, 2, 3, 4, 5, 6, 7.0]])
    assert seasonal_scale(y)[0] == pytest.approx(2 / 7)


def test_backtest_windows_hold_the_actuals_and_forecasts():
    y = np.tile(np.arange(7.0), 30)
    y[-28:] += 1  # the last window is one case higher every day
    panel = Panel(np.array(["a"], dtype=object), date(2024, 1, 1), y[None, :])
    test = backtest(panel, lambda tr, h: predict("snaive", tr, h), 28, 3, model="snaive")
    assert test.y.shape == (1, 3, 28)
    assert np.abs(test.y[0, :2] - test.yhat[0, :2]).sum() == 0
    np.testing.assert_allclose(test.y[0, 2] - test.yhat[0, 2], 1.0)
    frame = test.to_frame()
    assert len(frame) == 84 and frame["cutoff"].nunique() == 3
    assert str(frame["cutoff"].max().date()) == str(panel.dates()[-29].date())
    assert evaluate(frame, by=None)["wape"].iloc[0] == pytest.approx(28 / y[-84:].sum())


def test_poisson_intervals_cover_close_to_their_level():
    rng = np.random.default_rng(1)
    rates = rng.uniform(0.3, 30, 400)
    history = rng.poisson(rates[:, None], (400, 200)).astype(float)
    alpha = dispersion(history)
    assert np.median(alpha) < 0.05  # Poisson data: hardly any over-dispersion
    future = rng.poisson(rates[:, None], (400, 28))
    for level in (80, 95):
        lo, hi = count_interval(np.repeat(rates[:, None], 28, axis=1), alpha, level)
        assert np.all(lo <= hi) and np.all(lo >= 0)
        covered = np.mean((future >= lo) & (future <= hi))
        assert abs(covered - level / 100) < 0.04


def test_zero_forecast_gets_a_zero_interval():
    lo, hi = count_interval(np.zeros((1, 3)), np.array([0.2]), 80)
    assert lo.tolist() == [[0, 0, 0]] and hi.tolist() == [[0, 0, 0]]


def test_calibration_narrows_a_large_total_to_its_poisson_noise():
    # A city total of 4,000 a day whose history varied 25 % (holidays, seasons) but whose
    # forecast is right up to Poisson noise: the history's dispersion alone would cover
    # every day; the calibrated factor must go far below 0.05 to cover 80 %.
    rng = np.random.default_rng(4)
    rate = np.full((1, 56), 4000.0)
    past = rng.poisson(rate).astype(float)
    factor = calibration(past, rate, np.array([0.06]))
    assert factor < 0.01
    future = rng.poisson(np.full((1, 280), 4000.0))
    lo, hi = count_interval(np.full((1, 280), 4000.0), np.array([0.06]), 80, factor)
    assert 0.7 < np.mean((future >= lo) & (future <= hi)) < 0.9
