"""Forecast runs: make one, write the contract CSV, save it in the store, read it back.

The dashboard reads saved runs (:func:`load_run`, :func:`list_runs`) instead of refitting.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, false, select

from forecasting.bycategory import BY_CHOICES, check_categories, forecast_by_category
from forecasting.errors import ForecastError, Progress
from forecasting.forecaster import (
    Forecast,
    LevelForecast,
    check_request,
    forecast_hierarchy,
    holiday_choice,
)
from forecasting.losses import evaluate
from forecasting.series import units_within
from forecasting.tables import (
    forecast_runs,
    forecast_scores,
    forecast_values,
    insert_frame,
)
from outfile import checked_out_path, os_reason

__all__ = [
    "CSV_COLUMNS",
    "CSV_ENCODING",
    "ForecastRun",
    "check_forecast_request",
    "check_out_path",
    "library_versions",
    "list_runs",
    "load_run",
    "load_scores",
    "save_run",
    "write_csv",
    "write_forecast",
]

#: The contract's forecast file columns, in order.
CSV_COLUMNS: tuple[str, ...] = ("unique_id", "ds", "model", "yhat", "yhat_lo", "yhat_hi")
#: UTF-8 with a byte-order mark, as the assessment CSV (the contract does not say), so
#: Excel opens both alike and shows Chinese unit names.
CSV_ENCODING = "utf-8-sig"
#: ``yhat`` is rounded to this many decimals and written in its shortest form
#: (``1``, ``0.3362``, ``465.3704``: no trailing zeros, no ``.0``), as the assessment CSV
#: writes its numbers.
YHAT_DECIMALS = 4

_LIBRARIES = (
    "numpy",
    "pandas",
    "statsforecast",
    "prophet",
    "chinesecalendar",
    "holidays",
    "sqlalchemy",
)


@dataclass
class ForecastRun:
    """A saved run: its settings, overall backtest scores and the requested level's forecasts."""

    id: int
    created_at: datetime
    level: str
    horizon: int
    model: str
    level_pct: float
    last_day: pd.Timestamp
    parameters: dict
    versions: dict
    scores: dict
    forecasts: pd.DataFrame


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape the numbers."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions


def _scores_json(forecast: Forecast) -> dict:
    out: dict = {"levels": {}, "candidates": {}, "chosen": {}}
    for name, result in forecast.levels.items():
        overall = evaluate(result.backtest.to_frame(), by=None).iloc[0]
        out["levels"][name] = _clean(overall.to_dict())
    base = forecast.base
    for name, test in base.candidates.items():
        out["candidates"][name] = _clean(evaluate(test.to_frame(), by=None).iloc[0].to_dict())
    models, counts = np.unique(base.model.astype(str), return_counts=True)
    out["chosen"] = {str(m): int(c) for m, c in zip(models, counts, strict=True)}
    out["out_of_sample"] = forecast.out_of_sample
    return out


def _clean(values: dict) -> dict:
    return {k: (None if pd.isna(v) else round(float(v), 6)) for k, v in values.items()}


def _score_rows(result: LevelForecast) -> pd.DataFrame:
    """Per-unit scores: the forecast as used (``chosen`` = 1) and every candidate's (0)."""
    final = evaluate(result.backtest.to_frame()).reset_index()
    final["model"] = (
        pd.Series(result.model, index=result.ids).reindex(final["unique_id"]).to_numpy()
    )
    final["chosen"] = 1
    frames = [final]
    for name, test in result.candidates.items():
        table = evaluate(test.to_frame()).reset_index()
        table["model"] = name
        table["chosen"] = 0
        frames.append(table)
    frame = pd.concat(frames, ignore_index=True)
    frame["level"] = result.level
    return frame


def _value_rows(result: LevelForecast, level_pct: float) -> pd.DataFrame:
    frame = result.to_frame(level_pct)
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.date
    frame["level"] = result.level
    frame["unique_id"] = frame["unique_id"].astype(str)
    frame["model"] = frame["model"].astype(str)
    return frame


