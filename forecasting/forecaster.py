"""Forecasting a level of the hierarchy: backtest the candidates, choose per unit, add up.

The requested level is forecast by every candidate model at several cutoffs; each unit
keeps the model with the lowest backtest squared error (the weekly seasonal naive is a
candidate and wins ties, so ``auto`` is never worse than it on the backtest). Per-series models (ETS,
Prophet) run only where a level has few units; the finest coarser level that is small
enough is forecast with them and shared down to the requested level by each unit's recent
proportion (the *share* candidate, the one that carries holidays and the yearly cycle to
grids). The coarser levels are then the exact sums of the requested level's forecasts
(bottom-up), so they add up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from forecasting.backtest import Backtest, assemble, backtest, cutoff_positions, history_needed
from forecasting.combined import ENSEMBLE_MEMBERS
from forecasting.errors import ForecastError, Progress
from forecasting.holidays import COUNTRIES, holiday_params
from forecasting.intervals import count_interval, dispersion
from forecasting.models import MODELS, predict, recent_weeks_mean, share_down
from forecasting.reconcile import bottom_up, membership
from forecasting.series import LEVELS, Panel, data_gaps, extract_panel, hierarchy, timezone_of

__all__ = [
    "FEW_CANDIDATES",
    "MANY_CANDIDATES",
    "Forecast",
    "LevelForecast",
    "backtest_candidates",
    "candidate_names",
    "candidate_predictors",
    "check_request",
    "filled_params",
    "forecast_hierarchy",
    "forecast_panel",
    "holiday_choice",
    "model_candidates",
    "parent_positions",
]

#: Candidates of ``auto`` at a level with few units (per-series models are affordable); the
#: ``ensemble`` (the median of ``ymean``, Prophet and ``wmean``) comes after its members, whose
#: backtests it reuses.
FEW_CANDIDATES: tuple[str, ...] = ("snaive", "wmean", "ymean", "tsb", "ets", "prophet", "ensemble")
#: Candidates at a level with many units: vectorised models and the top-down share.
MANY_CANDIDATES: tuple[str, ...] = ("snaive", "wmean", "ymean", "tsb", "share")
#: A level with more units than this is forecast with :data:`MANY_CANDIDATES`; per-series
#: models cost about 2 s a unit on this machine (4 fits of Prophet and ETS), so 60 units keep
#: a run within a minute or two.
MAX_PER_SERIES_UNITS = 60

MODEL_CHOICES: tuple[str, ...] = ("auto", *MODELS, "share")

#: Models that take the store's holiday calendar (``holidays``, ``country``).
HOLIDAY_MODELS: tuple[str, ...] = ("prophet", "ymean", "ensemble")

#: An analyst's holiday calendar choice: from the store's time zone, one country, or none.
HOLIDAY_CHOICES: tuple[str, ...] = ("auto", *COUNTRIES, "none")


def holiday_choice(choice: str = "auto") -> dict:
    """``params`` for :func:`forecast_hierarchy` from a holiday calendar choice.

    ``auto`` leaves the calendar to the store's time zone (China's for a Chinese zone, the
    US federal holidays for a US one, none otherwise); ``CN``/``US`` force that calendar;
    ``none`` turns holidays off.
    """
    if choice not in HOLIDAY_CHOICES:
        raise ForecastError(
            f"Unknown holiday calendar {choice!r}; use one of {', '.join(HOLIDAY_CHOICES)}."
        )
    if choice == "auto":
        return {}
    setting = {"holidays": False} if choice == "none" else {"country": choice}
    return {name: dict(setting) for name in HOLIDAY_MODELS}


#: Days over which ``share`` measures each unit's part of its parent: a whole year, so a
#: unit busier in summer than its parent is not over- or under-weighted by the season.
SHARE_WINDOW = 364


@dataclass
class LevelForecast:
    """Forecasts of every unit of one level: the chosen model, its point forecasts and backtest."""

    level: str
    ids: np.ndarray
    dates: pd.DatetimeIndex
    model: np.ndarray
    yhat: np.ndarray
    alpha: np.ndarray
    inflation: np.ndarray
    backtest: Backtest
    candidates: dict[str, Backtest] = field(default_factory=dict)

    def interval(self, level_pct: float) -> tuple[np.ndarray, np.ndarray]:
        """Interval ends (unit, day) at ``level_pct`` %."""
        return count_interval(self.yhat, self.alpha, level_pct, self.inflation)

    def to_frame(self, level_pct: float = 80) -> pd.DataFrame:
        """The contract's long format ``unique_id, ds, model, yhat, yhat_lo, yhat_hi``."""
        lo, hi = self.interval(level_pct)
        n, h = self.yhat.shape
        return pd.DataFrame(
            {
                "unique_id": np.repeat(self.ids, h),
                "ds": np.tile(self.dates.values, n),
                "model": np.repeat(self.model, h),
                "yhat": self.yhat.reshape(-1),
                "yhat_lo": lo.reshape(-1),
                "yhat_hi": hi.reshape(-1),
            }
        )


