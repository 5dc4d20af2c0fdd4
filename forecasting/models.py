"""The forecasting models: point forecasts for every series of a panel, never negative.

Every model has one signature, ``model(panel, horizon, **params) -> ndarray (series, horizon)``.
Baselines and the top-down share are numpy over the whole matrix; ETS, SARIMA and the
intermittent-demand models run in statsforecast; Prophet is fitted series by series.
Intervals are added separately (:mod:`forecasting.intervals`), the same way for every model.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from forecasting.errors import ForecastError
from forecasting.series import Panel

__all__ = [
    "MODELS",
    "ModelSpec",
    "adida",
    "croston",
    "ets",
    "holiday_factors",
    "prophet",
    "recent_weeks_mean",
    "sarima",
    "seasonal_naive",
    "share_down",
    "tsb",
    "yearly_weeks_mean",
]

ModelFn = Callable[..., np.ndarray]


def _workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def seasonal_naive(panel: Panel, horizon: int, **_: object) -> np.ndarray:
    """Weekly seasonal naive: each future day repeats the same weekday of the last week."""
    last = panel.y[:, -7:]
    reps = -(-horizon // 7)
    return np.tile(last, (1, reps))[:, :horizon].copy()


def recent_weeks_mean(panel: Panel, horizon: int, weeks: int = 4, **_: object) -> np.ndarray:
    """Mean of the last ``weeks`` weeks, weekday by weekday, repeated over the horizon."""
    weeks = max(1, min(int(weeks), panel.days // 7))
    block = panel.y[:, -7 * weeks :].reshape(len(panel.ids), weeks, 7).mean(axis=1)
    reps = -(-horizon // 7)
    return np.tile(block, (1, reps))[:, :horizon]


def yearly_weeks_mean(
    panel: Panel,
    horizon: int,
    weeks: int = 4,
    years: int = 5,
    profile_weeks: int = 52,
    holidays: bool = True,
    country: str = "CN",
    **_: object,
) -> np.ndarray:
    """The last ``weeks`` weeks' daily mean, moved as the same days moved in earlier years,
    times each weekday's share of the last ``profile_weeks`` weeks.

    The yearly change for each 28-day block of the horizon is the ratio, summed over up to
    ``years`` earlier years (364 days apart, so weekdays line up), of that block's mean to
    the mean of the ``weeks`` weeks before the cutoff in that year. A block with no earlier
    year in the history (or no cases then) keeps ratio 1: with under a year of history this
    is the recent mean times the weekday profile. Case counts with a yearly cycle (pests in
    summer) are what the plain 4-week mean and the seasonal naive get wrong in the autumn.
    With ``holidays`` each holiday class of ``country`` gets a factor learnt from the whole
    panel (:func:`holiday_factors`): history is divided by it and future holidays multiplied.
    """
    n, t = panel.y.shape
    y = panel.y.astype(float)
    future = np.ones(horizon)
    if holidays and t >= 28:
        from forecasting.holidays import day_classes

        factor = holiday_factors(panel, country)
        past = day_classes(panel.dates(0, t), country)["holiday"]
        y = y / past.map(factor).fillna(1.0).to_numpy()[None, :]
        ahead = day_classes(panel.dates(t, horizon), country)["holiday"]
        future = ahead.map(factor).fillna(1.0).to_numpy()
    span = 7 * max(1, min(int(weeks), t // 7))
    level = y[:, t - span :].mean(axis=1)
    ratio = np.ones((n, horizon))
    for lo in range(0, horizon, 28):
        hi = min(horizon, lo + 28)
        after = np.zeros(n)
        before = np.zeros(n)
        for k in range(1, int(years) + 1):
            end = t - 364 * k
            if end - span < 0 or end + hi > t:
                continue
            after += y[:, end + lo : end + hi].mean(axis=1)
            before += y[:, end - span : end].mean(axis=1)
        known = (after > 0) & (before > 0)
        ratio[known, lo:hi] = (after[known] / before[known])[:, None]
    pw = max(1, min(int(profile_weeks), t // 7))
    profile = y[:, t - 7 * pw :].reshape(n, pw, 7).sum(axis=1)
    total = profile.sum(axis=1, keepdims=True)
    profile = np.where(total > 0, 7 * profile / np.where(total > 0, total, 1), 1.0)
    pattern = np.tile(profile, (1, -(-horizon // 7)))[:, :horizon]
    return level[:, None] * ratio * pattern * future[None, :]


def holiday_factors(panel: Panel, country: str = "CN", prior: float = 20.0) -> dict[str, float]:
    """Each holiday class's ratio of the panel's total on its days to the mean of the same
    weekday one and two weeks around them (ordinary days only), with ``prior`` cases of
    ratio 1 added so that a class seen on few cases stays near 1."""
    from forecasting.holidays import day_classes

    total = panel.y.sum(axis=0).astype(float)
    klass = day_classes(panel.dates(0, panel.days), country)["holiday"].to_numpy()
    plain = np.where(pd.isna(klass), total, np.nan)  # other holidays are no reference
    sums = np.zeros(len(total))
    counts = np.zeros(len(total))
    for lag in (-14, -7, 7, 14):
        row = np.full(len(total), np.nan)
        if lag > 0:
            row[lag:] = plain[:-lag]
        else:
            row[:lag] = plain[-lag:]
        sums += np.nan_to_num(row)
        counts += np.isfinite(row)
    around = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    out = {}
    for name in {k for k in klass if k is not None}:
        days = (klass == name) & np.isfinite(around)
        out[name] = float((total[days].sum() + prior) / (around[days].sum() + prior))
    return out


def share_down(
    panel: Panel,
    parent_of: np.ndarray,
    parent_forecast: np.ndarray,
    window: int = 364,
) -> np.ndarray:
    """Top-down forecasts: the parent's forecast times each child's share of the last days.

    ``parent_of[i]`` is the row of child ``i``'s parent in ``parent_forecast``. Shares are
    taken over the last ``window`` days; a parent with no recent cases splits evenly.
    The children of a parent add up exactly to the parent's forecast.
    """
    recent = panel.y[:, -window:].sum(axis=1)
    n_parents = parent_forecast.shape[0]
    totals = np.bincount(parent_of, weights=recent, minlength=n_parents)
    counts = np.bincount(parent_of, minlength=n_parents)
    share = np.where(
        totals[parent_of] > 0,
        recent / np.where(totals[parent_of] > 0, totals[parent_of], 1),
        1.0 / np.maximum(counts[parent_of], 1),
    )
    return parent_forecast[parent_of] * share[:, None]


def _statsforecast(panel: Panel, horizon: int, model, history: int) -> np.ndarray:
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    part = panel.tail(history)
    n, t = part.y.shape
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n), t),
            "ds": np.tile(np.arange(t), n),
            "y": part.y.reshape(-1),
        }
    )
    jobs = _workers() if n >= 64 else 1
    engine = StatsForecast(
        models=[model], freq=1, n_jobs=jobs, fallback_model=SeasonalNaive(season_length=7)
    )
    out = engine.forecast(df=frame, h=horizon)
    values = out[model.alias if hasattr(model, "alias") else str(model)].to_numpy()
    order = out["unique_id"].to_numpy()
    result = np.zeros((n, horizon))
    result[order.reshape(n, horizon)[:, 0]] = values.reshape(n, horizon)
    return np.nan_to_num(result)


def ets(
    panel: Panel,
    horizon: int,
    trend: str = "A",
    damped: bool = True,
    season: str = "A",
    history: int = 728,
    **_: object,
) -> np.ndarray:
    """Exponential smoothing with weekly season (statsforecast ETS; ``Z`` lets it choose).

    The default spec A,Ad,A is fixed (about 4× faster than a full AutoETS search).
    """
    from statsforecast.models import AutoETS

    spec = f"A{trend}{season}"
    model = AutoETS(season_length=7, model=spec, damped=damped if trend != "N" else False)
    return _statsforecast(panel, horizon, model, history)


def sarima(panel: Panel, horizon: int, history: int = 364, **_: object) -> np.ndarray:
    """SARIMA(1,0,1)(0,1,1)₇ (statsforecast ARIMA with a fixed order)."""
    from statsforecast.models import ARIMA

    model = ARIMA(order=(1, 0, 1), seasonal_order=(0, 1, 1), season_length=7)
    return _statsforecast(panel, horizon, model, history)


def croston(panel: Panel, horizon: int, history: int = 364, **_: object) -> np.ndarray:
    """Croston's method with optimised smoothing, for series with many zero days."""
    from statsforecast.models import CrostonOptimized

    return _statsforecast(panel, horizon, CrostonOptimized(), history)


