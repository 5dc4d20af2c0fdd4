"""The ``export`` verb (a Parquet lake), and ``assess``/``forecast`` on Spark over such a lake."""

from __future__ import annotations

import sys
from pathlib import Path


def add_parsers(verbs) -> None:
    """Register ``export`` and add ``--engine``/``--lake`` to ``assess`` and ``forecast``."""
    export = verbs.add_parser(
        "export", help="write the store's cases, ratings and grids as Parquet for Spark"
    )
    export.add_argument("--out", required=True, type=Path, help="the lake's folder")
    export.add_argument(
        "--as-known-at",
        dest="as_known_at",
        help="each case's version loaded by this moment (default: the newest)",
    )
    assess = verbs.choices["assess"]
    assess.add_argument(
        "--engine", help="compute on a Spark Connect server, sc://HOST:PORT (with --lake)"
    )
    assess.add_argument("--lake", help="the folder written by export, as the Spark cluster sees it")
    forecast = verbs.choices["forecast"]
    forecast.add_argument(
        "--engine", help="count the series and fit the per-unit models on Spark, sc://HOST:PORT"
    )
    forecast.add_argument(
        "--lake", help="the folder written by export, as the Spark cluster sees it"
    )


def run_export(args, error: type[Exception]) -> int:
    """Write the lake; ``error`` carries a one-sentence failure."""
    from caselog import get_timezone, open_store
    from caselog.store import store_file
    from gridpulse.users import record_export
    from lake.export import export_lake
    from metrics.selection import _known_at

    path = store_file(args.db)
    if path is not None and not path.exists():
        raise error(f"there is no store at {path}; load a case log first (gridpulse ingest).")
    engine = open_store(args.db, read_only=True)
    try:
        moment = _known_at(args.as_known_at, get_timezone(engine))
        manifest = export_lake(engine, args.out, moment)
    except ValueError as exc:  # LakeError, PeriodError: one sentence
        raise error(str(exc)) from exc
    finally:
        engine.dispose()
    rows = manifest.rows
    record_export(args.db, {"what": "lake", "file": str(args.out), "rows": rows})
    known = f" as known at {manifest.as_known_at}" if manifest.as_known_at else ""
    print(
        f"wrote {rows['cases']:,} cases{known}, {rows['ratings']:,} ratings, {rows['grids']:,} "
        f"grids and {rows['appeals']:,} approved appeals to {args.out} as Parquet"
    )
    return 0


def run_assess(args, error: type[Exception]) -> int:
    """``assess`` over a lake on Spark: the same table as on the store, one sentence when the
    server, the client or the lake cannot be used."""
    from gridpulse.cli import _assess_notes
    from lake.spark import open_lake
    from metrics import write_assessment
    from metrics.selection import Selection

    if not (args.engine and args.lake):
        raise error("--engine sc://HOST:PORT and --lake DIR go together.")
    if args.as_known_at:
        raise error(
            "a lake holds the data of one moment: export it with --as-known-at, then assess it."
        )
    try:
        lake = open_lake(args.engine, args.lake)
        try:
            sel = Selection.build(
                args.by,
                args.period,
                scope=args.scope,
                rules=args.rules or lake.rules_for(args.by),
                as_of=args.as_of,
                timezone=lake.manifest.timezone,
            )
            lake.check_scope(sel)
            table = write_assessment(lake, sel, args.out)
            latest = lake.latest_timestamp() if args.as_of else None
        finally:
            lake.close()
    except ValueError as exc:  # LakeError and the metrics errors: one sentence
        raise error(str(exc)) from exc
    print(f"wrote {len(table):,} {args.by} rows for {sel.period.label} to {args.out} (Spark)")
    for note in _assess_notes(table, args.by, latest):
        print(f"note: {note}", file=sys.stderr)
    return 0


def run_forecast(args, error: type[Exception]) -> int:
    """``forecast`` over a lake on Spark: the file the store's forecast would write (no run is
    saved: the lake is read-only); one sentence when Spark or the lake cannot be used."""
    from forecasting import ForecastError
    from forecasting.runs import check_forecast_request, write_csv
    from lake.forecast import forecast_on_spark
    from lake.spark import open_lake

    if not (args.engine and args.lake):
        raise error("--engine sc://HOST:PORT and --lake DIR go together.")
    if args.if_none:
        raise error("--if-none looks for a run saved in the store; a forecast on Spark saves none.")
    try:
        level, horizon, model = args.level, args.horizon, args.model
        path = check_forecast_request(level, horizon, model, args.level_pct, args.out)
        lake = open_lake(args.engine, args.lake)
        try:
            pct, holidays = args.level_pct, args.holidays
            made = forecast_on_spark(lake, level, horizon, model, level_pct=pct, holidays=holidays)
        finally:
            lake.close()
        write_csv(made.frame, path)
    except (ForecastError, ValueError) as exc:  # LakeError is a ValueError
        raise error(str(exc)) from exc
    units = made.frame["unique_id"].nunique()
    print(
        f"wrote {len(made.frame):,} rows ({units:,} {args.level} units x {args.horizon} days) "
        f"to {args.out} (Spark: {made.fitted_on_spark:,} series forecasts made on its executors)"
    )
    for note in made.forecast.parameters.get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    return 0