@dataclass
class Forecast:
    """A forecast of one level and the levels above it (added up from it)."""

    level: str
    horizon: int
    model: str
    levels: dict[str, LevelForecast]
    parameters: dict
    #: Per level, the last backtest window's scores as ``auto`` would have forecast it from
    #: the earlier windows' choice (:func:`forecasting.outofsample.run_out_of_sample`).
    out_of_sample: dict = field(default_factory=dict)

    @property
    def base(self) -> LevelForecast:
        """The requested level."""
        return self.levels[self.level]


Predictor = Callable[[Panel, int], np.ndarray]


class _Steps:
    """Counts work for a :data:`Progress` callback: one step per unit and model pass."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = max(total, 1)
        self.done = 0

    def advance(self, steps: int) -> None:
        self.done = min(self.total, self.done + steps)
        if self.progress is not None:
            self.progress(self.done, self.total)


def _share_predictor(
    parent: LevelForecast, parent_of: np.ndarray, positions: list[int], window: int
) -> Predictor:
    """Top-down forecasts; units without a known parent fall back to their 4-week mean."""
    by_length = {t: parent.backtest.yhat[:, j] for j, t in enumerate(positions)}
    known = parent_of >= 0

    def run(train: Panel, horizon: int) -> np.ndarray:
        parent_yhat = by_length.get(train.days, parent.yhat)[:, :horizon]
        out = recent_weeks_mean(train, horizon)
        if known.any():
            out[known] = share_down(train.select(known), parent_of[known], parent_yhat, window)
        return out

    return run


def _predictor(name: str, params: dict) -> Predictor:
    def run(train: Panel, horizon: int) -> np.ndarray:
        return predict(name, train, horizon, params.get(name))

    return run


def forecast_panel(
    panel: Panel,
    horizon: int,
    candidates: tuple[str, ...],
    *,
    level: str = "",
    n_cutoffs: int = 3,
    params: dict | None = None,
    parent: tuple[LevelForecast, np.ndarray] | None = None,
    tuned: dict[str, dict] | None = None,
    baseline: bool = True,
    steps: _Steps | None = None,
) -> LevelForecast:
    """Backtest every candidate, choose per unit by squared error, and forecast the next days.

    ``params`` maps a model name to its keyword arguments; ``parent`` is the coarser level's
    forecast with each unit's parent row (needed by ``share``); ``tuned`` maps a unit id to
    a saved setting ``{"model": …, "params": {…}}`` that overrides the choice for that unit.
    With ``baseline`` the weekly seasonal naive is always among the candidates.
    """
    params = params or {}
    candidates = candidate_names(candidates, parent is not None, baseline)
    predictors = candidate_predictors(panel, horizon, candidates, n_cutoffs, params, parent)
    tests = backtest_candidates(panel, horizon, predictors, n_cutoffs, steps)
    choice = _choose(tests, candidates)
    chosen = np.asarray(candidates, dtype=object)[choice]
    yhat = np.zeros((len(panel.ids), horizon))
    cube = np.zeros((len(panel.ids), n_cutoffs, horizon))
    for name in candidates:
        rows = chosen == name
        if not rows.any():
            continue
        cube[rows] = tests[name].yhat[rows]
        if MODELS.get(name) is not None and not MODELS[name].fast and not rows.all():
            yhat[rows] = predict(name, panel.select(rows), horizon, params.get(name))
        else:
            yhat[rows] = predictors[name](panel, horizon)[rows]
    if tuned:
        _apply_tuned(panel, horizon, n_cutoffs, tuned, chosen, yhat, cube)
    if steps:
        steps.advance(len(panel.ids))
    yhat = np.clip(yhat, 0.0, None)
    result_bt = assemble(panel, cube, horizon, n_cutoffs, model=chosen)
    return LevelForecast(
        level=level,
        ids=panel.ids,
        dates=panel.dates(panel.days, horizon),
        model=chosen,
        yhat=yhat,
        alpha=dispersion(panel.y),
        inflation=result_bt.final_inflation(),
        backtest=result_bt,
        candidates=tests,
    )


def candidate_names(
    candidates: tuple[str, ...], has_parent: bool, baseline: bool = True
) -> tuple[str, ...]:
    """The candidates a level really gets: ``share`` only under a parent forecast, and the
    weekly seasonal naive first when ``baseline`` (it wins ties)."""
    candidates = tuple(c for c in candidates if c != "share" or has_parent)
    if baseline and "snaive" not in candidates:
        candidates = ("snaive", *candidates)
    return candidates


def candidate_predictors(
    panel: Panel,
    horizon: int,
    candidates: tuple[str, ...],
    n_cutoffs: int,
    params: dict,
    parent: tuple[LevelForecast, np.ndarray] | None = None,
) -> dict[str, Predictor]:
    """Each candidate's predictor ``(history, horizon) -> yhat``; ``share`` reads the
    parent's backtest forecast made at the same cutoff (``n_cutoffs`` as the parent's)."""
    positions = cutoff_positions(panel.days, horizon, n_cutoffs)
    predictors: dict[str, Predictor] = {}
    for name in candidates:
        if name == "share":
            window = int(params.get("share", {}).get("window", SHARE_WINDOW))
            predictors[name] = _share_predictor(parent[0], parent[1], positions, window)
        else:
            predictors[name] = _predictor(name, params)
    return predictors


def backtest_candidates(
    panel: Panel,
    horizon: int,
    predictors: dict[str, Predictor],
    n_cutoffs: int,
    steps: _Steps | None = None,
) -> dict[str, Backtest]:
    """Each candidate's backtest. The ``ensemble``'s, when its members were candidates
    before it, is the day-by-day median of theirs (the same forecasts, no second fit)."""
    tests: dict[str, Backtest] = {}
    for name, run in predictors.items():
        if name == "ensemble" and all(m in tests for m in ENSEMBLE_MEMBERS):
            first = tests[ENSEMBLE_MEMBERS[0]]
            middle = np.median(np.stack([tests[m].yhat for m in ENSEMBLE_MEMBERS]), axis=0)
            label = np.full(len(first.ids), name, dtype=object)
            tests[name] = Backtest(
                first.ids, first.cutoffs, first.y, middle, first.alpha, first.scale, label
            )
        else:
            tests[name] = backtest(panel, run, horizon, n_cutoffs, model=name)
        if steps:
            steps.advance(len(panel.ids))
    return tests


def _choose(tests: dict[str, Backtest], candidates: tuple[str, ...]) -> np.ndarray:
    """Per unit, the candidate with the lowest backtest squared error.

    Forecasts are expected counts (they are summed up the hierarchy), and squared error is
    the score that rewards the right expectation; absolute-error scores (MAE, MASE, WAPE)
    reward forecasting the median, which for a grid with a case every few days is zero, so
    choosing by them would make grids add up to far too little. Ties go to the earlier
    candidate; the seasonal naive comes first.
    """
    error = np.vstack([tests[c].squared_error() for c in candidates])
    # Round so that numerically equal scores tie and the simpler model keeps the unit.
    return np.argmin(np.round(error, 9), axis=0)


def _apply_tuned(
    panel: Panel,
    horizon: int,
    n_cutoffs: int,
    tuned: dict[str, dict],
    chosen: np.ndarray,
    yhat: np.ndarray,
    cube: np.ndarray,
) -> None:
    index = {uid: i for i, uid in enumerate(panel.ids)}
    for uid, setting in tuned.items():
        i = index.get(uid)
        name = setting.get("model")
        if i is None or name not in MODELS:
            continue
        one = panel.select(np.array([i]))
        run = _predictor(name, {name: setting.get("params", {})})
        cube[i] = backtest(one, run, horizon, n_cutoffs, model=name).yhat[0]
        yhat[i] = run(one, horizon)[0]
        chosen[i] = name


def _upper_level(
    base: LevelForecast, tree: pd.DataFrame, level: str, panel: Panel, n_cutoffs: int
) -> LevelForecast:
    """A coarser level as the exact sum of ``base`` (bottom-up), with its own backtest."""
    ids, yhat = bottom_up(base.yhat, base.ids, tree, base.level, level)
    _, cube = bottom_up(base.backtest.yhat, base.ids, tree, base.level, level)
    # Align to the coarser level's own series (units without forecasts get zeros).
    rows = pd.Index(ids).get_indexer(pd.Index(panel.ids))
    full_yhat = np.where(rows[:, None] >= 0, yhat[np.maximum(rows, 0)], 0.0)
    full_cube = np.where(rows[:, None, None] >= 0, cube[np.maximum(rows, 0)], 0.0)
    horizon = yhat.shape[1]
    label = np.full(len(panel.ids), "bottom_up", dtype=object)
    bt = assemble(panel, full_cube, horizon, n_cutoffs, model=label)
    return LevelForecast(
        level=level,
        ids=panel.ids,
        dates=base.dates,
        model=label,
        yhat=full_yhat,
        alpha=dispersion(panel.y),
        inflation=bt.final_inflation(),
        backtest=bt,
    )


def check_request(level: str, horizon: int, model: str) -> None:
    """Raise :class:`ForecastError` for an unknown level or model or a horizon outside 1–366."""
    if level not in LEVELS:
        raise ForecastError(f"Unknown level {level!r}; use one of {', '.join(LEVELS)}.")
    if model not in MODEL_CHOICES:
        raise ForecastError(f"Unknown model {model!r}; use one of {', '.join(MODEL_CHOICES)}.")
    if not isinstance(horizon, int) or not 1 <= horizon <= 366:
        raise ForecastError("The horizon must be a whole number of days from 1 to 366.")


def filled_params(params: dict | None, timezone: str | None) -> dict:
    """``params`` with the holiday-aware models' calendar filled in from the time zone."""
    params = dict(params or {})
    for name in HOLIDAY_MODELS:
        params[name] = holiday_params(params.get(name), timezone)
    return params


