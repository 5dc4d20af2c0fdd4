"""Tuning one unit's model for analysts: refit with chosen settings, backtest, save them.

A saved setting is used by later ``auto`` runs for that unit instead of the automatic choice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, false, select

from caselog.store import get_timezone
from forecasting.backtest import backtest
from forecasting.errors import ForecastError
from forecasting.forecaster import HOLIDAY_MODELS
from forecasting.holidays import COUNTRIES, holiday_params
from forecasting.intervals import count_interval, dispersion
from forecasting.losses import evaluate
from forecasting.models import MODELS, predict
from forecasting.series import LEVELS, extract_panel, hierarchy
from forecasting.tables import tuned_settings

__all__ = [
    "CALENDAR",
    "TUNABLE",
    "TuningResult",
    "delete_setting",
    "load_settings",
    "save_setting",
    "saved_settings",
    "tune_series",
    "unit_place",
]

#: The settings an analyst may change, per model, with their allowed values or types.
TUNABLE: dict[str, dict[str, object]] = {
    "prophet": {
        "changepoint_prior_scale": float,
        "seasonality_prior_scale": float,
        "seasonality_mode": ("additive", "multiplicative"),
        "holidays": bool,
    },
    "ets": {"trend": ("N", "A", "Z"), "damped": bool, "season": ("N", "A", "Z")},
    "snaive": {},
    "wmean": {"weeks": int},
    "ymean": {"weeks": int, "years": int, "holidays": bool},
    "tsb": {"alpha_d": float, "alpha_p": float},
}

#: Settings of the holiday-aware models that are not the analyst's choice but filled in from
#: the store's time zone (:func:`forecasting.holidays.holiday_params`): the holiday calendar.
#: A tuning result carries them and they are saved with it, so that later runs use the same
#: calendar as the backtest the analyst saw.
CALENDAR: dict[str, object] = {"country": COUNTRIES}

#: A saved setting's place: the columns an account's area scope confines settings by.
PLACE = ("district", "street", "community")


@dataclass
class TuningResult:
    """One unit refitted with chosen settings: its backtest, scores and next days' forecast."""

    level: str
    unique_id: str
    model: str
    params: dict
    backtest: pd.DataFrame
    scores: dict
    baseline_scores: dict
    forecast: pd.DataFrame


def _check_params(model: str, params: dict) -> dict:
    allowed = TUNABLE.get(model)
    if allowed is None:
        raise ForecastError(
            f"The model {model!r} cannot be tuned; use one of {', '.join(TUNABLE)}."
        )
    if model in HOLIDAY_MODELS:
        allowed = allowed | CALENDAR
    clean = {}
    for key, value in params.items():
        rule = allowed.get(key)
        if rule is None:
            raise ForecastError(f"The model {model} has no setting {key!r}.")
        if isinstance(rule, tuple):
            if value not in rule:
                raise ForecastError(f"The setting {key} must be one of {', '.join(rule)}.")
        elif rule is float:
            if not isinstance(value, int | float) or value <= 0:
                raise ForecastError(f"The setting {key} must be a positive number.")
            value = float(value)
        else:
            value = rule(value)
        clean[key] = value
    return clean


def tune_series(
    engine: Engine,
    level: str,
    unique_id: str,
    model: str,
    params: dict | None = None,
    horizon: int = 28,
    n_cutoffs: int = 3,
    level_pct: float = 80,
) -> TuningResult:
    """Backtest ``model`` with ``params`` on one unit and forecast its next ``horizon`` days.

    Takes a few seconds even for Prophet (about 4 fits). ``backtest`` has
    ``cutoff, ds, y, yhat, yhat_lo, yhat_hi`` at ``level_pct``; ``scores`` the unit's
    MASE, WAPE and 80/95 % coverage, ``baseline_scores`` the same for the seasonal naive.
    ``params`` of the result are the settings used, the holiday models' calendar
    (:data:`CALENDAR`) filled in from the store's time zone; :func:`save_setting` takes them.
    """
    if level not in LEVELS:
        raise ForecastError(f"Unknown level {level!r}; use one of {', '.join(LEVELS)}.")
    params = _check_params(model, dict(params or {}))
    if model in HOLIDAY_MODELS:
        params = holiday_params(params, get_timezone(engine))
    panel = extract_panel(engine, level, unit=None if level == "city" else unique_id)
    if unique_id not in set(panel.ids):
        raise ForecastError(f"The {level} {unique_id!r} has no cases in the store.")
    panel = panel.select(np.flatnonzero(panel.ids == unique_id))

    def run(train, h):
        return predict(model, train, h, params)

    test = backtest(panel, run, horizon, n_cutoffs, model=model)
    base = backtest(
        panel, lambda tr, h: predict("snaive", tr, h), horizon, n_cutoffs, model="snaive"
    )
    frame = test.to_frame(levels=tuple(sorted({80, 95, int(level_pct)})))
    scores = evaluate(frame, by=None).iloc[0].to_dict()
    baseline = evaluate(base.to_frame(), by=None).iloc[0].to_dict()
    yhat = run(panel, horizon)
    lo, hi = count_interval(yhat, dispersion(panel.y), level_pct, test.final_inflation())
    future = pd.DataFrame(
        {
            "ds": panel.dates(panel.days, horizon),
            "yhat": yhat[0],
            "yhat_lo": lo[0],
            "yhat_hi": hi[0],
        }
    )
    pct = int(level_pct)
    shown = frame[["cutoff", "ds", "y", "yhat", f"yhat_lo_{pct}", f"yhat_hi_{pct}"]]
    shown = shown.rename(columns={f"yhat_lo_{pct}": "yhat_lo", f"yhat_hi_{pct}": "yhat_hi"})
    return TuningResult(level, unique_id, model, params, shown, scores, baseline, future)


