"""Forecasts per unit × category (大类): one daily series each, forecast like a level's units.

A series is one unit of a level and one category of the case log; its ``unique_id`` is the
unit's id (as in a plain run) joined with ``/`` and the category (``东城区/市容环境``,
``东城区/东华门街道/市容环境``), at city level the category alone (``市容环境``). The series are
forecast with the same candidates and per-series ``auto`` choice as a level's units; when
there are many, the per-series models forecast the finest coarser level × category that is
small enough and ``share`` splits it down. A category run stores only its own series (no
coarser levels added up) and says ``"by": "category"`` in its parameters.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from caselog.schema import cases
from caselog.store import get_timezone
from forecasting.errors import ForecastError, Progress
from forecasting.forecaster import (
    FEW_CANDIDATES,
    HOLIDAY_MODELS,
    MAX_PER_SERIES_UNITS,
    Forecast,
    _Steps,
    check_request,
    forecast_panel,
    model_candidates,
    usable_history,
)
from forecasting.holidays import holiday_params
from forecasting.series import LEVELS, Panel, extract_panel, hierarchy, units_within

__all__ = [
    "BY_CHOICES",
    "SEPARATOR",
    "category_ids",
    "category_panel",
    "check_categories",
    "forecast_by_category",
    "split_ids",
    "store_categories",
    "within_scope",
]

#: What a forecast can be split by besides the unit (``--by``).
BY_CHOICES: tuple[str, ...] = ("category",)
#: Joins a unit's id and a category in a series id (the path separator of street ids).
SEPARATOR = "/"


def category_ids(units: pd.Series, categories: pd.Series, level: str) -> np.ndarray:
    """Series ids ``<unit>/<category>``; at city level the category alone."""
    if level == "city":
        return categories.astype(str).to_numpy(dtype=object)
    joined = units.astype(str) + SEPARATOR + categories.astype(str)
    return joined.to_numpy(dtype=object)


def split_ids(ids, categories: list[str], level: str) -> pd.DataFrame:
    """``unique_id, unit, category`` for series ids made by :func:`category_ids`.

    ``categories`` are the run's categories (its ``parameters["categories"]``); the longest
    one an id ends with is its category, so a unit or category holding ``/`` splits right.
    An id that ends with none of them keeps an empty category.
    """
    ids = pd.Series(list(ids), dtype=object).astype(str)
    unit = pd.Series("city" if level == "city" else "", index=ids.index, dtype=object)
    category = pd.Series("", index=ids.index, dtype=object)
    for name in sorted(categories, key=len):  # longer names overwrite shorter ones
        if level == "city":
            hit = ids == name
        else:
            hit = ids.str.endswith(SEPARATOR + name) & (ids.str.len() > len(name) + 1)
            unit[hit] = ids[hit].str.slice(0, -(len(name) + 1))
        category[hit] = name
    return pd.DataFrame({"unique_id": ids, "unit": unit, "category": category})


def store_categories(engine: Engine) -> list[str]:
    """The categories of the store's non-cancelled cases, sorted."""
    query = (
        select(cases.c.category)
        .where(cases.c.status != "cancelled", cases.c.category.isnot(None))
        .distinct()
    )
    with engine.connect() as conn:
        return sorted(str(v) for v in conn.execute(query).scalars())


def check_categories(engine: Engine, wanted: list[str] | None) -> list[str] | None:
    """``wanted`` without repeats, refused (one sentence) if the store has no case of one;
    None or empty: every category."""
    if not wanted:
        return None
    known = store_categories(engine)
    missing = [c for c in dict.fromkeys(wanted) if c not in known]
    if missing:
        names = ", ".join(known) if known else "none"
        raise ForecastError(
            f"The store has no case of the category {missing[0]!r}; its categories are {names}."
        )
    return list(dict.fromkeys(wanted))


def category_panel(
    engine: Engine, level: str, categories: list[str] | None = None
) -> tuple[Panel, pd.DataFrame]:
    """Daily counts per unit of ``level`` × category (ids as :func:`category_ids`) and each
    series' ``unit, category``; only series with at least one case are there."""
    panel = extract_panel(engine, level, by_category=True, categories=categories)
    raw = pd.Series(panel.ids, dtype=object).astype(str)
    if level == "city":
        parts = pd.DataFrame({"unit": "city", "category": raw})
    else:
        # extract_panel joins a unit and its category with "|"; unit ids hold none.
        pieces = raw.str.split("|", n=1)
        parts = pd.DataFrame({"unit": pieces.str[0], "category": pieces.str[1]})
    ids = category_ids(parts["unit"], parts["category"], level)
    parts.insert(0, "unique_id", ids)
    return Panel(ids, panel.start, panel.y), parts


