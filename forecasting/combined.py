"""Theta and the combined forecast (the median of several models), for district and city series."""

from __future__ import annotations

import numpy as np

from forecasting.series import Panel

__all__ = ["ENSEMBLE_MEMBERS", "ensemble", "theta"]

#: The models whose day-by-day median :func:`ensemble` takes by default: the yearly-adjusted
#: weekday mean, Prophet and the plain 4-week weekday mean (measured against ETS, Theta and a
#: weekday mean, which lost out of sample: docs/forecasting.md, *Out-of-sample accuracy*).
ENSEMBLE_MEMBERS: tuple[str, ...] = ("ymean", "prophet", "wmean")


def theta(panel: Panel, horizon: int, history: int = 728, **_: object) -> np.ndarray:
    """Theta method with weekly seasonal decomposition, theta optimised (statsforecast)."""
    from statsforecast.models import DynamicOptimizedTheta

    from forecasting.models import _statsforecast

    model = DynamicOptimizedTheta(season_length=7)
    return _statsforecast(panel, horizon, model, history)


def ensemble(
    panel: Panel,
    horizon: int,
    members: tuple[str, ...] = ENSEMBLE_MEMBERS,
    holidays: bool = True,
    country: str = "CN",
    **_: object,
) -> np.ndarray:
    """Day by day, the median of the ``members``' forecasts (each clipped at zero).

    A median of three differently built forecasts keeps the level when one of them runs off
    (a trend extrapolated too far, a holiday factor learnt from one odd year). ``holidays``
    and ``country`` go to the members that take a holiday calendar (``ymean``, ``prophet``).
    """
    from forecasting.models import predict

    calendar = {"holidays": holidays, "country": country}
    runs = [
        predict(name, panel, horizon, calendar if name in ("ymean", "prophet") else None)
        for name in members
    ]
    return np.median(np.stack(runs), axis=0)
