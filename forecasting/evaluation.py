"""Honest accuracy: nested rolling origin, models chosen on earlier windows, scored on later ones.

A forecast's own backtest scores the model each unit chose on the very windows it was chosen
on, so ``auto`` never loses to a candidate there by construction. Here every window is
forecast by the choice the pipeline would have made at that window's cutoff: each unit's
candidate with the lowest squared error over the ``n_select`` windows before it, and an
interval calibrated on those earlier windows only. The scores of the last ``n_score``
windows are out-of-sample, like a forecast's accuracy on days it has not seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from caselog.store import get_timezone
from forecasting.backtest import Backtest, backtest
from forecasting.forecaster import (
    FEW_CANDIDATES,
    HOLIDAY_MODELS,
    MANY_CANDIDATES,
    MAX_PER_SERIES_UNITS,
    LevelForecast,
    backtest_candidates,
    candidate_names,
    candidate_predictors,
    check_request,
    parent_positions,
    usable_history,
)
from forecasting.holidays import holiday_params
from forecasting.intervals import count_interval
from forecasting.models import predict
from forecasting.reconcile import bottom_up
from forecasting.series import LEVELS, Panel, extract_panel, hierarchy

__all__ = [
    "BASELINES",
    "Evaluation",
    "as_of_cubes",
    "attainable",
    "evaluate_hierarchy",
    "evaluate_panel",
    "honest_level",
    "nested_backtest",
    "nested_choice",
    "scored_windows",
    "summed_backtest",
    "summed_history",
]

#: The obvious forecasts every evaluation is compared with: the weekly seasonal naive and
#: the plain 4-week weekday mean.
BASELINES: tuple[str, ...] = ("snaive", "wmean")


def nested_choice(errors: np.ndarray, n_select: int) -> np.ndarray:
    """Index of each unit's candidate at each window, chosen on earlier windows only.

    ``errors`` is (candidate, unit, window) squared error. Window ``j`` takes the candidate
    with the lowest error summed over windows ``max(0, j − n_select) … j − 1`` (ties and the
    first window, which has none before it, go to candidate 0: the seasonal naive).
    """
    _, n, k = errors.shape
    out = np.zeros((n, k), dtype=int)
    for j in range(1, k):
        window = np.round(errors[:, :, max(0, j - n_select) : j].sum(axis=2), 9)
        out[:, j] = np.argmin(window, axis=0)
    return out


@dataclass
class Evaluation:
    """One level's out-of-sample forecasts on the scoring windows: arrays (unit, window, day).

    ``yhat`` is what ``auto`` forecast at each window's cutoff, ``chosen`` (unit, window)
    the model it used, ``lo``/``hi`` its ``level_pct`` % interval and ``baselines`` the
    seasonal naive's and the 4-week mean's forecasts of the same days.
    """

    level: str
    ids: np.ndarray
    cutoffs: pd.DatetimeIndex
    y: np.ndarray
    yhat: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    chosen: np.ndarray
    baselines: dict[str, np.ndarray]
    level_pct: float
    #: :func:`as_of_cubes` of every window, for the coarser levels' calibration.
    history: list[np.ndarray] | None = None

    def summary(self) -> dict[str, float]:
        """WAPEs of ``auto`` and the baselines, their ratios, the interval's coverage, and
        what is attainable: the Poisson floor and the level oracle (see :func:`attainable`)."""
        total = max(float(self.y.sum()), 1e-9)
        auto = float(np.abs(self.y - self.yhat).sum()) / total
        out = {
            "units": len(self.ids),
            "cases/day/unit": float(self.y.mean()),
            "auto WAPE": auto,
        }
        for name, yhat in self.baselines.items():
            out[f"{name} WAPE"] = float(np.abs(self.y - yhat).sum()) / total
        for name in self.baselines:
            out[f"auto / {name}"] = auto / max(out[f"{name} WAPE"], 1e-12)
        out[f"cov{self.level_pct:g}"] = float(np.mean((self.y >= self.lo) & (self.y <= self.hi)))
        out.update(attainable(self.y, self.yhat))
        out["auto / Poisson floor"] = auto / max(out["Poisson floor"], 1e-12)
        out["auto / level oracle"] = auto / max(out["level oracle"], 1e-12)
        return out


def attainable(y: np.ndarray, yhat: np.ndarray) -> dict[str, float]:
    """The WAPE no forecast of expected counts can be expected to beat, two ways.

    *Poisson floor*: E|Y − μ| / Σμ if each day's count were Poisson around ``yhat`` (what a
    perfect expected count would still miss by). *Level oracle*: the WAPE of a forecast that
    knew each unit's true mean over each window (flat within it).
    """
    from scipy.special import gammaln

    mu = np.clip(yhat.reshape(-1), 1e-9, None)
    # Poisson's mean absolute deviation, exactly: 2 e^−μ μ^(⌊μ⌋+1) / ⌊μ⌋!
    whole = np.floor(mu)
    spread = 2 * np.exp(-mu + (whole + 1) * np.log(mu) - gammaln(whole + 1))
    mean = np.broadcast_to(y.mean(axis=2, keepdims=True), y.shape)
    total = max(float(y.sum()), 1e-9)
    return {
        "Poisson floor": float(spread.sum() / mu.sum()),
        "level oracle": float(np.abs(y - mean).sum()) / total,
    }


def evaluate_panel(
    panel: Panel,
    horizon: int,
    candidates: tuple[str, ...],
    *,
    level: str = "",
    n_select: int = 3,
    n_score: int = 3,
    params: dict | None = None,
    parent: tuple[LevelForecast, np.ndarray] | None = None,
    level_pct: float = 80,
) -> tuple[Evaluation, LevelForecast]:
    """Nested evaluation of one level: every candidate backtested at ``n_select + n_score``
    cutoffs, each window forecast by the per-unit choice on the windows before it.

    Returns the scoring windows' :class:`Evaluation` and, for coarser levels' ``share``
    and for sums, the honest forecasts of every window as a :class:`LevelForecast`.
    """
    params = params or {}
    k = n_select + n_score
    names = candidate_names(candidates, parent is not None)
    predictors = candidate_predictors(panel, horizon, names, k, params, parent)
    tests = backtest_candidates(panel, horizon, predictors, k)
    honest, labels = nested_backtest(tests, n_select)
    history = as_of_cubes(tests, labels)
    baselines = {}
    for name in BASELINES:
        test = tests.get(name) or backtest(
            panel, lambda tr, h, m=name: predict(m, tr, h), horizon, k, model=name
        )
        baselines[name] = test.yhat[:, n_select:]
    result = scored_windows(honest, labels, baselines, level, n_select, level_pct, history)
    result.history = history
    return result, honest_level(honest, level, labels[:, -1])


def nested_backtest(tests: dict[str, Backtest], n_select: int) -> tuple[Backtest, np.ndarray]:
    """From the candidates' backtests (same units and cutoffs, the seasonal naive first), the
    backtest of ``auto`` as it would have forecast each window: each unit's forecast by the
    candidate with the lowest squared error over the ``n_select`` windows before; also the
    chosen names (unit, window)."""
    names = list(tests)
    errors = np.stack([((t.y - t.yhat) ** 2).sum(axis=2) for t in tests.values()])
    choice = nested_choice(errors, n_select)
    cube = np.take_along_axis(
        np.stack([t.yhat for t in tests.values()]), choice[None, :, :, None], axis=0
    )[0]
    first = tests[names[0]]
    labels = np.asarray(names, dtype=object)[choice]
    auto = np.full(len(first.ids), "auto", dtype=object)
    return Backtest(first.ids, first.cutoffs, first.y, cube, first.alpha, first.scale, auto), labels


def as_of_cubes(tests: dict[str, Backtest], labels: np.ndarray) -> list[np.ndarray]:
    """For each window ``j``, the forecasts of the windows before it by the candidate each
    unit chose at ``j`` (unit, j, day): the backtest a run made at that cutoff would have
    shown, on which its intervals are calibrated."""
    names = list(tests)
    index = np.vectorize(names.index, otypes=[int])(labels)
    stacked = np.stack([t.yhat for t in tests.values()])
    return [
        np.take_along_axis(stacked[:, :, :j], index[None, :, j, None, None], axis=0)[0]
        for j in range(labels.shape[1])
    ]


def scored_windows(
    honest: Backtest,
    labels: np.ndarray,
    baselines: dict[str, np.ndarray],
    level: str,
    n_select: int,
    level_pct: float,
    history: list[np.ndarray] | None = None,
    max_series: int = 500,
) -> Evaluation:
    """The scoring windows of an honest backtest, with intervals calibrated per chosen model
    on the windows before each one: on ``history[j]`` (see :func:`as_of_cubes`), the
    earlier windows as forecast by the choice made at ``j``, or else on the honest ones
    (on at most ``max_series`` series of each model)."""
    lo = np.empty_like(honest.yhat[:, n_select:])
    hi = np.empty_like(lo)
    for i, j in enumerate(range(n_select, honest.y.shape[1])):
        earlier = honest.yhat if history is None else history[j]
        labelled = Backtest(
            honest.ids,
            honest.cutoffs[:j],
            honest.y[:, :j],
            earlier[:, :j],
            honest.alpha[:, :j],
            honest.scale[:, :j],
            labels[:, j],
        )
        inflation = labelled.final_inflation(max_series=max_series)
        lo[:, i], hi[:, i] = count_interval(
            honest.yhat[:, j], honest.alpha[:, j], level_pct, inflation
        )
    return Evaluation(
        level=level,
        ids=honest.ids,
        cutoffs=honest.cutoffs[n_select:],
        y=honest.y[:, n_select:],
        yhat=honest.yhat[:, n_select:],
        lo=lo,
        hi=hi,
        chosen=labels[:, n_select:],
        baselines=baselines,
        level_pct=level_pct,
    )


def honest_level(honest: Backtest, level: str, model: np.ndarray) -> LevelForecast:
    """Honest backtest forecasts in the shape ``share`` and :func:`bottom_up` read."""
    last = honest.yhat[:, -1]
    return LevelForecast(
        level=level,
        ids=honest.ids,
        dates=pd.DatetimeIndex([]),
        model=model,
        yhat=last,
        alpha=honest.alpha[:, -1],
        inflation=np.ones(len(honest.ids)),
        backtest=honest,
    )


def evaluate_hierarchy(
    engine: Engine,
    level: str,
    horizon: int = 28,
    *,
    n_select: int = 3,
    n_score: int = 3,
    params: dict | None = None,
    max_per_series_units: int = MAX_PER_SERIES_UNITS,
    level_pct: float = 80,
) -> dict[str, Evaluation]:
    """Out-of-sample evaluation of ``auto`` at ``level`` and, added up from it, every coarser
    level — as :func:`forecasting.forecast_hierarchy` would have forecast each window.

    The parent level that ``share`` splits is itself chosen on earlier windows only, so no
    scoring window's actuals reach any forecast of it.
    """
    check_request(level, horizon, "auto")
    params = dict(params or {})
    for name in HOLIDAY_MODELS:
        params[name] = holiday_params(params.get(name), get_timezone(engine))
    panels = {lv: extract_panel(engine, lv) for lv in LEVELS[LEVELS.index(level) :]}
    panels, _ = usable_history(panels, horizon, n_select + n_score)
    tree = hierarchy(engine, level)
    kw = {"n_select": n_select, "n_score": n_score, "params": params, "level_pct": level_pct}
    parent = None
    if level != "city":
        upper = next(
            (
                lv
                for lv in LEVELS[LEVELS.index(level) + 1 :]
                if len(panels[lv].ids) <= max_per_series_units
            ),
            None,
        )
        if upper is not None:
            _, top = evaluate_panel(panels[upper], horizon, FEW_CANDIDATES, level=upper, **kw)
            parent_of = parent_positions(tree, level, upper, top.ids, panels[level].ids)
            parent = (top, parent_of)
    many = len(panels[level].ids) > max_per_series_units
    candidates = MANY_CANDIDATES if many else (*FEW_CANDIDATES, "share")
    result, base = evaluate_panel(
        panels[level], horizon, candidates, level=level, parent=parent, **kw
    )
    out = {level: result}
    for lv in LEVELS[LEVELS.index(level) + 1 :]:
        out[lv] = _summed(base, result, tree, lv, panels[lv], horizon, kw)
    return out


def _summed(
    base: LevelForecast,
    result: Evaluation,
    tree: pd.DataFrame,
    level: str,
    panel: Panel,
    horizon: int,
    kw: dict,
) -> Evaluation:
    """A coarser level's evaluation: the sums of the base level's honest forecasts."""
    n_select, k = kw["n_select"], kw["n_select"] + kw["n_score"]
    tests = {
        name: backtest(panel, lambda tr, h, m=name: predict(m, tr, h), horizon, k, model=name)
        for name in BASELINES
    }
    bt, labels = summed_backtest(base.backtest, tests["snaive"], tree, base.level, level)
    history = summed_history(result.history, base.ids, bt.ids, tree, base.level, level)
    baselines = {name: test.yhat[:, n_select:] for name, test in tests.items()}
    return scored_windows(bt, labels, baselines, level, n_select, kw["level_pct"], history)


def summed_backtest(
    honest: Backtest, own: Backtest, tree: pd.DataFrame, base_level: str, level: str
) -> tuple[Backtest, np.ndarray]:
    """A coarser level's honest backtest, the sums of ``honest`` (of ``base_level``), on the
    actuals, dispersion and scale of ``own`` (any backtest of that level at the same cutoffs);
    also its labels (unit, window), all ``bottom_up``."""
    full = _sum_to(honest.yhat, honest.ids, own.ids, tree, base_level, level)
    label = np.full(len(own.ids), "bottom_up", dtype=object)
    bt = Backtest(own.ids, own.cutoffs, own.y, full, own.alpha, own.scale, label)
    return bt, np.broadcast_to(label[:, None], full.shape[:2])


def summed_history(
    history: list[np.ndarray],
    ids: np.ndarray,
    own_ids: np.ndarray,
    tree: pd.DataFrame,
    base_level: str,
    level: str,
) -> list[np.ndarray]:
    """:func:`as_of_cubes` of a coarser level: the sums of the base level's."""
    return [_sum_to(cube, ids, own_ids, tree, base_level, level) for cube in history]


def _sum_to(
    cube: np.ndarray,
    ids: np.ndarray,
    own_ids: np.ndarray,
    tree: pd.DataFrame,
    base_level: str,
    level: str,
) -> np.ndarray:
    """``cube`` (base unit, …) summed to ``level``, in the order of ``own_ids`` (0 for a unit
    with no base units under it)."""
    sums_ids, sums = bottom_up(cube, ids, tree, base_level, level)
    rows = pd.Index(sums_ids).get_indexer(pd.Index(own_ids))
    shape = (len(own_ids), *cube.shape[1:])
    return np.where(
        (rows >= 0).reshape(-1, *[1] * (cube.ndim - 1)), sums[np.maximum(rows, 0)], 0.0
    ).reshape(shape)