def tsb(
    panel: Panel,
    horizon: int,
    alpha_d: float = 0.1,
    alpha_p: float = 0.1,
    history: int = 364,
    **_: object,
) -> np.ndarray:
    """Teunter–Syntetos–Babai: demand size times probability of a case, for sparse series."""
    from statsforecast.models import TSB

    return _statsforecast(panel, horizon, TSB(alpha_d=alpha_d, alpha_p=alpha_p), history)


def adida(panel: Panel, horizon: int, history: int = 364, **_: object) -> np.ndarray:
    """ADIDA: forecast the counts aggregated over the mean inter-case interval, then spread."""
    from statsforecast.models import ADIDA

    return _statsforecast(panel, horizon, ADIDA(), history)


def prophet(
    panel: Panel,
    horizon: int,
    holidays: bool = True,
    country: str = "CN",
    changepoint_prior_scale: float = 0.05,
    seasonality_prior_scale: float = 10.0,
    seasonality_mode: str = "additive",
    yearly: bool | None = None,
    history: int = 3 * 365,
    **_: object,
) -> np.ndarray:
    """Prophet per series with weekly and yearly seasonality and a country's holiday classes.

    Holidays enter as the classes of :mod:`forecasting.holidays` for ``country`` (``CN``
    or ``US``) and China's make-up working day (调休) as a regressor. Only the future days are predicted, without sampling.
    """
    from forecasting.holidays import day_classes

    _quiet_prophet()
    days = panel.dates(0, panel.days + horizon)
    calendar = day_classes(days, country) if holidays else None
    yearly = panel.days >= 2 * 365 if yearly is None else yearly
    settings = {
        "changepoint_prior_scale": changepoint_prior_scale,
        "seasonality_prior_scale": seasonality_prior_scale,
        "seasonality_mode": seasonality_mode,
        "yearly": yearly,
    }

    job = partial(_prophet_one, days=days, horizon=horizon, calendar=calendar, settings=settings)
    if len(panel.ids) < 8 or _workers() == 1:
        return np.vstack([job(row) for row in panel.y])
    # Prophet's Python side holds the GIL, so threads do not help; forked workers do.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=_workers(), mp_context=context) as pool:
        return np.vstack(list(pool.map(job, panel.y, chunksize=4)))