def save_setting(
    engine: Engine,
    level: str,
    unique_id: str,
    model: str,
    params: dict,
    *,
    saved_by: str | None = None,
) -> None:
    """Save a unit's tuned model and settings (replacing an earlier one), with the account
    that saved it and the unit's place (where :func:`forecasting.series.hierarchy` puts it)."""
    if model not in MODELS:
        raise ForecastError(f"Unknown model {model!r}; use one of {', '.join(MODELS)}.")
    params = _check_params(model, dict(params))
    unit = f"{level}:{unique_id}"
    place = unit_place(engine, level, unique_id)
    with engine.begin() as conn:
        conn.execute(delete(tuned_settings).where(tuned_settings.c.unit == unit))
        conn.execute(
            tuned_settings.insert().values(
                unit=unit,
                level=level,
                unique_id=unique_id,
                settings=json.dumps({"model": model, "params": params}),
                saved_at=datetime.now().replace(microsecond=0),
                saved_by=saved_by,
                **place,
            )
        )


def unit_place(engine: Engine, level: str, unique_id: str) -> dict[str, str | None]:
    """district, street and community names of a unit of ``level`` (None above the level's
    own, or where no case names the unit)."""
    place: dict[str, str | None] = dict.fromkeys(PLACE)
    if level == "city":
        return place
    tree = hierarchy(engine, level)
    row = tree[tree[level].astype(str) == unique_id]
    if row.empty:
        return place
    parent = ""
    for key in PLACE:
        value = row.iloc[0][key] if key in row.columns else None
        if value is None or pd.isna(value):  # above the level, or no case names it
            break
        path = str(value)
        place[key] = path.removeprefix(f"{parent}/") if parent else path
        parent = path
    return place


def _within(scope: Mapping[str, str] | None) -> list:
    """SQL conditions confining tuned settings to an area scope; a scope naming anything
    else (a department's cases) confines them to none."""
    conds = []
    for key, value in (scope or {}).items():
        if key not in PLACE:
            return [false()]
        conds.append(tuned_settings.c[key] == str(value))
    return conds


def load_settings(
    engine: Engine, level: str, scope: Mapping[str, str] | None = None
) -> dict[str, dict]:
    """Saved settings of a level's units inside ``scope`` (every unit without one):
    ``{unique_id: {"model": …, "params": {…}}}``."""
    t = tuned_settings.c
    query = select(t.unique_id, t.settings).where(t.level == level, *_within(scope))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {uid: json.loads(text) for uid, text in rows}


def saved_settings(engine: Engine, scope: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every saved setting inside ``scope``, newest first: level, unique_id, model, params
    (a dict), saved_by (None for settings saved before accounts were recorded), saved_at."""
    t = tuned_settings.c
    query = (
        select(t.level, t.unique_id, t.settings, t.saved_by, t.saved_at)
        .where(*_within(scope))
        .order_by(t.saved_at.desc(), t.unit)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = pd.DataFrame(rows, columns=["level", "unique_id", "settings", "saved_by", "saved_at"])
    parsed = [json.loads(text) for text in out["settings"]]
    out.insert(2, "model", [p.get("model", "") for p in parsed])
    out.insert(3, "params", [p.get("params") or {} for p in parsed])
    return out.drop(columns="settings")


def delete_setting(
    engine: Engine, level: str, unique_id: str, scope: Mapping[str, str] | None = None
) -> bool:
    """Forget a unit's tuned setting (later runs choose its model automatically again);
    False when there is none inside ``scope``."""
    t = tuned_settings.c
    gone = delete(tuned_settings).where(t.unit == f"{level}:{unique_id}", *_within(scope))
    with engine.begin() as conn:  # RETURNING: DuckDB's driver reports no rowcount
        return bool(conn.execute(gone.returning(t.unit)).all())
