"""Every model on series with known structure, with assertions on the numbers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from forecasting.holidays import day_classes
from forecasting.models import MODELS, predict, share_down
from forecasting.series import Panel

WEEK = np.array([10.0, 12.0, 14.0, 16.0, 18.0, 4.0, 2.0])
START = date(2024, 1, 1)  # a Monday


def _panel(*rows: np.ndarray, start: date = START) -> Panel:
    y = np.vstack(rows).astype(float)
    return Panel(np.array([f"u{i}" for i in range(len(y))], dtype=object), start, y)


def _weekly(weeks: int) -> np.ndarray:
    return np.tile(WEEK, weeks)


@pytest.mark.parametrize("name", ["snaive", "wmean", "ymean"])
def test_baselines_repeat_a_pure_weekly_pattern_exactly(name):
    out = predict(name, _panel(_weekly(20)), 14)
    np.testing.assert_allclose(out[0], np.tile(WEEK, 2))


def test_recent_weeks_mean_averages_the_last_weeks():
    y = np.concatenate([np.full(7, 100.0), np.full(7, 1.0), np.full(14, 3.0), np.full(7, 5.0)])
    out = predict("wmean", _panel(y), 7, {"weeks": 4})
    np.testing.assert_allclose(out[0], np.full(7, (1 + 3 + 3 + 5) / 4))


@pytest.mark.parametrize("name", ["ets", "sarima", "prophet"])
def test_rich_models_learn_a_weekly_pattern(name):
    out = predict(name, _panel(_weekly(30)), 14, {"holidays": False} if name == "prophet" else {})
    np.testing.assert_allclose(out[0], np.tile(WEEK, 2), atol=1.0)


@pytest.mark.parametrize("name", ["ets", "sarima", "prophet"])
def test_rich_models_follow_a_trend(name):
    t = np.arange(7 * 30, dtype=float)
    y = 20 + 0.1 * t + _weekly(30) - WEEK.mean()
    params = {"trend": "A", "damped": False} if name == "ets" else {}
    if name == "prophet":
        params = {"holidays": False}
    out = predict(name, _panel(y), 14, params)
    expected = 20 + 0.1 * np.arange(len(t), len(t) + 14)
    # The level keeps rising: the forecast's weekly mean tracks the trend line within 1.5.
    assert abs(out[0, :7].mean() - expected[:7].mean()) < 1.5
    assert out[0, 7:].mean() > out[0, :7].mean()


def test_prophet_learns_holiday_dips_from_the_classes():
    days = pd.date_range("2023-01-01", "2025-09-23")
    klass = day_classes(days)["holiday"]
    y = np.where(klass.notna(), 4.0, 20.0)
    panel = _panel(y, start=days[0].date())
    out = predict("prophet", panel, 14, {"holidays": True})[0]
    future = day_classes(panel.dates(panel.days, 14))["holiday"]  # 1–7 October is National Day
    on_holiday = out[future.notna().to_numpy()]
    assert len(on_holiday) >= 5
    assert on_holiday.mean() < 8.0
    assert out[~future.notna().to_numpy()].mean() > 16.0
    without = predict("prophet", panel, 14, {"holidays": False})[0]
    assert without[future.notna().to_numpy()].mean() > 12.0


def test_prophet_learns_us_holiday_dips_for_a_us_store():
    days = pd.date_range("2021-01-01", "2024-11-15")
    klass = day_classes(days, "US")["holiday"]
    y = np.where(klass.notna(), 4.0, 20.0)
    panel = _panel(y, start=days[0].date())
    out = predict("prophet", panel, 14, {"holidays": True, "country": "US"})[0]
    future = day_classes(panel.dates(panel.days, 14), "US")["holiday"]
    assert list(future.dropna()) == ["thanksgiving_day", "thanksgiving_day_after"]
    on_holiday = future.notna().to_numpy()
    assert out[on_holiday].mean() < 8.0
    assert out[~on_holiday].mean() > 16.0
    china = predict("prophet", panel, 14, {"holidays": True, "country": "CN"})[0]
    assert china[on_holiday].mean() > 12.0


def _yearly_step(years: int, tail: int, amplitude: list[float]) -> np.ndarray:
    """Weekly pattern × a level that halves on day 308 of every 364-day year, × a yearly size."""
    days = np.arange(364 * years + tail)
    year = np.minimum(days // 364, len(amplitude) - 1)
    level = np.where(days % 364 < 308, 1.0, 0.5) * np.asarray(amplitude)[year]
    return np.tile(WEEK, -(-len(days) // 7))[: len(days)] * level


def test_yearly_weeks_mean_moves_the_recent_level_as_earlier_years_moved():
    # Cutoff on day 308 of the fourth year: every earlier year halved over the next 28 days.
    y = _yearly_step(3, 308, [1.0, 1.5, 2.0, 3.0])
    out = predict("ymean", _panel(y), 28, {"holidays": False})[0]
    np.testing.assert_allclose(out, 3.0 * 0.5 * np.tile(WEEK, 4))
    # The plain 4-week mean keeps the recent level.
    np.testing.assert_allclose(predict("wmean", _panel(y), 28)[0], 3.0 * np.tile(WEEK, 4))


def test_yearly_weeks_mean_carries_a_holiday_factor_learnt_from_the_panel():
    days = pd.date_range("2021-01-04", "2024-11-15")
    y = np.where(day_classes(days, "US")["holiday"].notna(), 20.0, 10.0)  # busy on holidays
    panel = _panel(y, start=days[0].date())
    out = predict("ymean", panel, 14, {"country": "US"})[0]
    future = day_classes(panel.dates(panel.days, 14), "US")["holiday"].notna().to_numpy()
    assert future.sum() == 2  # Thanksgiving and the day after
    # Three Thanksgivings seen at twice the level, shrunk by 20 cases of ratio 1: × 1.6.
    # The history keeps a little of the shrunk-away excess (Mondays most): up to 6 % more.
    assert np.all((out[future] >= 16.0) & (out[future] < 17.0))
    assert np.all((out[~future] >= 10.0) & (out[~future] < 10.65))
    assert predict("ymean", panel, 14, {"holidays": False})[0][future].max() < 12.0


def test_yearly_weeks_mean_is_the_same_series_by_series():
    rng = np.random.default_rng(3)
    rows = [rng.poisson(lam, 900).astype(float) for lam in (0.2, 3.0, 12.0)]
    rows.append(np.zeros(900))
    # Holiday factors are pooled over the panel, so compare without them.
    plain = {"holidays": False}
    together = predict("ymean", _panel(*rows), 60, plain)
    for i, row in enumerate(rows):
        np.testing.assert_allclose(together[i], predict("ymean", _panel(row), 60, plain)[0])
    # Two 28-day blocks and a 4-day one, each with its own yearly change.
    assert together.shape == (4, 60) and np.all(np.isfinite(together))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_all_zero_series_forecast_zero(name):
    out = predict(name, _panel(np.zeros(120)), 10)
    np.testing.assert_allclose(out, 0.0, atol=1e-6)


@pytest.mark.parametrize("name", ["croston", "tsb", "adida", "wmean", "ymean"])
def test_one_case_a_month_is_forecast_as_a_small_daily_rate(name):
    y = np.zeros(360)
    y[345::-30] = 1.0  # the last case 14 days ago
    out = predict(name, _panel(y), 28)[0]
    total = out.sum()
    assert 0.4 < total < 1.6  # about one case in the next 28 days
    assert out.max() <= 0.25  # spread as a rate, not a spike
    assert np.all(out >= 0)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forecasts_are_never_negative(name):
    t = np.arange(200, dtype=float)
    y = np.clip(30 - 0.2 * t, 0, None)  # falling to zero
    out = predict(name, _panel(y), 28, {"holidays": False} if name == "prophet" else {})
    assert np.all(out >= 0)


def test_share_down_adds_up_to_the_parent():
    panel = _panel(np.full(84, 1.0), np.full(84, 3.0), np.full(84, 2.0), np.zeros(84))
    parent_of = np.array([0, 0, 1, 1])
    parent = np.array([[8.0, 4.0], [5.0, 5.0]])
    out = share_down(panel, parent_of, parent)
    np.testing.assert_allclose(out[:2].sum(axis=0), parent[0])
    np.testing.assert_allclose(out[2:].sum(axis=0), parent[1])
    np.testing.assert_allclose(out[0], [2.0, 1.0])  # a quarter of the parent
    np.testing.assert_allclose(out[3], 0.0)


def test_unknown_model_is_one_sentence():
    from forecasting import ForecastError

    with pytest.raises(ForecastError, match="Unknown model 'magic'"):
        predict("magic", _panel(np.ones(30)), 7)


def test_theta_learns_a_weekly_pattern():
    out = predict("theta", _panel(_weekly(30)), 14)
    np.testing.assert_allclose(out[0], np.tile(WEEK, 2), atol=1.0)


def test_ensemble_is_the_daily_median_of_its_members():
    rng = np.random.default_rng(3)
    y = rng.poisson(np.tile(WEEK, 30) * np.linspace(0.6, 1.4, 210)).astype(float)
    panel = _panel(y, y[::-1].copy())
    members = {m: predict(m, panel, 14) for m in ("ymean", "prophet", "wmean")}
    by_hand = np.empty((2, 14))
    for i in range(2):
        for d in range(14):
            by_hand[i, d] = sorted(members[m][i, d] for m in members)[1]
    np.testing.assert_allclose(predict("ensemble", panel, 14), by_hand)


def test_the_ensembles_candidate_backtest_reuses_its_members_and_matches_a_refit():
    from forecasting.forecaster import backtest_candidates, candidate_predictors

    rng = np.random.default_rng(5)
    panel = _panel(rng.poisson(np.tile(WEEK, 16)).astype(float))
    names = ("snaive", "ymean", "prophet", "wmean", "ensemble")
    predictors = candidate_predictors(panel, 14, names, 2, {})
    tests = backtest_candidates(panel, 14, predictors, 2)
    refit = backtest_candidates(panel, 14, {"ensemble": predictors["ensemble"]}, 2)["ensemble"]
    np.testing.assert_allclose(tests["ensemble"].yhat, refit.yhat, atol=1e-9)
    np.testing.assert_array_equal(tests["ensemble"].y, refit.y)