def model_candidates(model: str, n_units: int, max_units: int = MAX_PER_SERIES_UNITS):
    """The candidates of a request: with ``auto`` the per-series models and ``share`` for up
    to ``max_units`` units, the vectorised ones above; otherwise the one model asked for."""
    if model != "auto":
        return (model,)
    return MANY_CANDIDATES if n_units > max_units else (*FEW_CANDIDATES, "share")


def forecast_hierarchy(
    engine: Engine,
    level: str,
    horizon: int,
    model: str = "auto",
    *,
    n_cutoffs: int = 3,
    params: dict | None = None,
    tuned: dict[str, dict] | None = None,
    max_per_series_units: int = MAX_PER_SERIES_UNITS,
    progress: Progress | None = None,
) -> Forecast:
    """Forecast ``level`` and, added up from it, every coarser level up to the city.

    ``model`` is ``auto`` (choose per unit by backtest) or one model name for every unit.
    ``params`` maps model names to keyword arguments (e.g. ``{"prophet": {...}}``);
    ``tuned`` maps unit ids of ``level`` to saved settings. The coarser levels are the
    exact sums of ``level``'s forecasts (bottom-up). ``engine`` may also be a source that
    runs the series' statements elsewhere (lake.forecast: on Spark).
    """
    check_request(level, horizon, model)
    params = filled_params(params, timezone_of(engine))
    panels = {lv: extract_panel(engine, lv) for lv in LEVELS[LEVELS.index(level) :]}
    panels, history = usable_history(panels, horizon, n_cutoffs)
    base_panel = panels[level]
    cutoff_positions(base_panel.days, horizon, n_cutoffs)  # fails early on short history
    tree = hierarchy(engine, level)
    n_base = len(base_panel.ids)
    steps = _Steps(progress, n_base * (len(FEW_CANDIDATES) + 4) + 8 * (len(FEW_CANDIDATES) + 1))
    parent = None
    if model in ("share", "auto") and level != "city":
        parent = _parent_forecast(
            panels, tree, level, horizon, n_cutoffs, params, max_per_series_units, steps
        )
        if parent is None and model == "share":
            raise ForecastError(f"The {level} level has no coarser level to share down from.")
    candidates = model_candidates(model, len(base_panel.ids), max_per_series_units)
    base = forecast_panel(
        base_panel,
        horizon,
        candidates,
        level=level,
        n_cutoffs=n_cutoffs,
        params=params,
        parent=parent,
        tuned=tuned,
        baseline=model == "auto",
        steps=steps,
    )
    levels = {level: base}
    for upper in LEVELS[LEVELS.index(level) + 1 :]:
        levels[upper] = _upper_level(base, tree, upper, panels[upper], n_cutoffs)
    from forecasting.outofsample import run_out_of_sample

    honest = run_out_of_sample(levels, level, panels, tree, horizon, n_cutoffs, params, parent)
    steps.advance(steps.total)
    settings = {
        "n_cutoffs": n_cutoffs,
        "candidates": list(candidates),
        "params": params,
        **history,
    }
    return Forecast(level, horizon, model, levels, settings, honest)


