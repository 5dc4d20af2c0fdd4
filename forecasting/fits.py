"""Per-series model fits made elsewhere (Spark executors), looked up by models.predict."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from forecasting.series import Panel

__all__ = ["PER_SERIES", "Fits", "fit_group", "fitted", "per_series_jobs", "use_fits"]

#: Models fitted series by series (statsforecast's and Prophet): a series' forecast depends on
#: its own history only, so they can run anywhere, a few series at a time. The others
#: (snaive, wmean, ymean, share) are numpy over the whole level and learn from all of it
#: (ymean's holiday factors, share's proportions): they stay where the level is.
PER_SERIES: tuple[str, ...] = ("ets", "sarima", "prophet", "croston", "tsb", "adida", "theta")

_FITS: ContextVar[Fits | None] = ContextVar("forecasting_fits", default=None)


def params_key(params: dict | None) -> str:
    """A model's keyword arguments as one comparable text."""
    return json.dumps(params or {}, sort_keys=True, default=str)


def per_series_jobs(candidates: tuple[str, ...], params: dict) -> list[tuple[str, dict]]:
    """The per-series fits ``candidates`` call :func:`forecasting.models.predict` with:
    ``(model, keyword arguments)``, the ensemble's Prophet member with its calendar."""
    from forecasting.combined import ENSEMBLE_MEMBERS

    jobs: dict[tuple[str, str], tuple[str, dict]] = {}
    for name in candidates:
        if name in PER_SERIES:
            jobs[(name, params_key(params.get(name)))] = (name, params.get(name) or {})
        elif name == "ensemble":
            own = params.get("ensemble") or {}
            calendar = {"holidays": own.get("holidays", True), "country": own.get("country", "CN")}
            for member in ENSEMBLE_MEMBERS:
                if member in PER_SERIES:
                    jobs[(member, params_key(calendar))] = (member, calendar)
    return list(jobs.values())


@dataclass
class Fits:
    """Forecasts of single series: ``table[(model, params_key)][(unit, start, days, horizon)]``
    is the model's forecast of ``unit`` from its history of ``days`` days from ``start``."""

    table: dict[tuple[str, str], dict[tuple[str, date, int, int], np.ndarray]]
    used: int = 0
    missed: list[str] = field(default_factory=list)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, start: date) -> Fits:
        """From :func:`fit_group`'s rows (``unit, model, params, days, yhat``)."""
        table: dict = {}
        for unit, model, params, days, yhat in frame[
            ["unit", "model", "params", "days", "yhat"]
        ].itertuples(index=False, name=None):
            values = np.asarray(yhat, dtype=float)
            table.setdefault((model, params), {})[(unit, start, int(days), len(values))] = values
        return cls(table)

    def rows(self, name: str, panel: Panel, horizon: int, params: dict | None) -> np.ndarray | None:
        """The forecasts of every series of ``panel``, or None when one is not here."""
        found = self.table.get((name, params_key(params)))
        if found is None or not len(panel.ids):
            return None
        out = [found.get((str(uid), panel.start, panel.days, horizon)) for uid in panel.ids]
        if any(row is None for row in out):
            self.missed.append(name)
            return None
        self.used += len(out)
        return np.vstack(out)


def fitted(name: str, panel: Panel, horizon: int, params: dict | None) -> np.ndarray | None:
    """The forecasts made elsewhere for this call of predict, if any (None: fit here)."""
    fits = _FITS.get()
    return None if fits is None else fits.rows(name, panel, horizon, params)


@contextmanager
def use_fits(fits: Fits) -> Iterator[Fits]:
    """Within the block, :func:`forecasting.models.predict` takes per-series forecasts from
    ``fits`` where it holds them for every series of the call."""
    token = _FITS.set(fits)
    try:
        yield fits
    finally:
        _FITS.reset(token)


def fit_group(
    rows: pd.DataFrame,
    *,
    start: date,
    days: int,
    lengths: list[int],
    horizon: int,
    jobs: dict[str, list[tuple[str, dict]]],
) -> pd.DataFrame:
    """One group of series on an executor: ``rows`` are ``level, unit, ds, n`` daily counts
    (days without cases absent); each series is zero-filled over ``days`` days from
    ``start`` as forecasting.series does, and every ``jobs[level]`` model forecasts it from
    the first ``t`` days for each ``t`` of ``lengths``. Rows ``level, unit, model, params,
    days, yhat`` (yhat: ``horizon`` values)."""
    from forecasting.models import predict

    out = []
    for level, part in rows.groupby("level", sort=True):
        ids = np.asarray(sorted(part["unit"].astype(str).unique()), dtype=object)
        y = np.zeros((len(ids), days))
        offset = (pd.to_datetime(part["ds"]) - pd.Timestamp(start)).dt.days.to_numpy()
        keep = (offset >= 0) & (offset < days)
        codes = pd.Index(ids).get_indexer(part["unit"].astype(str))
        np.add.at(y, (codes[keep], offset[keep]), part["n"].to_numpy(dtype=float)[keep])
        panel = Panel(ids, start, y)
        for name, params in jobs.get(str(level), []):
            for t in lengths:
                yhat = predict(name, panel.head(t), horizon, params)
                for uid, values in zip(ids, yhat, strict=True):
                    out.append((level, uid, name, params_key(params), t, values.tolist()))
    return pd.DataFrame(out, columns=["level", "unit", "model", "params", "days", "yhat"])
