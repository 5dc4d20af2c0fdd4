"""Surge alerts: recent counts far above what the days before them predicted.

For the last ``days`` days of the store, each series (grid, city-wide category, or grid ×
category) is forecast from the history before that window with the weekday-wise mean of
the preceding weeks. The window's total is compared with the upper end of its
negative-binomial interval; a surge needs at least ``min_cases`` cases and an actual total
above that upper end. ``score = (actual − upper) / √upper`` ranks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, false, select

from forecasting.errors import ForecastError
from forecasting.intervals import dispersion
from forecasting.models import recent_weeks_mean
from forecasting.series import Panel, extract_panel, units_within
from forecasting.tables import surge_alerts

__all__ = ["ALERT_KINDS", "detect_surges", "load_alerts", "save_alerts", "window_surges"]

#: What alerts can be computed for: grids, categories city-wide, and grid × category.
ALERT_KINDS: tuple[str, ...] = ("grid", "category", "grid_category")

_COLUMNS = [
    "kind",
    "unique_id",
    "category",
    "window_start",
    "window_end",
    "actual",
    "expected",
    "upper",
    "level_pct",
    "score",
]


def window_surges(
    panel: Panel,
    days: int = 7,
    level_pct: float = 95,
    min_cases: int = 5,
    weeks: int = 8,
) -> pd.DataFrame:
    """Surges of each series of ``panel`` over its last ``days`` days.

    Returns ``unique_id, window_start, window_end, actual, expected, upper, level_pct,
    score`` for the series above their upper end, highest score first.
    """
    from scipy import stats

    if panel.days < days + 7 * 2:
        raise ForecastError("The store covers too few days to look for surges.")
    history = panel.head(panel.days - days)
    expected_days = recent_weeks_mean(history, days, weeks=weeks)
    expected = expected_days.sum(axis=1)
    actual = panel.y[:, -days:].sum(axis=1)
    alpha = np.clip(dispersion(history.y), 1e-6, None)
    mu = np.clip(expected, 1e-9, None)
    size = 1.0 / alpha
    upper = stats.nbinom.ppf(level_pct / 100, size, size / (size + mu))
    upper = np.where(expected > 0, upper, 0.0)
    flagged = (actual > upper) & (actual >= min_cases)
    score = (actual - upper) / np.sqrt(np.maximum(upper, 1.0))
    dates = panel.dates(panel.days - days, days)
    frame = pd.DataFrame(
        {
            "unique_id": panel.ids,
            "window_start": dates[0].date(),
            "window_end": dates[-1].date(),
            "actual": actual,
            "expected": expected,
            "upper": upper,
            "level_pct": float(level_pct),
            "score": score,
        }
    )[flagged]
    return frame.sort_values("score", ascending=False).reset_index(drop=True)


def detect_surges(
    engine: Engine,
    kinds: tuple[str, ...] = ("grid", "category"),
    days: int = 7,
    level_pct: float = 95,
    min_cases: int = 5,
) -> pd.DataFrame:
    """Surges of the last ``days`` days for each kind in ``kinds`` (see :data:`ALERT_KINDS`).

    Columns ``kind, unique_id, category, window_start, window_end, actual, expected, upper,
    level_pct, score``; ``unique_id`` is the grid (or ``city``), ``category`` the category
    (empty for whole grids).
    """
    frames = []
    for kind in kinds:
        if kind not in ALERT_KINDS:
            raise ForecastError(f"Unknown alert kind {kind!r}; use {', '.join(ALERT_KINDS)}.")
        if kind == "grid":
            panel = extract_panel(engine, "grid")
        elif kind == "category":
            panel = extract_panel(engine, "city", by_category=True)
        else:
            panel = extract_panel(engine, "grid", by_category=True)
        found = window_surges(panel, days, level_pct, min_cases)
        ids = found["unique_id"].astype(str)
        if kind == "grid":
            found["category"] = None
        elif kind == "category":
            found["category"] = ids
            found["unique_id"] = "city"
        else:
            parts = ids.str.rsplit("|", n=1)
            found["unique_id"] = parts.str[0]
            found["category"] = parts.str[1]
        found["kind"] = kind
        frames.append(found)
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return result.reindex(columns=_COLUMNS)


def save_alerts(engine: Engine, alerts: pd.DataFrame) -> int:
    """Store alerts (as from :func:`detect_surges`); returns how many were saved."""
    frame = alerts.reindex(columns=_COLUMNS).copy()
    frame["created_at"] = datetime.now().replace(microsecond=0)
    frame = frame.astype(object).where(frame.notna(), None)
    with engine.begin() as conn:
        # Alerts are few; an ordinary insert draws each id from the sequence.
        if len(frame):
            conn.execute(surge_alerts.insert(), frame.to_dict("records"))
    return len(frame)


def load_alerts(
    engine: Engine, kind: str | None = None, scope: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Stored alerts, newest window first and highest score first within it.

    With a ``scope`` only the grid alerts (and grid × category ones) of grids inside it are
    read; city-wide category alerts count other parts of the city and are left out.
    """
    t = surge_alerts.c
    query = select(surge_alerts)
    if kind:
        query = query.where(t.kind == kind)
    grids = units_within(engine, "grid", scope)
    if grids is not None:
        inside = t.unique_id.in_(grids) if grids else false()
        query = query.where(t.kind.in_(("grid", "grid_category")), inside)
    with engine.connect() as conn:
        result = conn.execute(query.order_by(t.window_end.desc(), t.score.desc()))
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def alert_counts(
    alerts: pd.DataFrame, kinds: tuple[str, ...] = ("grid", "grid_category")
) -> pd.DataFrame:
    """Number of stored alerts per unit of the given kinds (columns unique_id, alerts)."""
    if alerts.empty:
        return pd.DataFrame({"unique_id": [], "alerts": []})
    chosen = alerts[alerts["kind"].isin(kinds)]
    return chosen.groupby("unique_id").size().rename("alerts").reset_index()
