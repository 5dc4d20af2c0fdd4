"""Calendar rhythms of case volume: day types, weekly and yearly cycles, storms, hours of day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
import numpy as np

from sample_data.catalog import SOURCES

DAY_TYPES = ("workday", "weekend", "holiday", "makeup")
WORKDAY, WEEKEND, HOLIDAY, MAKEUP = range(4)

# Volume multiplier by day type (rows) and source (columns, order of SOURCES): grid workers
# patrol on workdays, citizens call every day, whistle calls are an office-hours affair.
_DAY_FACTOR = np.array(
    [
        [1.00, 1.00, 1.00, 1.00, 1.00, 1.00],
        [0.30, 0.85, 0.80, 0.95, 0.10, 0.50],
        [0.20, 0.70, 0.65, 0.90, 0.05, 0.30],
        [0.95, 0.97, 0.97, 1.00, 0.90, 0.95],
    ]
)
# Monday carries the weekend's backlog; Friday afternoon is quieter.
_WEEKDAY_FACTOR = np.array([1.08, 1.0, 1.0, 1.0, 0.96, 1.0, 1.0])

# Relative weight of each hour 0-23 by profile: the sources (order of SOURCES), then "night"
# for night-time nuisances (noise, barbecue) that citizens report themselves.
_HOURS = np.array(
    [
        [0, 0, 0, 0, 0, 0, 0.2, 1, 4, 6, 6, 5, 2, 2, 5, 6, 5, 3, 1.5, 1, 0.5, 0.2, 0, 0],
        [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 3, 6, 8, 8, 7, 5, 5, 6, 6, 5, 5, 5, 5, 5, 4, 3, 2],
        [0.8, 0.4, 0.2, 0.2, 0.2, 0.4, 1, 3, 5, 5, 5, 5, 5, 4, 4, 4, 4, 5, 6, 6, 6, 5, 3, 1.5],
        [2, 1.5, 1.2, 1, 1, 1.5, 3, 5, 6, 6, 6, 6, 5, 5, 6, 6, 6, 6, 5, 4, 4, 3, 3, 2],
        [0, 0, 0, 0, 0, 0, 0, 1, 5, 8, 8, 6, 2, 3, 7, 7, 5, 2, 1, 0.5, 0.2, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0.3, 1, 5, 6, 6, 5, 2, 3, 5, 5, 4, 2, 1, 0.5, 0.3, 0.2, 0, 0],
        [
            6,
            4,
            2,
            1,
            0.5,
            0.3,
            0.3,
            0.5,
            0.6,
            0.6,
            0.6,
            0.6,
            1,
            1,
            1,
            1,
            1,
            1.5,
            2.5,
            4,
            6,
            8,
            9,
            8,
        ],
    ]
)
HOUR_CDF = np.cumsum(_HOURS / _HOURS.sum(axis=1, keepdims=True), axis=1)
NIGHT_PROFILE = len(SOURCES)

SEASONS = (
    "flat",
    "warm",
    "summer",
    "heating",
    "storm",
    "rain",
    "catkins",
    "snow",
    "winter",
    "building",
    "festival",
    "pests",
)


@dataclass(frozen=True)
class Year:
    """The days of one calendar year with their day type and volume factors."""

    days: np.ndarray
    day_type: np.ndarray
    source_factor: np.ndarray
    season_factor: np.ndarray
    storm_days: np.ndarray
    snow_days: np.ndarray


def _day_types(days: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
    """Day type of each day and whether it is in the Spring Festival holiday.

    Statutory holidays and make-up working days (调休) come from chinese_calendar; for years
    it does not cover only weekends are told apart.
    """
    kinds = np.empty(len(days), dtype=np.int64)
    festival = np.zeros(len(days), dtype=bool)
    for i, day in enumerate(days):
        weekend = day.weekday() >= 5
        try:
            off, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            kinds[i] = WEEKEND if weekend else WORKDAY
            continue
        if off and name is not None:
            kinds[i] = HOLIDAY
            festival[i] = name == chinese_calendar.Holiday.spring_festival.value
        elif weekend and not off:
            kinds[i] = MAKEUP
        else:
            kinds[i] = WEEKEND if off else WORKDAY
    return kinds, festival


def _bump(doy: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Gaussian bump over the day of year, wrapping around New Year."""
    d = np.abs(doy - centre)
    d = np.minimum(d, 365.0 - d)
    return np.exp(-((d / width) ** 2))


