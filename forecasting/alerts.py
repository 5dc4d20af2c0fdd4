"""Surge alerts: recent counts far above what the days before them predicted.

For the last ``days`` days of the store, each series (grid, city-wide category, or grid ×
category) is forecast from the history before that window with the weekday-wise mean of
the preceding weeks — holiday-aware when a calendar is given: history is divided by each
holiday class's factor and the window's holidays multiplied by it. The window's total is
compared with a negative binomial around that expectation. With ``fdr`` (the default of
:func:`detect_surges`) a surge is a series whose p-value survives the Benjamini–Hochberg
procedure across all the series tested at once, so that of the alerts raised about that
share at most are false; without it, a total above the ``level_pct`` upper end. A surge
also needs at least ``min_cases`` cases. ``score = (actual − upper) / √upper`` ranks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, false, select

from caselog.store import get_timezone
from forecasting.errors import ForecastError
from forecasting.holidays import holiday_country
from forecasting.intervals import dispersion
from forecasting.models import recent_weeks_mean, yearly_weeks_mean
from forecasting.series import Panel, extract_panel, units_within
from forecasting.tables import surge_alerts

__all__ = [
    "ALERT_KINDS",
    "FDR",
    "benjamini_hochberg",
    "detect_surges",
    "load_alerts",
    "save_alerts",
    "window_surges",
]

#: The false-discovery rate :func:`detect_surges` controls across the units it tests at once.
FDR = 0.05

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


def benjamini_hochberg(p_values: np.ndarray, q: float) -> np.ndarray:
    """Which hypotheses the Benjamini–Hochberg procedure rejects at false-discovery rate
    ``q``: the ``k`` smallest p-values, ``k`` the largest rank with p₍ₖ₎ ≤ k·q/m."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    below = np.nonzero(p[order] <= q * np.arange(1, m + 1) / max(m, 1))[0]
    out = np.zeros(m, dtype=bool)
    if len(below):
        out[order[: below[-1] + 1]] = True
    return out


def _expected(history: Panel, days: int, weeks: int, country: str | None) -> np.ndarray:
    """Each series' expected counts on the window's days (series, days)."""
    if country is None or history.days < 28:
        return recent_weeks_mean(history, days, weeks=weeks)
    # The weekday-wise mean of the same weeks, with the panel's holiday factors taken out of
    # the history and put on the window's holidays (ymean with no earlier years).
    return yearly_weeks_mean(
        history, days, weeks=weeks, years=0, profile_weeks=weeks, holidays=True, country=country
    )


def window_surges(
    panel: Panel,
    days: int = 7,
    level_pct: float = 95,
    min_cases: int = 5,
    weeks: int = 8,
    fdr: float | None = None,
    country: str | None = None,
) -> pd.DataFrame:
    """Surges of each series of ``panel`` over its last ``days`` days.

    With ``fdr`` (e.g. 0.05) a series is a surge when its p-value (the chance of at least
    its total under the expectation's negative binomial) survives Benjamini–Hochberg across
    every series of the panel; without, when its total is above the ``level_pct`` upper end.
    ``country`` (``CN``/``US``) makes the expectation holiday-aware.
    Returns ``unique_id, window_start, window_end, actual, expected, upper, level_pct,
    score, p_value`` for the surges, highest score first.
    """
    from scipy import stats

    if panel.days < days + 7 * 2:
        raise ForecastError("The store covers too few days to look for surges.")
    history = panel.head(panel.days - days)
    expected = _expected(history, days, weeks, country).sum(axis=1)
    actual = panel.y[:, -days:].sum(axis=1)
    mu = np.clip(expected, 1e-9, None)
    # The window's total: its days' extra-Poisson variance (dispersion a a day adds a·μ²/days
    # to a total of μ over ``days`` days) plus that of an expectation averaged over ``weeks``.
    alpha = dispersion(history.y) / days + 1.0 / (7 * weeks * np.maximum(mu / days, 1e-9))
    size = 1.0 / np.clip(alpha, 1e-6, None)
    upper = stats.nbinom.ppf(level_pct / 100, size, size / (size + mu))
    upper = np.where(expected > 0, upper, 0.0)
    p_value = stats.nbinom.sf(actual - 1, size, size / (size + mu))
    if fdr is None:
        flagged = (actual > upper) & (actual >= min_cases)
    else:
        flagged = benjamini_hochberg(p_value, fdr) & (actual >= min_cases)
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
            "p_value": p_value,
        }
    )[flagged]
    return frame.sort_values("score", ascending=False).reset_index(drop=True)


def detect_surges(
    engine: Engine,
    kinds: tuple[str, ...] = ("grid", "category"),
    days: int = 7,
    level_pct: float = 95,
    min_cases: int = 5,
    fdr: float | None = FDR,
    holidays: bool = True,
) -> pd.DataFrame:
    """Surges of the last ``days`` days for each kind in ``kinds`` (see :data:`ALERT_KINDS`).

    Columns ``kind, unique_id, category, window_start, window_end, actual, expected, upper,
    level_pct, score``; ``unique_id`` is the grid (or ``city``), ``category`` the category
    (empty for whole grids). False discoveries are controlled at ``fdr`` within each kind
    (None: each series on its own at ``level_pct``); with ``holidays`` the expectation
    follows the store's holiday calendar (from its time zone).
    """
    country = holiday_country(get_timezone(engine)) if holidays else None
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
        found = window_surges(panel, days, level_pct, min_cases, fdr=fdr, country=country)
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
