"""Rolling-origin backtests: refit at several cutoffs, forecast the next days, keep the errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import ForecastError
from forecasting.intervals import PRIOR_INFLATION, calibration, count_interval, dispersion
from forecasting.series import Panel

__all__ = [
    "MIN_TRAIN_DAYS",
    "Backtest",
    "assemble",
    "backtest",
    "cutoff_positions",
    "history_needed",
    "seasonal_scale",
]

#: Days of history a model needs before the first cutoff.
MIN_TRAIN_DAYS = 56

Predictor = Callable[[Panel, int], np.ndarray]


def history_needed(horizon: int, n_cutoffs: int = 3, step: int | None = None) -> int:
    """Days of history a ``horizon``-day forecast with ``n_cutoffs`` backtest cutoffs needs."""
    return MIN_TRAIN_DAYS + horizon + (n_cutoffs - 1) * (step or horizon)


def cutoff_positions(
    days: int, horizon: int, n_cutoffs: int = 3, step: int | None = None
) -> list[int]:
    """Training lengths (days before each cutoff), oldest first; the last window ends the data."""
    step = step or horizon
    positions = [days - horizon - k * step for k in range(n_cutoffs - 1, -1, -1)]
    if positions[0] < MIN_TRAIN_DAYS:
        need = history_needed(horizon, n_cutoffs, step)
        raise ForecastError(
            f"The store covers {days} days; a {horizon}-day forecast with {n_cutoffs} backtest "
            f"cutoffs needs at least {need} days of history."
        )
    return positions


def seasonal_scale(y: np.ndarray) -> np.ndarray:
    """Mean |y_t − y_{t−7}| of each row: the in-sample error of the weekly seasonal naive."""
    if y.shape[1] <= 7:
        return np.full(y.shape[0], np.nan)
    return np.abs(y[:, 7:] - y[:, :-7]).mean(axis=1)


@dataclass
class Backtest:
    """Forecasts and actuals at every cutoff: arrays (series, cutoff, day).

    ``model`` names each series' model; interval widths are calibrated per model.
    """

    ids: np.ndarray
    cutoffs: pd.DatetimeIndex
    y: np.ndarray
    yhat: np.ndarray
    alpha: np.ndarray
    scale: np.ndarray
    model: np.ndarray

    def inflation(self) -> np.ndarray:
        """Variance inflation (series, cutoff), learnt from the earlier cutoffs only."""
        cached = self.__dict__.get("_inflation")
        if cached is None:
            k = self.y.shape[1]
            cached = np.empty((len(self.ids), k))
            for j in range(k):
                cached[:, j] = self.final_inflation(upto=j)
            self.__dict__["_inflation"] = cached
        return cached

    def final_inflation(self, upto: int | None = None, max_series: int = 500) -> np.ndarray:
        """Per-series variance inflation pooled over each model's series and the cutoffs
        before ``upto`` (default: all); a model's prior width when there are none. At most
        ``max_series`` evenly spaced series of a model are used (:func:`calibration`)."""
        upto = self.y.shape[1] if upto is None else upto
        out = np.ones(len(self.ids))
        for name in np.unique(self.model):
            rows = self.model == name
            if upto == 0:
                out[rows] = PRIOR_INFLATION.get(str(name), 1.0)
                continue
            y = self.y[rows, :upto].reshape(int(rows.sum()), -1)
            yhat = self.yhat[rows, :upto].reshape(int(rows.sum()), -1)
            alpha = self.alpha[rows, :upto].mean(axis=1)
            out[rows] = calibration(y, yhat, alpha, max_series=max_series)
        return out

    def squared_error(self) -> np.ndarray:
        """Σ(y − ŷ)² per series over all cutoffs and days."""
        return ((self.y - self.yhat) ** 2).sum(axis=(1, 2))

    def to_frame(self, levels: tuple[int, ...] = (80, 95)) -> pd.DataFrame:
        """Long frame ``unique_id, cutoff, ds, y, model, yhat, yhat_lo_L, yhat_hi_L…, scale``.

        Built once per set of levels (intervals are the costly part) and reused.
        """
        cache = self.__dict__.setdefault("_frames", {})
        if levels not in cache:
            cache[levels] = self._frame(levels)
        return cache[levels]

    def _frame(self, levels: tuple[int, ...]) -> pd.DataFrame:
        n, k, h = self.y.shape
        ds = np.array(
            [self.cutoffs[j] + pd.Timedelta(days=d + 1) for j in range(k) for d in range(h)]
        )
        frame = pd.DataFrame(
            {
                "unique_id": np.repeat(self.ids, k * h),
                "cutoff": np.tile(np.repeat(self.cutoffs.values, h), n),
                "ds": np.tile(ds, n),
                "y": self.y.reshape(-1),
                "model": np.repeat(self.model, k * h),
                "yhat": self.yhat.reshape(-1),
            }
        )
        for level in levels:
            lo, hi = self.interval(level)
            frame[f"yhat_lo_{level}"] = lo.reshape(-1)
            frame[f"yhat_hi_{level}"] = hi.reshape(-1)
        frame["scale"] = np.repeat(self.scale.reshape(-1), h)
        return frame

    def interval(self, level: int) -> tuple[np.ndarray, np.ndarray]:
        """Interval ends (series, cutoff, day) at ``level`` %."""
        lo = np.empty_like(self.yhat)
        hi = np.empty_like(self.yhat)
        inflation = self.inflation()
        for j in range(self.y.shape[1]):
            lo[:, j], hi[:, j] = count_interval(
                self.yhat[:, j], self.alpha[:, j], level, inflation[:, j]
            )
        return lo, hi

    def select(self, index: np.ndarray) -> Backtest:
        """The series at positions (or a mask) ``index``."""
        return Backtest(
            self.ids[index],
            self.cutoffs,
            self.y[index],
            self.yhat[index],
            self.alpha[index],
            self.scale[index],
            self.model[index],
        )


def backtest(
    panel: Panel,
    predictor: Predictor,
    horizon: int,
    n_cutoffs: int = 3,
    step: int | None = None,
    model: str = "",
) -> Backtest:
    """Refit ``predictor`` on the history before each cutoff and forecast ``horizon`` days.

    ``predictor(history_panel, horizon)`` returns point forecasts (series, horizon).
    Cutoffs are ``step`` days apart (default: the horizon), the last one ``horizon`` days
    before the store's last day. ``model`` names the model for its prior interval width.
    """
    positions = cutoff_positions(panel.days, horizon, n_cutoffs, step)
    yhat = np.stack([predictor(panel.head(t), horizon) for t in positions], axis=1)
    return assemble(panel, yhat, horizon, n_cutoffs, step, model)


def assemble(
    panel: Panel,
    yhat: np.ndarray,
    horizon: int,
    n_cutoffs: int = 3,
    step: int | None = None,
    model: str | np.ndarray = "",
) -> Backtest:
    """A backtest from forecasts made elsewhere: ``yhat`` is (series, cutoff, day).

    Used for upper levels whose forecasts are sums of a finer level's.
    """
    positions = cutoff_positions(panel.days, horizon, n_cutoffs, step)
    n = len(panel.ids)
    y = np.empty((n, len(positions), horizon))
    alpha = np.empty((n, len(positions)))
    scale = np.empty((n, len(positions)))
    for j, t in enumerate(positions):
        train = panel.head(t)
        y[:, j] = panel.y[:, t : t + horizon]
        alpha[:, j] = dispersion(train.y)
        scale[:, j] = seasonal_scale(train.y)
    yhat = np.clip(np.nan_to_num(yhat), 0.0, None)
    cutoffs = pd.DatetimeIndex(
        [pd.Timestamp(panel.start) + pd.Timedelta(days=t - 1) for t in positions]
    )
    labels = np.full(n, model, dtype=object) if isinstance(model, str) else np.asarray(model)
    return Backtest(panel.ids, cutoffs, y, yhat, alpha, scale, labels)