def _surges(n_days: int, window: np.ndarray, episodes: int, rng: np.random.Generator) -> np.ndarray:
    """Multiplier per day with `episodes` random 1-3 day surges starting inside `window`."""
    factor = np.ones(n_days)
    candidates = np.flatnonzero(window)
    if len(candidates) == 0:
        return factor
    for start in rng.choice(candidates, size=min(episodes, len(candidates)), replace=False):
        length = int(rng.integers(1, 4))
        peak = rng.uniform(20.0, 50.0)
        for k in range(length):
            if start + k < n_days:
                factor[start + k] = max(factor[start + k], peak * 0.5**k)
    return factor


def build_year(year: int, rng: np.random.Generator) -> Year:
    """Factors for every day of `year`: per source (days x sources) and per season tag."""
    first = dt.date(year, 1, 1)
    n_days = (dt.date(year + 1, 1, 1) - first).days
    days = [first + dt.timedelta(days=i) for i in range(n_days)]
    kinds, festival = _day_types(days)
    weekday = np.array([d.weekday() for d in days])
    month = np.array([d.month for d in days])
    day_of_month = np.array([d.day for d in days])
    doy = np.arange(n_days, dtype=float)

    source_factor = (
        _DAY_FACTOR[kinds] * np.where(kinds == WORKDAY, _WEEKDAY_FACTOR[weekday], 1.0)[:, None]
    )
    storm = _surges(n_days, (month >= 6) & (month <= 8), int(rng.integers(3, 7)), rng)
    snow = _surges(n_days, (month <= 2) | (month == 12), int(rng.integers(2, 5)), rng)
    in_heating = (month <= 2) | (month == 12) | ((month == 3) & (day_of_month <= 15))
    in_heating |= (month == 11) & (day_of_month >= 15)
    since_start = np.where(month >= 11, doy - 318.0, doy + 47.0)
    heating = np.where(
        in_heating, 1.0 + 1.8 * np.exp(-since_start / 12.0) + 0.4 * _bump(doy, 20, 25), 0.04
    )
    rainy = (month >= 6) & (month <= 9)
    curves = {
        "flat": np.ones(n_days),
        "warm": 1.0 + 0.3 * np.cos(2 * np.pi * (doy - 196) / 365),
        "summer": 0.15 + 2.2 * _bump(doy, 200, 38),
        "heating": heating,
        "storm": np.where(rainy, 0.4, 0.03) * storm,
        "rain": np.where(rainy, 1.0, 0.2) * np.sqrt(storm),
        "catkins": 0.02 + 4.0 * _bump(doy, 118, 14),
        "snow": np.where((month <= 2) | (month == 12), 0.15, 0.0) * snow,
        "winter": 1.0 + 0.35 * np.cos(2 * np.pi * (doy - 5) / 365),
        "building": np.where((month <= 2) | (month == 12), 0.45, 1.0) * np.where(festival, 0.3, 1),
        "festival": 0.05 + 30.0 * festival,
        "pests": 0.2 + 1.5 * _bump(doy, 182, 45),
    }
    season_factor = np.stack([curves[name] for name in SEASONS], axis=1)
    return Year(
        days=np.array(days, dtype="datetime64[D]"),
        day_type=kinds,
        source_factor=source_factor,
        season_factor=season_factor / season_factor.mean(axis=0),
        storm_days=np.flatnonzero(storm > 1),
        snow_days=np.flatnonzero(snow > 1),
    )
