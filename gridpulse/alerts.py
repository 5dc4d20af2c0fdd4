"""The ``alerts`` verb: look for surges in the last days of the store and save them for the pages."""

from __future__ import annotations

import sys


def add_parsers(verbs) -> None:
    """Register ``alerts``."""
    alerts = verbs.add_parser(
        "alerts", help="detect surges of the last days (grids, categories) and save them"
    )
    alerts.add_argument("--days", type=int, default=7, help="the window looked at (default 7)")
    alerts.add_argument(
        "--level-pct",
        dest="level_pct",
        type=float,
        default=95,
        help="a surge is above this upper interval end (default 95)",
    )
    alerts.add_argument(
        "--if-none", action="store_true", help="do nothing if the store already holds alerts"
    )


def run_alerts(args, error: type[Exception]) -> int:
    """Detect and save the surges of the store at ``args.db``; ``error`` carries a
    one-sentence failure (no store, too little history, a bad window or level)."""
    import forecasting
    from caselog import open_store
    from caselog.store import store_file

    if args.days < 1:
        raise error("--days must be a positive number.")
    if not 50 <= args.level_pct < 100:
        raise error("--level-pct must be a percentage from 50 to 99.")
    path = store_file(args.db)
    if path is not None and not path.exists():
        raise error(f"there is no store at {path}; load a case log first (gridpulse ingest).")
    engine = open_store(args.db)
    try:
        if args.if_none:
            stored = len(forecasting.load_alerts(engine))
            if stored:
                print(f"the store already holds {stored:,} alerts; none detected.")
                return 0
        print("looking for surges in the last days…", file=sys.stderr, flush=True)
        try:
            found = forecasting.detect_surges(engine, days=args.days, level_pct=args.level_pct)
        except forecasting.ForecastError as exc:
            raise error(str(exc)) from exc
        saved = forecasting.save_alerts(engine, found)
    finally:
        engine.dispose()
    print(f"saved {saved:,} surge alerts of the last {args.days} days")
    return 0
