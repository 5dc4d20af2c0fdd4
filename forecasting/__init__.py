"""Forecasting: daily case-count series, models, backtests, coherent hierarchies, surge alerts.

Heavy libraries (statsforecast, Prophet, scipy) are imported only when a model runs.
"""

from forecasting.alerts import alert_counts, detect_surges, load_alerts, save_alerts
from forecasting.errors import ForecastError, Progress
from forecasting.evaluation import Evaluation, evaluate_hierarchy
from forecasting.forecaster import Forecast, LevelForecast, forecast_hierarchy
from forecasting.holidays import calendar_known_until, day_classes
from forecasting.losses import cov80, cov95, evaluate, mae, mase, wape
from forecasting.runs import (
    ForecastRun,
    horizon_totals,
    list_runs,
    load_run,
    load_scores,
    save_run,
    write_forecast,
)
from forecasting.series import (
    LEVELS,
    Panel,
    extract_panel,
    extract_series,
    hierarchy,
    level_within,
    units_within,
)
from forecasting.tuning import (
    TuningResult,
    delete_setting,
    load_settings,
    save_setting,
    saved_settings,
    tune_series,
)

__all__ = [
    "LEVELS",
    "Evaluation",
    "Forecast",
    "ForecastError",
    "ForecastRun",
    "LevelForecast",
    "Panel",
    "Progress",
    "TuningResult",
    "alert_counts",
    "calendar_known_until",
    "cov80",
    "cov95",
    "day_classes",
    "delete_setting",
    "detect_surges",
    "evaluate",
    "evaluate_hierarchy",
    "extract_panel",
    "extract_series",
    "forecast_hierarchy",
    "hierarchy",
    "horizon_totals",
    "level_within",
    "list_runs",
    "load_alerts",
    "load_run",
    "load_scores",
    "load_settings",
    "mae",
    "mase",
    "save_alerts",
    "save_run",
    "save_setting",
    "saved_settings",
    "tune_series",
    "units_within",
    "wape",
    "write_forecast",
]