def _quiet_prophet() -> None:
    import logging

    from cmdstanpy.utils.logging import get_logger

    # cmdstanpy reports every chain start and stop at INFO level; its logger is set up
    # on first use, so set it up now and then quieten it.
    get_logger().setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)


def _prophet_one(
    row: np.ndarray,
    days: pd.DatetimeIndex,
    horizon: int,
    calendar: pd.DataFrame | None,
    settings: dict,
) -> np.ndarray:
    from prophet import Prophet

    t = len(row)
    if not np.any(row):
        return np.zeros(horizon)
    holidays = None
    if calendar is not None:
        marked = calendar.dropna(subset=["holiday"])
        holidays = marked[["holiday", "ds"]].copy() if len(marked) else None
    model = Prophet(
        yearly_seasonality=settings["yearly"],
        weekly_seasonality=True,
        daily_seasonality=False,
        holidays=holidays,
        changepoint_prior_scale=settings["changepoint_prior_scale"],
        seasonality_prior_scale=settings["seasonality_prior_scale"],
        seasonality_mode=settings["seasonality_mode"],
        uncertainty_samples=0,
    )
    history = pd.DataFrame({"ds": days[:t], "y": row})
    future = pd.DataFrame({"ds": days[t:]})
    if calendar is not None and calendar["makeup_workday"].iloc[:t].any():
        model.add_regressor("makeup_workday")
        history["makeup_workday"] = calendar["makeup_workday"].iloc[:t].to_numpy(float)
        future["makeup_workday"] = calendar["makeup_workday"].iloc[t:].to_numpy(float)
    model.fit(history)
    return model.predict(future)["yhat"].to_numpy()


@dataclass(frozen=True)
class ModelSpec:
    """A model in the registry: its function, whether it is vectorised, and its cost class."""

    name: str
    fn: ModelFn
    fast: bool
    description: str


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("snaive", seasonal_naive, True, "weekly seasonal naive"),
        ModelSpec("wmean", recent_weeks_mean, True, "mean of the last 4 weeks by weekday"),
        ModelSpec(
            "ymean", yearly_weeks_mean, True, "4-week mean × last years' change × weekday profile"
        ),
        ModelSpec("ets", ets, False, "exponential smoothing A,Ad,A with weekly season"),
        ModelSpec("sarima", sarima, False, "SARIMA(1,0,1)(0,1,1)7"),
        ModelSpec("prophet", prophet, False, "Prophet with holiday classes and yearly season"),
        ModelSpec("croston", croston, True, "Croston (optimised) for sparse series"),
        ModelSpec("tsb", tsb, True, "TSB for sparse series"),
        ModelSpec("adida", adida, True, "ADIDA for sparse series"),
    )
}


def _register_combined() -> None:
    from forecasting.combined import ensemble, theta

    MODELS["theta"] = ModelSpec("theta", theta, False, "Theta with weekly season, optimised")
    MODELS["ensemble"] = ModelSpec(
        "ensemble", ensemble, False, "median of ymean, Prophet and the 4-week weekday mean"
    )


_register_combined()


def predict(name: str, panel: Panel, horizon: int, params: dict | None = None) -> np.ndarray:
    """Point forecasts of model ``name`` for every series, clipped at zero."""
    spec = MODELS.get(name)
    if spec is None:
        raise ForecastError(f"Unknown model {name!r}; use auto or one of {', '.join(MODELS)}.")
    if len(panel.ids) == 0:
        return np.zeros((0, horizon))
    from forecasting.fits import fitted  # forecasts made on Spark's executors, if any

    out = fitted(name, panel, horizon, params)
    if out is None:
        out = spec.fn(panel, horizon, **(params or {}))
    return np.clip(np.nan_to_num(out), 0.0, None)