def usable_history(
    panels: dict[str, Panel], horizon: int, n_cutoffs: int = 3
) -> tuple[dict[str, Panel], dict]:
    """The panels cut to the history a forecast can trust, and what was done about gaps.

    A store-wide run of empty days where cases were expected (:func:`data_gaps`) is missing
    data. If the days after the last such gap are enough for the backtests, only those are
    used; if not, but the store's days outside its gaps would be, the whole history is kept
    (the gap counted as days without cases) with a warning; otherwise the history is mostly
    gap and the forecast is refused. The returned dict (``history_days``, ``gap`` and
    ``notes``, one plain sentence each) goes into the run's parameters.
    """
    city = panels["city"] if "city" in panels else next(iter(panels.values()))
    days = city.days
    gaps = data_gaps(city)
    if not gaps:
        return panels, {"history_days": days, "notes": []}
    last = gaps[-1]
    need = history_needed(horizon, n_cutoffs)
    after = days - last.offset - last.days
    span = f"from {last.first} to {last.last} ({last.days:,} days)"
    info = {"first": str(last.first), "last": str(last.last), "days": last.days}
    if after >= need:
        note = (
            f"The store has no cases {span}, a gap in the data, so the forecast uses only "
            f"the {after:,} days after it."
        )
        trimmed = {lv: p.tail(after) for lv, p in panels.items()}
        return trimmed, {"history_days": after, "gap": info, "notes": [note]}
    with_cases = days - sum(g.days for g in gaps)
    if with_cases >= need:
        note = (
            f"The store has no cases {span}, a gap in the data that counts as days without "
            "cases, so the forecast is less reliable than its backtest scores say."
        )
        return panels, {"history_days": days, "gap": info, "notes": [note]}
    raise ForecastError(
        f"The store has no cases {span}, a gap in the data, and holds only {with_cases:,} "
        f"days outside its gaps ({after:,} after the last one); a {horizon}-day forecast "
        f"with {n_cutoffs} backtest cutoffs needs at least {need:,} days of history."
    )


