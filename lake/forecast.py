"""``forecast --engine sc://… --lake DIR``: series counted by Spark, per-series models on its executors."""

from __future__ import annotations

import math
import re
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from lake import LakeError
from lake.spark import SparkLake, first_line

#: The project's packages the executors import (forecasting.fits and what it imports),
#: shipped with each session: a cluster's executors have the Python libraries of
#: requirements.txt, not GridPulse itself.
SHIPPED = ("caselog", "forecasting", "outfile.py")
#: Series per Spark task: a level small enough for Prophet and ETS (about 2 s a series)
#: goes a few series a task so that the executors share it; a large level's fast models
#: (TSB on every grid) go many a task, as statsforecast's own overhead is per call.
SLOW_GROUP, FAST_GROUP = 4, 250
SLOW_MODELS = ("ets", "sarima", "prophet", "theta")
#: Tasks a level is split into at least (when it has that many series), so that every
#: executor of a small cluster gets a share of it.
MIN_TASKS = 8
_SCHEMA = "level string, unit string, model string, params string, days long, yhat array<double>"


@dataclass
class SparkForecast:
    """A forecast made over a lake, and how many series forecasts came from the executors."""

    forecast: object  # forecasting.Forecast
    frame: pd.DataFrame
    #: Series forecasts taken from the executors, and calls of a per-series model that
    #: were not planned there and ran here (a unit's saved setting with its own parameters).
    fitted_on_spark: int
    fitted_here: int


class _Counted:
    """The lake as forecasting's source of series: each statement run on Spark once (the
    plan and the forecast read the same daily counts)."""

    def __init__(self, lake: SparkLake) -> None:
        self.lake = lake
        self._done: dict[str, pd.DataFrame] = {}

    @property
    def timezone(self) -> str | None:
        return self.lake.manifest.timezone

    def run(self, stmt) -> pd.DataFrame:
        from metrics.sparksql import spark_sql

        text = spark_sql(stmt)
        if text not in self._done:
            self._done[text] = self.lake.run(stmt)
        return self._done[text]


def forecast_on_spark(
    lake: SparkLake,
    level: str,
    horizon: int,
    model: str = "auto",
    *,
    level_pct: float = 80,
    holidays: str = "auto",
    n_cutoffs: int = 3,
) -> SparkForecast:
    """forecasting.forecast_hierarchy over ``lake``: the daily series counted by Spark SQL
    from the same statements as on the store, every per-series model (statsforecast's,
    Prophet) fitted on the executors at every backtest cutoff, and the rest — the choice
    per unit, the level-wide models and intervals, the sums up the tree — as on the store,
    from the same code. ForecastError or LakeError, one sentence, when it cannot be made."""
    from forecasting.fits import Fits, use_fits
    from forecasting.forecaster import (
        MAX_PER_SERIES_UNITS,
        check_request,
        filled_params,
        forecast_hierarchy,
        holiday_choice,
        usable_history,
    )
    from forecasting.series import LEVELS, extract_panel

    check_request(level, horizon, model)
    source = _Counted(lake)
    params = filled_params(holiday_choice(holidays), source.timezone)
    panels = {lv: extract_panel(source, lv) for lv in LEVELS[LEVELS.index(level) :]}
    panels, _ = usable_history(panels, horizon, n_cutoffs)
    jobs = _plan(panels, level, model, params, MAX_PER_SERIES_UNITS)
    fits = Fits({})
    if any(jobs.values()):
        fits = _fit_on_spark(lake, panels, jobs, horizon, n_cutoffs)
    tuned = lake.manifest.tuned.get(level) if model == "auto" else None
    with use_fits(fits):
        forecast = forecast_hierarchy(
            source, level, horizon, model, n_cutoffs=n_cutoffs, params=params, tuned=tuned
        )
    frame = forecast.base.to_frame(level_pct)
    return SparkForecast(forecast, frame, fits.used, len(fits.missed))


def _plan(panels: dict, level: str, model: str, params: dict, max_units: int) -> dict:
    """Per level, the per-series fits forecast_hierarchy will ask for: the requested level's
    candidates and, for ``auto`` and ``share``, those of the coarser level it shares down."""
    from forecasting.fits import per_series_jobs
    from forecasting.forecaster import FEW_CANDIDATES, MANY_CANDIDATES
    from forecasting.series import LEVELS

    if model == "auto":
        many = len(panels[level].ids) > max_units
        candidates = MANY_CANDIDATES if many else (*FEW_CANDIDATES, "share")
    else:
        candidates = (model,)
    jobs = {level: per_series_jobs(candidates, params)}
    if model in ("auto", "share"):
        for upper in LEVELS[LEVELS.index(level) + 1 :]:
            if len(panels[upper].ids) <= max_units:
                jobs[upper] = per_series_jobs(FEW_CANDIDATES, params)
                break
    return jobs


def _fit_on_spark(lake: SparkLake, panels: dict, jobs: dict, horizon: int, n_cutoffs: int):
    """Every planned fit, on the executors: the daily counts grouped a few series a task."""
    from forecasting.backtest import cutoff_positions
    from forecasting.fits import Fits, fit_group
    from forecasting.series import panel_query
    from metrics.sparksql import spark_sql

    first = next(iter(panels.values()))
    start, days = first.start, first.days
    lengths = [*cutoff_positions(days, horizon, n_cutoffs), days]
    parts = []
    for level, wanted in jobs.items():
        if not wanted:
            continue
        unit = "'city'" if level == "city" else "`unit`"
        size = SLOW_GROUP if any(m in SLOW_MODELS for m, _ in wanted) else FAST_GROUP
        n = len(panels[level].ids)
        groups = max(1, math.ceil(n / size), min(n, MIN_TASKS))
        parts.append(
            f"SELECT '{level}' AS level, CAST({unit} AS STRING) AS unit, ds, n, "
            f"pmod(hash({unit}), {groups}) AS task FROM ({spark_sql(panel_query(level))}) q"
        )
    job = partial(fit_group, start=start, days=days, lengths=lengths, horizon=horizon, jobs=jobs)
    session = lake.session
    try:
        _ship(session)
        counts = session.sql(" UNION ALL ".join(parts))
        with warnings.catch_warnings():  # a partial has no type hints: the type is given
            warnings.simplefilter("ignore", UserWarning)
            fitted = counts.groupBy("level", "task").applyInPandas(job, schema=_SCHEMA)
        fitted = fitted.toPandas()
    except LakeError:
        raise
    except Exception as exc:
        raise LakeError(f"Spark could not fit the per-unit models ({_reason(exc)}).") from None
    return Fits.from_frame(fitted, start)


def _ship(session) -> None:
    """The project's packages as one zip on the session's Python path (the executors')."""
    import forecasting

    root = Path(forecasting.__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "gridpulse_code.zip"
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in SHIPPED:
                path = root / name
                files = [path] if path.is_file() else sorted(path.rglob("*.py"))
                for file in files:
                    zf.write(file, file.relative_to(root).as_posix())
        try:
            session.addArtifacts(str(bundle), pyfile=True)
        except Exception as exc:
            raise LakeError(
                f"The project's code could not be sent to Spark ({first_line(exc)})."
            ) from None


def _reason(exc: BaseException) -> str:
    """What went wrong: an executor's Python error as its last line (``ModuleNotFoundError:
    No module named 'prophet'``), else the first line of Spark's message."""
    errors = re.findall(r"^(\w+(?:Error|Exception)\b.*)$", str(exc), re.MULTILINE)
    return errors[-1].split(" SQLSTATE")[0].strip()[:300] if errors else first_line(exc)