def save_run(engine: Engine, forecast: Forecast, level_pct: float = 80) -> ForecastRun:
    """Store a forecast (every level, with per-unit backtest scores) and return the run."""
    return _save(engine, forecast, level_pct)


def _save(
    engine: Engine, forecast: Forecast, level_pct: float, frame: pd.DataFrame | None = None
) -> ForecastRun:
    """:func:`save_run`; ``frame`` is the requested level's ``to_frame`` if already made."""
    created = datetime.now().replace(microsecond=0)
    last_day = forecast.base.dates[0] - pd.Timedelta(days=1)
    scores = _scores_json(forecast)
    parameters = {**forecast.parameters, "horizon": forecast.horizon, "level_pct": level_pct}
    versions = library_versions()
    with engine.begin() as conn:
        run_id = conn.execute(
            forecast_runs.insert()
            .values(
                created_at=created,
                level=forecast.level,
                horizon=forecast.horizon,
                model=forecast.model,
                level_pct=float(level_pct),
                last_day=last_day.date(),
                parameters=json.dumps(parameters, ensure_ascii=False, default=str),
                versions=json.dumps(versions),
                scores=json.dumps(scores, ensure_ascii=False),
            )
            .returning(forecast_runs.c.id)
        ).scalar_one()
        for result in forecast.levels.values():
            values = _value_rows(result, level_pct)
            values["run_id"] = run_id
            insert_frame(conn, forecast_values, values)
            rows = _score_rows(result)
            rows["run_id"] = run_id
            rows["unique_id"] = rows["unique_id"].astype(str)
            rows["model"] = rows["model"].astype(str)
            insert_frame(conn, forecast_scores, rows.astype(object).where(rows.notna(), None))
    if frame is None:
        frame = forecast.base.to_frame(level_pct)
    return ForecastRun(
        int(run_id),
        created,
        forecast.level,
        forecast.horizon,
        forecast.model,
        float(level_pct),
        last_day,
        parameters,
        versions,
        scores,
        frame,
    )


def list_runs(engine: Engine, by: str = "") -> pd.DataFrame:
    """Saved runs, newest first: ``id, created_at, level, horizon, model, level_pct, last_day``.

    ``by`` picks the kind: ``""`` the runs of units (the default, what the pages and
    ``--if-none`` mean by a forecast run), ``"category"`` the runs by unit × category
    (forecasting.bycategory)."""
    t = forecast_runs.c
    query = select(
        t.id, t.created_at, t.level, t.horizon, t.model, t.level_pct, t.last_day, t.parameters
    )
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(t.id.desc())).all()
    columns = ["id", "created_at", "level", "horizon", "model", "level_pct", "last_day"]
    frame = pd.DataFrame(rows, columns=[*columns, "parameters"])
    kind = [json.loads(p).get("by", "") for p in frame["parameters"]]
    return frame.loc[[k == by for k in kind], columns].reset_index(drop=True)


def load_run(
    engine: Engine,
    run_id: int | None = None,
    level: str | None = None,
    scope: Mapping[str, str] | None = None,
) -> ForecastRun:
    """A saved run (default: the newest run of units) with the forecasts of ``level`` (default: its own).

    ``forecasts`` has the contract's columns; a run's coarser levels are available too.
    With a ``scope`` (a signed-in account's district/street/community) only the units
    inside it are read; a level coarser than the scope has none.
    """
    t = forecast_runs.c
    if run_id is None:  # the newest run of units, never one by category
        newest = list_runs(engine)
        run_id = int(newest["id"].iloc[0]) if not newest.empty else -1
    with engine.connect() as conn:
        row = conn.execute(select(forecast_runs).where(t.id == run_id)).mappings().first()
    if row is None:
        raise ForecastError("There is no saved forecast run to show.")
    v = forecast_values.c
    wanted = level or row["level"]
    query = select(v.unique_id, v.ds, v.model, v.yhat, v.yhat_lo, v.yhat_hi).where(
        v.run_id == row["id"], v.level == wanted
    )
    query = _only(query, v.unique_id, units_within(engine, wanted, scope))
    with engine.connect() as conn:
        values = conn.execute(query.order_by(v.unique_id, v.ds)).all()
    frame = pd.DataFrame(values, columns=list(CSV_COLUMNS))
    frame["ds"] = pd.to_datetime(frame["ds"])
    return ForecastRun(
        int(row["id"]),
        row["created_at"],
        row["level"],
        int(row["horizon"]),
        row["model"],
        float(row["level_pct"]),
        pd.Timestamp(row["last_day"]),
        json.loads(row["parameters"]),
        json.loads(row["versions"]),
        json.loads(row["scores"]),
        frame,
    )