def within_scope(
    engine: Engine, frame: pd.DataFrame, level: str, scope: Mapping[str, str] | None
) -> pd.DataFrame:
    """The rows of ``frame`` (with a ``unit`` column) whose unit of ``level`` lies inside
    ``scope`` (as :func:`forecasting.series.units_within`); no scope keeps every row."""
    inside = units_within(engine, level, scope)
    if inside is None:
        return frame
    return frame[frame["unit"].astype(str).isin(inside)]


def _parent(
    engine: Engine,
    level: str,
    parts: pd.DataFrame,
    categories: list[str] | None,
    max_units: int,
) -> tuple[str, Panel, np.ndarray] | None:
    """The finest coarser level × category with few enough series for per-series models,
    its panel, and each base series' parent row there (−1: none)."""
    for upper in LEVELS[LEVELS.index(level) + 1 :]:
        panel, _ = category_panel(engine, upper, categories)
        if len(panel.ids) <= max_units:
            break
    else:
        return None
    if upper == "city":
        keys = parts["category"].astype(str)
    else:
        tree = hierarchy(engine, level)
        up = tree.set_index(tree[level].astype(str))[upper].astype(str)
        keys = parts["unit"].astype(str).map(up) + SEPARATOR + parts["category"].astype(str)
    rows = pd.Index(panel.ids).get_indexer(pd.Index(keys.fillna("")))
    return upper, panel, rows


def forecast_by_category(
    engine: Engine,
    level: str,
    horizon: int,
    model: str = "auto",
    *,
    categories: list[str] | None = None,
    n_cutoffs: int = 3,
    params: dict | None = None,
    max_per_series_units: int = MAX_PER_SERIES_UNITS,
    progress: Progress | None = None,
) -> Forecast:
    """Forecast every unit of ``level`` × category (only ``categories`` if given) for the
    ``horizon`` days after the store's last reported day.

    ``model`` is ``auto`` (each series chooses by backtest, the weekly seasonal naive among
    the candidates and winning ties) or one model for every series. Sparse series (a case
    every few weeks) are forecast like sparse grids; a series with too little history for
    the backtests is refused with the whole request (one sentence), as a plain run is.
    """
    check_request(level, horizon, model)
    categories = check_categories(engine, categories)
    params = dict(params or {})
    for name in HOLIDAY_MODELS:
        params[name] = holiday_params(params.get(name), get_timezone(engine))
    base, parts = category_panel(engine, level, categories)
    if not len(base.ids):
        raise ForecastError("The store holds no cases of these categories to forecast from.")
    found = None
    if model in ("share", "auto") and level != "city":
        found = _parent(engine, level, parts, categories, max_per_series_units)
        if found is None and model == "share":
            raise ForecastError(f"The {level} level has no coarser level to share down from.")
    panels = {"city": extract_panel(engine, "city"), "base": base}
    if found is not None:
        panels["parent"] = found[1]
    panels, history = usable_history(panels, horizon, n_cutoffs)
    base = panels["base"]
    n_parent = len(found[1].ids) if found is not None else 0
    steps = _Steps(
        progress, len(base.ids) * (len(FEW_CANDIDATES) + 2) + n_parent * len(FEW_CANDIDATES)
    )
    parent = None
    if found is not None:
        upper = forecast_panel(
            panels["parent"],
            horizon,
            FEW_CANDIDATES,
            level=found[0],
            n_cutoffs=n_cutoffs,
            params=params,
            steps=steps,
        )
        parent = (upper, found[2])
    candidates = model_candidates(model, len(base.ids), max_per_series_units)
    result = forecast_panel(
        base,
        horizon,
        candidates,
        level=level,
        n_cutoffs=n_cutoffs,
        params=params,
        parent=parent,
        baseline=model == "auto",
        steps=steps,
    )
    from forecasting.outofsample import run_out_of_sample

    # Only the series' own level: its scores are the last window forecast by the choice
    # made on the earlier ones (no coarser level is added up, so no tree is needed).
    honest = run_out_of_sample(
        {level: result}, level, {level: base}, pd.DataFrame(), horizon, n_cutoffs, params, parent
    )
    settings = {
        "by": "category",
        "categories": sorted(parts["category"].astype(str).unique()),
        "n_cutoffs": n_cutoffs,
        "candidates": list(candidates),
        "params": params,
        **history,
    }
    return Forecast(level, horizon, model, {level: result}, settings, honest)
