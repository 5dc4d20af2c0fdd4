"""The synthetic city generator: a fictional city's case log, ratings and grids (see dirty.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from caselog.columns import CASE_COLUMNS, RATING_COLUMNS
from sample_data import catalog, dirty
from sample_data.cases import case_numbers, draw_cases, grid_cdf, plan_year
from sample_data.geography import build_city
from sample_data.handling import handle
from sample_data.lifecycle import simulate
from sample_data.names import CITY_NAME
from sample_data.ratings import draw_ratings
from sample_data.seasonality import build_year
from sample_data.writer import (
    CsvSink,
    case_ids,
    case_table,
    rating_table,
    write_geojson,
    write_grids,
)

__all__ = ["CITY_NAME", "DirtyCounts", "SampleSummary", "generate_city"]

# Cases generated and written at a time; bounds memory for any yearly volume.
_CHUNK_CASES = 250_000


@dataclass(frozen=True)
class DirtyCounts:
    """How many rows of each deliberately dirty kind cases.csv holds (kinds in dirty.py)."""

    duplicate_case: int = 0
    closed_before_reported: int = 0
    junk_satisfaction: int = 0
    negative_reopened: int = 0
    missing_category: int = 0
    bad_reported_at: int = 0
    empty_case_id: int = 0

    @property
    def total(self) -> int:
        """Dirty rows in all; a duplicated case counts once (its extra progress row)."""
        return sum(getattr(self, kind) for kind in dirty.KINDS)


@dataclass(frozen=True)
class SampleSummary:
    """What generate_city wrote: paths, counts and the dirty rows planted in cases.csv.

    `cases` counts distinct generated cases; `case_rows` counts rows of cases.csv, which
    exceeds `cases` by the duplicated cases' extra progress rows.
    """

    cases_path: Path
    ratings_path: Path
    grids_path: Path
    geojson_path: Path
    cases: int
    case_rows: int
    ratings: int
    grids: int
    first_day: dt.date
    last_day: dt.date
    dirty: DirtyCounts = field(default_factory=DirtyCounts)


def _epoch_seconds(moment: dt.datetime) -> float:
    return (moment - dt.datetime(1970, 1, 1)).total_seconds()


def generate_city(
    out_dir: str | Path,
    grids: int = 2000,
    years: int = 3,
    cases_per_year: int = 200_000,
    seed: int = 42,
    end_year: int = 2025,
    progress: Callable[[int, int], None] | None = None,
) -> SampleSummary:
    """Write a synthetic city's cases.csv, ratings.csv, grids.csv and grids.geojson to out_dir.

    The cases cover the `years` calendar years ending with `end_year`, exactly
    `cases_per_year` cases each; open cases are judged at the last second of `end_year`.
    `progress(done, total)` is called after each chunk of cases is written. The same
    arguments always give byte-identical files.
    """
    if grids < 1 or years < 1 or cases_per_year < 0:
        raise ValueError("grids and years must be at least 1 and cases_per_year at least 0")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    city = build_city(grids, len(catalog.CATEGORY_NAMES), np.random.default_rng([seed, 0]))
    write_grids(city, out / "grids.csv")
    write_geojson(city, out / "grids.geojson")
    sampler = grid_cdf(city)
    first_year = end_year - years + 1
    end = _epoch_seconds(dt.datetime(end_year, 12, 31, 23, 59, 59))
    total, done = years * cases_per_year, 0
    planted = dict.fromkeys(dirty.KINDS, 0)
    with (
        CsvSink(out / "cases.csv", CASE_COLUMNS) as case_sink,
        CsvSink(out / "ratings.csv", RATING_COLUMNS) as rating_sink,
    ):
        for year_number in range(first_year, end_year + 1):
            rng = np.random.default_rng([seed, 1, year_number])
            # Its own stream: the handling columns leave the draws of the others as they were.
            handling_rng = np.random.default_rng([seed, 3, year_number])
            plan = plan_year(build_year(year_number, rng), cases_per_year, rng)
            for lo, hi in plan.chunks(_CHUNK_CASES):
                batch = draw_cases(plan, lo, hi, city, sampler, rng)
                simulate(batch, end, rng)
                handle(batch, end, handling_rng)
                ids = case_ids(case_numbers(batch["reported"]))
                ratings = draw_ratings(batch, end, rng)
                rating_sink.write(rating_table(ratings, ids))
                defects = dirty.choose(batch, ratings["row"], rng)
                dirty.apply_to_batch(batch, defects, rng)
                case_sink.write(dirty.apply_to_table(case_table(batch, ids, city), defects, rng))
                for kind, rows in defects.items():
                    planted[kind] += len(rows)
                done += len(batch["reported"])
                if progress is not None:
                    progress(done, total)
    return SampleSummary(
        cases_path=out / "cases.csv",
        ratings_path=out / "ratings.csv",
        grids_path=out / "grids.csv",
        geojson_path=out / "grids.geojson",
        cases=done,
        case_rows=case_sink.rows,
        ratings=rating_sink.rows,
        grids=city.size,
        first_day=dt.date(first_year, 1, 1),
        last_day=dt.date(end_year, 12, 31),
        dirty=DirtyCounts(**planted),
    )
