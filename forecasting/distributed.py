"""The statsforecast batch engine on a Dask cluster (through fugue), for very many series.

On one machine :mod:`forecasting.models` is faster; this is for running the same models
across a cluster's workers. Only statsforecast's models are distributed.
"""

from __future__ import annotations

import pandas as pd

from forecasting.errors import ForecastError
from forecasting.series import Panel

__all__ = ["DISTRIBUTABLE", "forecast_on_dask"]

#: Models that can run on a cluster, by our name.
DISTRIBUTABLE: tuple[str, ...] = ("snaive", "ets", "sarima", "croston", "tsb", "adida")


def _statsforecast_models(names: tuple[str, ...]) -> list:
    from statsforecast.models import ADIDA, ARIMA, TSB, AutoETS, CrostonOptimized, SeasonalNaive

    factories = {
        "snaive": lambda: SeasonalNaive(season_length=7, alias="snaive"),
        "ets": lambda: AutoETS(season_length=7, model="AAA", damped=True, alias="ets"),
        "sarima": lambda: ARIMA(
            order=(1, 0, 1), seasonal_order=(0, 1, 1), season_length=7, alias="sarima"
        ),
        "croston": lambda: CrostonOptimized(alias="croston"),
        "tsb": lambda: TSB(alpha_d=0.1, alpha_p=0.1, alias="tsb"),
        "adida": lambda: ADIDA(alias="adida"),
    }
    unknown = [n for n in names if n not in factories]
    if unknown:
        raise ForecastError(f"The model {unknown[0]!r} cannot run on a cluster.")
    return [factories[n]() for n in names]


def forecast_on_dask(
    panel: Panel, horizon: int, models: tuple[str, ...], client, partitions: int | None = None
) -> pd.DataFrame:
    """Forecast every series with statsforecast on the Dask ``client``'s cluster.

    Returns ``unique_id, ds`` and one column per model (point forecasts, clipped at 0).
    """
    import dask.dataframe as dd
    from statsforecast import StatsForecast

    frame = panel.to_long()
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    ddf = dd.from_pandas(frame, npartitions=partitions or 2 * workers)
    engine = StatsForecast(models=_statsforecast_models(tuple(models)), freq="D")
    out = engine.forecast(df=ddf, h=horizon).compute()
    out = out.reset_index(drop=True) if "unique_id" in out.columns else out.reset_index()
    for name in models:
        out[name] = pd.to_numeric(out[name]).astype(float).clip(lower=0)
    out["ds"] = pd.to_datetime(out["ds"])
    return out[["unique_id", "ds", *models]].sort_values(["unique_id", "ds"]).reset_index(drop=True)
