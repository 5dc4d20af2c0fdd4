"""Building the sample city into a store: generate the files, then ingest them.

Run as ``python -m sample_data.bootstrap [--if-empty]`` (the README's start command does).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from caselog import default_url, open_store
from caselog.ingest import IngestSummary, ingest_files
from caselog.overview import count_cases
from metrics.warm import warm_pages
from sample_data import generate_city

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"

# (phase, done, total): phase is "generate" or "load".
Progress = Callable[[str, int, int], None]


def build_sample_store(
    engine: Engine, out_dir: Path = DEFAULT_DIR, progress: Progress | None = None, **city
) -> IngestSummary:
    """Write the sample city's files to ``out_dir`` and load them into the store."""

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
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: build the sample city (only into an empty store with --if-empty)."""
    parser = argparse.ArgumentParser(prog="python -m sample_data.bootstrap")
    parser.add_argument("--db", default=None, help="store URL (default: GRIDPULSE_DB or data/)")
    parser.add_argument("--if-empty", action="store_true", help="do nothing if cases exist")
    args = parser.parse_args(argv)
    url = args.db or default_url()
    engine = open_store(url)
    try:
        existing = count_cases(engine)
        if args.if_empty and existing:
            print(f"The store already holds {existing:,} cases; the sample city is not rebuilt.")
            return 0
        print("Building the sample city (about a minute)…", flush=True)
        summary = build_sample_store(engine)
        print(
            f"Sample city loaded: {count_cases(engine):,} cases, "
            f"{summary.cases.rejected:,} dirty rows quarantined."
        )
    finally:
        engine.dispose()
    warmed = warm_pages(url)  # the first page views then come from the result cache
    if warmed:
        print(f"Pages' tables computed for {', '.join(warmed)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
