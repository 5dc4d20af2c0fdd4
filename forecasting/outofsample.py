"""A forecast run's out-of-sample scores: its last backtest window, forecast by the earlier choice."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.backtest import Backtest, backtest
from forecasting.evaluation import (
    BASELINES,
    as_of_cubes,
    honest_level,
    nested_backtest,
    scored_windows,
    summed_backtest,
    summed_history,
)
from forecasting.forecaster import LevelForecast, candidate_predictors
from forecasting.models import predict
from forecasting.series import Panel

__all__ = ["SCORE_KEYS", "run_out_of_sample"]

#: What a run stores per level (fractions; ratios below 1: auto did better).
SCORE_KEYS = {
    "auto WAPE": "wape",
    "snaive WAPE": "snaive_wape",
    "wmean WAPE": "wmean_wape",
    "auto / snaive": "ratio_snaive",
    "auto / wmean": "ratio_wmean",
    "cov80": "cov80",
    "Poisson floor": "poisson_floor",
    "level oracle": "level_oracle",
    "cases/day/unit": "cases_per_day",
}


#: Series per model the out-of-sample intervals are calibrated on (a run's own calibration
#: takes 500; this score only needs the coverage, and at 25,000 grids the bisection is its
#: largest cost).
CALIBRATION_SERIES = 200


def run_out_of_sample(
    levels: dict[str, LevelForecast],
    base_level: str,
    panels: dict[str, Panel],
    tree: pd.DataFrame,
    horizon: int,
    n_cutoffs: int,
    params: dict,
    parent: tuple[LevelForecast, np.ndarray] | None = None,
) -> dict[str, dict]:
    """Per level, the scores of the last backtest window as ``auto`` would have forecast it:
    each unit's model chosen on the earlier windows only (the ``share`` candidate splitting a
    parent forecast chosen the same way), the coarser levels its sums, the 80 % interval
    calibrated on the earlier windows. Empty with fewer than two cutoffs.
    """
    base = levels[base_level]
    if n_cutoffs < 2 or not base.candidates:
        return {}
    tests = dict(base.candidates)
    if "share" in tests and parent is not None and parent[0].candidates:
        upper, labels = nested_backtest(parent[0].candidates, n_cutoffs - 1)
        honest_parent = (honest_level(upper, parent[0].level, labels[:, -1]), parent[1])
        run = candidate_predictors(
            panels[base_level], horizon, ("share",), n_cutoffs, params, honest_parent
        )["share"]
        tests["share"] = _rerun(tests["share"], panels[base_level], run, horizon)
    honest, labels = nested_backtest(tests, n_cutoffs - 1)
    history = as_of_cubes(tests, labels)
    last = honest.cutoffs[-1]
    window = f"{last + pd.Timedelta(days=1):%Y-%m-%d}..{last + pd.Timedelta(days=horizon):%Y-%m-%d}"
    out = {}
    for name, result in levels.items():
        if name == base_level:
            bt, names, earlier = honest, labels, history
        else:
            bt, names = summed_backtest(honest, result.backtest, tree, base_level, name)
            earlier = summed_history(history, honest.ids, bt.ids, tree, base_level, name)
        baselines = {
            m: (
                tests[m].yhat
                if name == base_level and m in tests
                else backtest(
                    panels[name], lambda tr, h, m=m: predict(m, tr, h), horizon, n_cutoffs
                ).yhat
            )[:, -1:]
            for m in BASELINES
        }
        evaluation = scored_windows(
            bt, names, baselines, name, n_cutoffs - 1, 80, earlier, max_series=CALIBRATION_SERIES
        )
        summary = evaluation.summary()
        scores = {key: round(float(summary[k]), 6) for k, key in SCORE_KEYS.items()}
        out[name] = {"window": window, "chosen_on_windows": n_cutoffs - 1, **scores}
    return out


def _rerun(test: Backtest, panel: Panel, run, horizon: int) -> Backtest:
    """``test`` with its forecasts made again by ``run`` at the same cutoffs (its actuals,
    dispersion and scale kept: at 25,000 grids they are the costly part)."""
    lengths = [(c - pd.Timestamp(panel.start)).days + 1 for c in test.cutoffs]
    yhat = np.stack([run(panel.head(t), horizon) for t in lengths], axis=1)
    yhat = np.clip(np.nan_to_num(yhat), 0.0, None)
    return Backtest(test.ids, test.cutoffs, test.y, yhat, test.alpha, test.scale, test.model)
