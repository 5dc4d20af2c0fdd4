"""Where and when cases arise: yearly volume plans and the cases of a run of days."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sample_data import catalog
from sample_data.geography import City, random_points
from sample_data.seasonality import HOUR_CDF, NIGHT_PROFILE, SEASONS, Year

Batch = dict[str, np.ndarray]

_SEASON_INDEX = np.array([SEASONS.index(name) for name in catalog.SUB_SEASON])
_SELF_REPORTED = np.array([name in ("hotline", "app", "other") for name in catalog.SOURCES])


@dataclass(frozen=True)
class YearPlan:
    """Exact case counts per day, source and subcategory for one year, and its urgency mix."""

    year: Year
    counts: np.ndarray
    urgency_cdf: np.ndarray

    def chunks(self, max_cases: int) -> Iterator[tuple[int, int]]:
        """Day ranges [lo, hi) of whole days holding about `max_cases` cases or fewer each."""
        per_day = self.counts.sum(axis=(1, 2))
        lo, running = 0, 0
        for day, count in enumerate(per_day):
            if running and running + count > max_cases:
                yield lo, day
                lo, running = day, 0
            running += int(count)
        yield lo, len(per_day)


def plan_year(year: Year, cases: int, rng: np.random.Generator) -> YearPlan:
    """Split exactly `cases` cases over the days, sources and subcategories of `year`.

    Expected volume is day factor x source share x category affinity x seasonal curve x
    subcategory weight; source totals are then rescaled to catalog.SOURCE_SHARE.
    """
    intensity = (
        year.source_factor[:, :, None]
        * catalog.SOURCE_AFFINITY[catalog.SUB_CATEGORY].T[None, :, :]
        * (year.season_factor[:, _SEASON_INDEX] * catalog.SUB_WEIGHT)[:, None, :]
    )
    intensity *= (catalog.SOURCE_SHARE / intensity.sum(axis=(0, 2)))[None, :, None]
    p = (intensity / intensity.sum()).ravel()
    counts = rng.multinomial(cases, p).reshape(intensity.shape)
    sub_share = intensity.sum(axis=(0, 1)) / intensity.sum()
    urgency_cdf = np.cumsum(catalog.calibrated_urgency(sub_share), axis=1)
    return YearPlan(year=year, counts=counts, urgency_cdf=urgency_cdf)


def grid_cdf(city: City) -> np.ndarray:
    """Cumulative grid weights per category, flattened with category c shifted by +c."""
    weights = city.activity[:, None] * city.affinity
    cdf = np.cumsum(weights, axis=0) / weights.sum(axis=0)
    cdf[-1] = 1.0
    return (cdf.T + np.arange(cdf.shape[1])[:, None]).ravel()


def _pick(cdf: np.ndarray, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index within `row` of each case, drawn from per-row cumulative probabilities `cdf`."""
    return np.minimum((u[:, None] > cdf[row]).sum(axis=1), cdf.shape[1] - 1)


def draw_cases(
    plan: YearPlan, lo: int, hi: int, city: City, grids: np.ndarray, rng: np.random.Generator
) -> Batch:
    """The cases reported on days [lo, hi) of the plan, sorted by report time.

    `grids` is grid_cdf(city). Times are float seconds since the epoch (naive local time).
    """
    counts = plan.counts[lo:hi]
    flat = counts.ravel()
    cells = np.repeat(np.flatnonzero(flat), flat[flat > 0])
    day, source, sub = np.unravel_index(cells, counts.shape)
    n = len(cells)
    category = catalog.SUB_CATEGORY[sub]
    n_grids = city.size
    slot = np.searchsorted(grids, category + rng.random(n), side="right")
    grid = np.clip(slot - category * n_grids, 0, n_grids - 1)
    profile = np.where(catalog.SUB_NIGHT[sub] & _SELF_REPORTED[source], NIGHT_PROFILE, source)
    hour = _pick(HOUR_CDF, profile, rng.random(n))
    midnight = plan.year.days[lo + day].astype("datetime64[s]").astype(np.int64)
    reported = (midnight + hour * 3600 + rng.integers(0, 3600, n)).astype(np.float64)
    urgency = _pick(plan.urgency_cdf, sub, rng.random(n))
    lat, lon = random_points(city, grid, rng)
    order = np.argsort(reported, kind="stable")
    batch = {
        "reported": reported,
        "source": source,
        "subcategory": sub,
        "category": category,
        "grid": grid,
        "urgency": urgency,
        "lat": lat,
        "lon": lon,
    }
    return {key: value[order] for key, value in batch.items()}


def case_numbers(reported: np.ndarray) -> np.ndarray:
    """YYYYMMDD x 10^6 + the 1-based sequence of the case within its day (rows sorted by time)."""
    day = np.floor(reported / 86400).astype(np.int64)
    first = np.r_[0, np.flatnonzero(np.diff(day)) + 1]
    seq = np.arange(len(day)) - np.repeat(first, np.diff(np.r_[first, len(day)]))
    dates = day.astype("datetime64[D]")
    years = dates.astype("datetime64[Y]")
    months = dates.astype("datetime64[M]")
    ymd = (
        (years.astype(np.int64) + 1970) * 10_000
        + (months - years).astype(np.int64) * 100
        + 100
        + (dates - months).astype(np.int64)
        + 1
    )
    return ymd * 1_000_000 + seq + 1
