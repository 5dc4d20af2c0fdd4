"""What a PostgreSQL store's tally (caselog.tally) costs a load and saves the pages that read it.

Times, on a loaded store: the tally's refresh (what each load adds; run in a transaction
that is rolled back), and each reader with the tally against the same reader counting the
cases (the tally taken as stale), with the machine's load average. Prints a markdown table.

    .venv/bin/python benchmarks/bench_tally.py --db postgresql+psycopg://gridpulse@localhost:54412/gp_big
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

# Run as a script from anywhere: the project's packages live one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a loaded PostgreSQL store")
    args = parser.parse_args()

    from caselog import open_store, tally
    from caselog.overview import store_overview
    from forecasting.series import extract_panel, hierarchy, units_within
    from metrics.query import latest_timestamp

    engine = open_store(args.db, read_only=True)
    with engine.connect() as conn:
        if not tally.fresh(conn):
            raise SystemExit("The store's tally is not fresh: load it (or upgrade it) first.")
    tree = hierarchy(engine, "street")
    district, street = tree["district"].iloc[0], tree["street"].iloc[0]
    readers = {
        "data page overview": lambda: store_overview(engine),
        "street ids in a district": lambda: units_within(engine, "street", {"district": district}),
        "grid tree (alerts in a scope)": lambda: hierarchy(engine, "grid"),
        "a street's history": lambda: extract_panel(
            engine, "street", unit=street, scope={"district": district}
        ),
        "latest case timestamp": lambda: latest_timestamp(engine),
    }
    print(f"# bench_tally {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}")
    print("\n| reader | tally s | cases s | ratio |\n|---|---:|---:|---:|")
    for name, read in readers.items():
        quick = _timed(read)
        # the pg cube's recorded timestamp is left out too, so the cases answer
        with (
            mock.patch.object(tally, "fresh", return_value=False),
            mock.patch("metrics.cube.pg.latest", return_value=None),
        ):
            slow = _timed(read)
        print(f"| {name} | {quick:.2f} | {slow:.2f} | {quick / slow:.3f} |", flush=True)
    with engine.connect() as conn, conn.begin() as tx:
        cost = _timed(lambda: tally.refresh(conn))
        tx.rollback()
    print(f"\nrefresh (added to each load): {cost:.1f} s, load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
