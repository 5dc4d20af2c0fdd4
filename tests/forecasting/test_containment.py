"""Every interval holds its own forecast: a property test over every model and level (hypothesis)."""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from forecasting.forecaster import MODEL_CHOICES, LevelForecast, forecast_panel
from forecasting.intervals import count_interval
from forecasting.models import MODELS
from forecasting.series import Panel

HORIZON = 7
SLOW = tuple(name for name, spec in MODELS.items() if not spec.fast)
FAST = tuple(name for name in MODEL_CHOICES if name not in SLOW and name != "auto")
levels = st.integers(50, 99)


def _contains(yhat: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
    assert np.all(lo <= yhat) and np.all(yhat <= hi)
    assert np.all(lo >= 0) and np.all(lo == np.round(lo))  # a whole number of cases
    # The upper end is a whole number or the forecast itself (below ⌊yhat⌋ + 1).
    assert np.all((hi == np.round(hi)) | (hi == yhat))


def _panel(rates: list[float], days: int, seed: int) -> Panel:
    rng = np.random.default_rng(seed)
    weekly = np.array([1.3, 1.1, 1.0, 1.0, 1.0, 0.7, 0.6])
    mean = np.asarray(rates)[:, None] * np.resize(weekly, days)[None, :]
    ids = np.array([f"u{i}" for i in range(len(rates))], dtype=object)
    return Panel(ids, date(2024, 1, 1), rng.poisson(mean).astype(float))


def _forecast(name: str, panel: Panel) -> LevelForecast:
    """``name`` alone at a level (``auto``: every fast candidate), backtested at 2 cutoffs."""
    parent = None
    if name in ("share", "auto"):
        city = Panel(np.array(["city"], dtype=object), panel.start, panel.y.sum(0, keepdims=True))
        top = forecast_panel(city, HORIZON, ("wmean",), n_cutoffs=2, baseline=False)
        parent = (top, np.zeros(len(panel.ids), dtype=int))
    candidates = ("snaive", "wmean", "ymean", "tsb", "share") if name == "auto" else (name,)
    params = {"ymean": {"holidays": True, "country": "CN"}}
    return forecast_panel(
        panel,
        HORIZON,
        candidates,
        n_cutoffs=2,
        params=params,
        parent=parent,
        baseline=name == "auto",
    )


def _check_every_interval(result: LevelForecast, level: int) -> None:
    _contains(result.yhat, *result.interval(level))
    _contains(result.backtest.yhat, *result.backtest.interval(level))
    frame = result.to_frame(level)
    _contains(frame["yhat"].to_numpy(), frame["yhat_lo"].to_numpy(), frame["yhat_hi"].to_numpy())


@settings(max_examples=400, deadline=None)
@given(
    st.floats(0, 1e5, allow_subnormal=False) | st.floats(0, 3, allow_subnormal=False),
    st.floats(0, 5),
    st.floats(1e-4, 50),
    levels,
)
def test_count_interval_holds_any_forecast(yhat, alpha, inflate, level):
    point = np.array([[yhat]])
    lo, hi = count_interval(point, np.array([alpha]), level, inflate)
    _contains(point, lo, hi)
    if yhat == 0:
        assert lo[0, 0] == hi[0, 0] == 0


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from((*FAST, "auto")),
    st.lists(st.sampled_from([0.0, 0.05, 0.3, 1.0, 4.0, 40.0, 900.0]), min_size=2, max_size=4),
    st.integers(70, 200),
    st.integers(0, 10_000),
    levels,
)
# Two silent series of three: the median volume is 0, and the quiet third one's dispersion
# was 0/0 (NaN) until a series without volume borrowed the pooled value.
@example("snaive", [0.0, 4.0, 0.05], 70, 50, 50)
def test_fast_models_hold_their_forecast_at_every_level(name, rates, days, seed, level):
    _check_every_interval(_forecast(name, _panel(rates, days, seed)), level)


@cache
def _slow_result(name: str) -> LevelForecast:
    return _forecast(name, _panel([0.2, 3.0, 250.0], 150, seed=5))


@pytest.mark.parametrize("name", SLOW)
@settings(max_examples=30, deadline=None)
@given(level=levels)
def test_per_series_models_hold_their_forecast_at_every_level(name, level):
    _check_every_interval(_slow_result(name), level)


def test_every_model_is_covered():
    assert set(FAST) | set(SLOW) | {"auto"} == set(MODEL_CHOICES)