def _parent_forecast(
    panels: dict[str, Panel],
    tree: pd.DataFrame,
    level: str,
    horizon: int,
    n_cutoffs: int,
    params: dict,
    max_units: int,
    steps: _Steps | None = None,
) -> tuple[LevelForecast, np.ndarray] | None:
    """Forecast the finest coarser level small enough for per-series models."""
    for upper in LEVELS[LEVELS.index(level) + 1 :]:
        if len(panels[upper].ids) <= max_units:
            break
    else:
        return None
    result = forecast_panel(
        panels[upper],
        horizon,
        FEW_CANDIDATES,
        level=upper,
        n_cutoffs=n_cutoffs,
        params=params,
        steps=steps,
    )
    return result, parent_positions(tree, level, upper, result.ids, panels[level].ids)


def parent_positions(
    tree: pd.DataFrame, level: str, upper: str, upper_ids: np.ndarray, ids: np.ndarray
) -> np.ndarray:
    """For each unit ``ids`` of ``level``, the row of its parent in ``upper_ids`` (a level
    above), or −1 where the hierarchy names none (untidy data)."""
    parent_ids, codes = membership(tree.drop_duplicates(level), level, upper)
    rows = pd.Index(upper_ids).get_indexer(pd.Index(parent_ids))
    lookup = pd.Series(rows[codes], index=tree.drop_duplicates(level)[level].astype(str))
    return lookup.reindex(pd.Index(ids).astype(str)).fillna(-1).to_numpy().astype(int)