def load_scores(
    engine: Engine,
    run_id: int,
    level: str | None = None,
    scope: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per-unit backtest scores of a run: ``level, unique_id, model, chosen, mase, wape, cov80, cov95``
    (with a ``scope``, of one ``level``'s units inside it only, as :func:`load_run`)."""
    s = forecast_scores.c
    query = select(s.level, s.unique_id, s.model, s.chosen, s.mase, s.wape, s.cov80, s.cov95)
    query = query.where(s.run_id == run_id)
    if scope and not level:
        raise ForecastError("Scores within a scope are read one level at a time.")
    if level:
        query = query.where(s.level == level)
        query = _only(query, s.unique_id, units_within(engine, level, scope))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(s.level, s.unique_id, s.model)).all()
    return pd.DataFrame(
        rows, columns=["level", "unique_id", "model", "chosen", "mase", "wape", "cov80", "cov95"]
    )


def _only(query, column, ids: list[str] | None):
    """``query`` limited to ``ids`` (None: no limit; an empty list: nothing)."""
    if ids is None:
        return query
    return query.where(column.in_(ids) if ids else false())


def write_forecast(
    engine: Engine,
    level: str,
    horizon: int,
    out_path: str | Path,
    model: str = "auto",
    level_pct: float = 80,
    progress: Progress | None = None,
    holidays: str = "auto",
    by: str | None = None,
    categories: list[str] | None = None,
) -> ForecastRun:
    """Forecast ``level`` for the ``horizon`` days after the last reported day, save the run
    and write the contract CSV ``unique_id, ds, model, yhat, yhat_lo, yhat_hi`` (one row per
    unit and day; with ``auto`` the model chosen for that unit). ``holidays`` picks the calendar (``auto``: from the store's time zone; ``CN``, ``US``,
    ``none``), see :func:`forecasting.forecaster.holiday_choice`. ``by="category"`` forecasts
    one series per unit × category instead (ids ``<unit>/<category>``, the category alone at
    city level; :mod:`forecasting.bycategory`), only ``categories`` if given.

    The file is UTF-8 with a BOM (:data:`CSV_ENCODING`), ``yhat`` rounded to 4 decimals in
    its shortest form; it is written only once the run is saved, and the run is kept only
    if the file is written. Notes about the history (a gap in the data) are kept in the
    run's ``parameters["notes"]`` (the command line prints them).

    Raises :class:`ForecastError` (one plain sentence) for an unknown level or model, an
    interval level outside 50–99, an output path that is not a writable ``.csv`` in an
    existing folder (checked before the fit), an empty store or too little history.
    """
    from forecasting.tuning import load_settings

    path = check_forecast_request(level, horizon, model, level_pct, out_path)
    if by is not None and by not in BY_CHOICES:
        raise ForecastError(f"A forecast can be split by {', '.join(BY_CHOICES)}, not {by!r}.")
    if categories and by != "category":
        raise ForecastError("Categories can be chosen only for a forecast by category.")
    if by == "category":
        check_categories(engine, categories)
    tuned = load_settings(engine, level) if model == "auto" and by is None else None
    state = {"total": 1}

    def forecasting_part(done: int, total: int) -> None:
        # Saving the run takes about a tenth of the time: keep that much of the bar for it.
        state["total"] = total + max(1, total // 10)
        if progress:
            progress(done, state["total"])

    if by == "category":
        forecast = forecast_by_category(
            engine,
            level,
            horizon,
            model,
            categories=categories,
            progress=forecasting_part,
            params=holiday_choice(holidays),
        )
    else:
        forecast = forecast_hierarchy(
            engine,
            level,
            horizon,
            model,
            tuned=tuned,
            progress=forecasting_part,
            params=holiday_choice(holidays),
        )
    frame = forecast.base.to_frame(level_pct)
    # The file is written next to its place first and moved there only once the run is
    # saved: a file that cannot be written leaves no saved run, a failed save no file.
    part = _write_part(frame, path)
    try:
        run = _save(engine, forecast, level_pct, frame)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    try:
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        _delete_run(engine, run.id)
        raise ForecastError(
            f"The file {str(path)!r} cannot be written ({os_reason(exc)})."
        ) from None
    if progress:
        progress(state["total"], state["total"])
    return run


def check_forecast_request(
    level: str, horizon: int, model: str, level_pct: float, out_path: str | Path
) -> Path:
    """The forecast file's path once the request is known to be servable (before the fit,
    which may take minutes); ForecastError, one sentence, otherwise."""
    if not 50 <= float(level_pct) < 100:
        raise ForecastError("The interval level must be a percentage from 50 to 99.")
    check_request(level, horizon, model)
    return check_out_path(out_path)


def check_out_path(out_path: str | Path) -> Path:
    """The forecast file's path, refused (one sentence) unless it ends in ``.csv``, its
    folder exists and it can be written there (the rules of ``assess --out``)."""
    return checked_out_path(out_path, (".csv",), ForecastError)


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The forecast file's rows: ``ds`` as ``YYYY-MM-DD``, ``yhat`` rounded to
    :data:`YHAT_DECIMALS`, interval ends in the same shortest form (whole numbers, except an
    upper end that is the forecast itself), so ``yhat_lo ≤ yhat ≤ yhat_hi`` as written."""
    out = frame[list(CSV_COLUMNS)].copy()
    out["ds"] = pd.to_datetime(out["ds"]).dt.strftime("%Y-%m-%d")
    out["yhat"] = out["yhat"].astype(float).round(YHAT_DECIMALS) + 0.0  # no "-0"
    lo = out["yhat_lo"].astype(float).round(YHAT_DECIMALS)
    hi = out["yhat_hi"].astype(float).round(YHAT_DECIMALS)
    out["yhat_lo"] = np.minimum(lo, out["yhat"]) + 0.0
    out["yhat_hi"] = np.maximum(hi, out["yhat"]) + 0.0
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write the forecast file at ``path`` whole or not at all (a run made without a store)."""
    part = _write_part(frame, path)
    try:
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ForecastError(
            f"The file {str(path)!r} cannot be written ({os_reason(exc)})."
        ) from None


def _write_part(frame: pd.DataFrame, path: Path) -> Path:
    """Write the forecast file beside ``path`` under a hidden temporary name; return it."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        csv_frame(frame).to_csv(part, index=False, encoding=CSV_ENCODING, float_format="%.15g")
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ForecastError(
            f"The file {str(path)!r} cannot be written ({os_reason(exc)})."
        ) from None
    return part


def _delete_run(engine: Engine, run_id: int) -> None:
    """Remove a saved run whose file could not be written."""
    with engine.begin() as conn:
        conn.execute(delete(forecast_values).where(forecast_values.c.run_id == run_id))
        conn.execute(delete(forecast_scores).where(forecast_scores.c.run_id == run_id))
        conn.execute(delete(forecast_runs).where(forecast_runs.c.id == run_id))


def horizon_totals(run: ForecastRun) -> pd.DataFrame:
    """Expected cases per unit over the run's whole horizon (columns unique_id, yhat)."""
    return run.forecasts.groupby("unique_id", as_index=False)["yhat"].sum()
