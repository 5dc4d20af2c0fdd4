"""Building the sample city into a store: generate its files, load them, then the after-load work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from caselog.ingest import IngestSummary, ingest_files
from sample_data import generate_city
from services.afterload import AfterLoad, after_load

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"

# (phase, done, total): phase is "generate" or "load".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SampleLoad:
    """The sample city's load counts and what followed the load."""

    summary: IngestSummary
    after: AfterLoad


def build_sample_store(
    engine: Engine, out_dir: Path = DEFAULT_DIR, progress: Progress | None = None, **city
) -> IngestSummary:
    """Write the sample city's files to ``out_dir`` (``city``: generate_city's grids, years,
    cases_per_year, seed) and load them into the store."""

    def generated(done: int, total: int) -> None:
        if progress:
            progress("generate", done, total)

    def loaded(_stage: str, done: int, total: int) -> None:
        if progress:
            progress("load", done, total)

    summary = generate_city(out_dir, progress=generated, **city)
    return ingest_files(
        engine,
        [summary.cases_path],
        ratings=[summary.ratings_path],
        grids=[summary.grids_path],
        progress=loaded,
        loaded_by="sample",
    )


def load_sample_city(
    engine: Engine,
    url: str,
    out_dir: Path = DEFAULT_DIR,
    progress: Progress | None = None,
    preparing: Callable[[str], None] | None = None,
    **city,
) -> SampleLoad:
    """Build the sample city into the store ``engine`` writes to (at ``url``), then run the
    after-load work (services.afterload), ``preparing`` naming each of its steps. A writing
    engine's next connection renews the store's version, which makes the prepared tables
    stale: count from the returned summary, not through ``engine``."""
    summary = build_sample_store(engine, out_dir, progress, **city)
    return SampleLoad(summary, after_load(url, preparing))
