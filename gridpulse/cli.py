"""The ``python -m gridpulse`` command line: sample, ingest, assess, export, publish, forecast, user, audit, db."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from gridpulse import alerts, appeals, db, lake, publish, rulesets, users
from gridpulse import report as bulletin_verb
from metrics.registry import SPLIT_LEVELS

EXIT_ERROR = 1
EXIT_REFUSED = 2
#: Who the command line acts as without ``--as NAME`` (contract §5: whoever can run it
#: holds the store, and is audited as its local administrator).
LOCAL_ADMIN = "local-admin"


def actor(args) -> str:
    """The name record-changing verbs act and are audited as: ``--as NAME`` or LOCAL_ADMIN."""
    return (getattr(args, "actor", None) or "").strip() or LOCAL_ADMIN


class UserError(Exception):
    """An error to print as one plain sentence, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one sentence (the usage is behind --help)."""

    def error(self, message: str):
        self.exit(EXIT_REFUSED, f"error: {message}; see '{self.prog} --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every verb (contract §5)."""
    parser = _Parser(
        prog="python -m gridpulse",
        description="GridPulse 网格治理绩效看板: case logs in; KPIs, assessments, forecasts out.",
    )
    parser.add_argument("--db", help="SQLAlchemy URL of the store (default: GRIDPULSE_DB or data/)")
    parser.add_argument(
        "--as",
        dest="actor",
        default=None,
        help=f"who acts, for the audit log and records (default: {LOCAL_ADMIN})",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB", parser_class=_Parser)

    sample = verbs.add_parser("sample", help="write a synthetic city's case log (and load it)")
    sample.add_argument("--out", type=Path, help="output folder (with --load: data/sample)")
    sample.add_argument("--grids", type=int, default=2000)
    sample.add_argument("--years", type=int, default=3)
    sample.add_argument("--cases-per-year", type=int, default=200_000)
    sample.add_argument("--seed", type=int, default=42)
    sample.add_argument(
        "--load",
        action="store_true",
        help="also load the files into the store and prepare the pages' tables",
    )
    sample.add_argument(
        "--if-empty", action="store_true", help="with --load: do nothing if the store has cases"
    )

    ingest = verbs.add_parser("ingest", help="validate and load case logs")
    ingest.add_argument("files", nargs="*", type=Path, metavar="FILE")
    ingest.add_argument("--mapping", type=Path, help="TOML mapping file for other layouts")
    ingest.add_argument("--ratings", type=Path, action="append", default=[])
    ingest.add_argument("--grids", type=Path, action="append", default=[])
    ingest.add_argument("--json", action="store_true", help="print one JSON summary as last line")
    ingest.add_argument(
        "--no-warm",
        action="store_true",
        help="skip computing the pages' default tables after the load (DuckDB result cache)",
    )

    assess = verbs.add_parser("assess", help="write an assessment table")
    assess.add_argument(
        "--by",
        required=True,
        choices=["district", "street", "community", "grid", "department", *SPLIT_LEVELS],
        help="a unit level, or a case column to split the cohort by within --scope",
    )
    assess.add_argument("--period", required=True)
    assess.add_argument("--as-of", dest="as_of")
    assess.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="language of an .xlsx (the CSV has none)"
    )
    assess.add_argument(
        "--as-known-at",
        dest="as_known_at",
        help="compute from the data as known at this moment (each case's version loaded by then)",
    )
    assess.add_argument(
        "--rules", type=Path, help="rule set TOML (default: the one active for --by, else built-in)"
    )
    assess.add_argument("--scope", default="", help="an area: 区 or 区/街道 (default: the city)")
    assess.add_argument("--out", required=True, type=Path)

    forecast = verbs.add_parser("forecast", help="forecast daily case volume")
    forecast.add_argument(
        "--level", required=True, choices=["grid", "community", "street", "district", "city"]
    )
    forecast.add_argument("--horizon", required=True, type=int)
    forecast.add_argument("--model", default="auto")
    forecast.add_argument("--level-pct", dest="level_pct", type=int, default=80)
    forecast.add_argument(
        "--holidays",
        choices=["auto", "CN", "US", "none"],
        default="auto",
        help="holiday calendar (auto: from the store's time zone)",
    )
    forecast.add_argument(
        "--by",
        choices=["category"],
        default=None,
        help="one series per unit x category (大类): unique_id is the unit's id and the "
        "category joined with '/' (东城区/市容环境), the category alone at city level",
    )
    forecast.add_argument(
        "--category",
        dest="categories",
        action="append",
        metavar="NAME",
        help="with --by category: only this category (repeat for several)",
    )
    forecast.add_argument("--out", required=True, type=Path)
    forecast.add_argument(
        "--if-none",
        action="store_true",
        help="do nothing if the store holds a forecast run (with --by: one of that kind)",
    )
    alerts.add_parsers(verbs)
    publish.add_parsers(verbs)
    bulletin_verb.add_parsers(verbs)
    lake.add_parsers(verbs)
    users.add_parsers(verbs)
    db.add_parsers(verbs)
    appeals.add_parsers(verbs)
    rulesets.add_parsers(verbs)
    _db_after_the_verb(verbs)
    return parser


def _db_after_the_verb(verbs) -> None:
    """Let ``--db`` follow the verb too (``assess … --db URL``), in every sub-command."""
    for sub in verbs.choices.values():
        sub.add_argument("--db", default=argparse.SUPPRESS, help="store URL (as before the verb)")
        sub.add_argument("--as", dest="actor", default=argparse.SUPPRESS, help="who acts")
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                _db_after_the_verb(action)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; print one plain sentence and return non-zero on failure."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _VERBS[args.verb](args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written by the unfinished step.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last guard: one sentence, never a traceback
        known = _plain(exc)
        if known is None:
            if os.environ.get("GRIDPULSE_DEBUG"):
                raise
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            known = (
                f"an unexpected {type(exc).__name__} stopped the command ({first}); "
                "nothing half-done was kept; set GRIDPULSE_DEBUG=1 to see the details."
            )
        print(f"error: {known}", file=sys.stderr)
        return EXIT_ERROR


def _plain(exc: Exception) -> str | None:
    """The one-sentence message of an error the user can act on, else None."""
    from caselog import StoreError
    from caselog.mapping import MappingError
    from caselog.reader import RefusedFile

    if isinstance(exc, StoreError | MappingError | RefusedFile):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename or 'a file'} cannot be used ({exc.strerror or exc})."
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError):
        return f"the store cannot be reached ({str(exc.orig).strip().splitlines()[0]})."
    return None


def _open(args, *, read_only: bool = False, existing: bool = False):
    """The store's engine; ``existing``: a DuckDB file that is not there is an error (a
    mistyped path would otherwise become a new, empty store)."""
    from caselog import open_store
    from caselog.store import store_file

    path = store_file(args.db)
    if existing and path is not None and not path.exists():
        raise UserError(f"there is no store at {path}; load a case log first (gridpulse ingest).")
    return open_store(args.db, read_only=read_only)


def _run_sample(args) -> int:
    from sample_data import generate_city

    for name in ("grids", "years", "cases_per_year"):
        if getattr(args, name) <= 0:
            raise UserError(f"--{name.replace('_', '-')} must be a positive number.")
    if args.seed < 0:
        raise UserError("--seed must be zero or a positive number.")
    if args.load:
        return _load_sample(args)
    if args.if_empty:
        raise UserError("--if-empty goes with --load.")
    if args.out is None:
        raise UserError("name the output folder with --out (or load the city with --load).")
    with _Bar("sample", "cases") as bar:
        summary = generate_city(args.out, progress=bar.absolute, **_city(args))
    print(
        f"wrote {summary.cases:,} cases, {summary.ratings:,} ratings and {summary.grids:,} grids "
        f"to {args.out}"
    )
    return 0


def _city(args) -> dict[str, int]:
    """The synthetic city's size and seed as ``sample`` was given them."""
    return {
        "grids": args.grids,
        "years": args.years,
        "cases_per_year": args.cases_per_year,
        "seed": args.seed,
    }


def _load_sample(args) -> int:
    """``sample --load``: the city's files into --out (default data/sample), loaded into the
    store, then the after-load work (services.sample, as the app's sample button); with
    --if-empty only into a store without cases."""
    import time

    from caselog import default_url
    from caselog.overview import count_cases
    from services.sample import DEFAULT_DIR, load_sample_city

    out = args.out or DEFAULT_DIR
    engine = _open(args)
    try:
        existing = count_cases(engine)
        if args.if_empty and existing:
            print(f"the store already holds {existing:,} cases; the sample city is not loaded.")
            return 0
        print("building the sample city (about a minute)…", file=sys.stderr, flush=True)
        began: list[float] = []  # when the after-load work began

        with _Bar("sample", "step") as bar:

            def preparing(what: str) -> None:
                if not began:
                    began.append(time.perf_counter())
                bar.staged(f"warm: {what}", 0, 1)

            done = load_sample_city(
                engine,
                args.db or default_url(),
                out,
                progress=bar.staged,
                preparing=preparing,
                **_city(args),
            )
        c = done.summary.cases  # counted by the load: a read now would renew the store's version
        print(
            f"sample city written to {out} and loaded: {c.inserted:,} cases inserted, "
            f"{c.updated:,} updated, {c.rejected:,} dirty rows quarantined"
        )
    finally:
        engine.dispose()
    _report_after_load(done.after, time.perf_counter() - (began or [time.perf_counter()])[0])
    return 0


def _run_ingest(args) -> int:
    from caselog import default_url
    from caselog.ingest import ingest_files
    from caselog.mapping import MappingError
    from caselog.reader import RefusedFile

    if not (args.files or args.ratings or args.grids):
        raise UserError("name at least one file to ingest.")
    engine = _open(args)
    try:
        with _Bar("ingest", "step") as bar:
            summary = ingest_files(
                engine,
                args.files,
                mapping=args.mapping,
                ratings=args.ratings,
                grids=args.grids,
                progress=bar.staged,
                loaded_by=actor(args),
            )
    except (RefusedFile, MappingError) as exc:
        raise UserError(f"{exc} Nothing was written.", EXIT_REFUSED) from exc
    finally:
        engine.dispose()
    for label, counts, named in (
        ("cases", summary.cases, args.files),
        ("ratings", summary.ratings, args.ratings),
        ("grids", summary.grids, args.grids),
    ):
        if counts.read or named:  # a file with a header and no rows still says "read 0"
            print(
                f"{label}: read {counts.read:,}, inserted {counts.inserted:,}, updated "
                f"{counts.updated:,}, unchanged {counts.unchanged:,}, rejected {counts.rejected:,}"
            )
            for reason, n in sorted(counts.reasons.items(), key=lambda kv: -kv[1]):
                print(f"  rejected {n:,}: {reason}")
            for flag, n in sorted(counts.flags.items(), key=lambda kv: -kv[1]):
                print(f"  flagged {n:,}: {flag}")
            for column, n in counts.day_precision.items():
                print(f"  known to the day only {n:,}: {column}")
    for report in summary.files:
        if report.dropped_personal:
            print(
                f"{Path(report.file).name}: personal-data columns dropped: "
                f"{', '.join(report.dropped_personal)}"
            )
        if report.unused:  # a misspelt header (dispatch_time) would otherwise just be empty
            shown = ", ".join(report.unused[:8])
            more = f" and {len(report.unused) - 8:,} more" if len(report.unused) > 8 else ""
            print(f"{Path(report.file).name}: columns not used: {shown}{more}")
    if not args.no_warm:
        _after_load(args.db or default_url())
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    return 0


def _after_load(url: str) -> None:
    """The work after a load (services.afterload: the KPI cube, the tables the pages open
    with), so the first views are quick; reported on stderr, as stdout carries the counts."""
    import time

    from services.afterload import after_load

    started = time.perf_counter()
    with _Bar("warm", "table") as bar:
        done = after_load(url, lambda what: bar.staged(what, 0, 1))
    _report_after_load(done, time.perf_counter() - started)


def _report_after_load(done, seconds: float) -> None:
    """One line on stderr for the work after a load (services.afterload.AfterLoad)."""
    if done.error:
        print(f"note: {done.error}; the pages compute them when first viewed.", file=sys.stderr)
    elif done.periods:
        print(
            f"pages' tables for {', '.join(done.periods)} computed in {seconds:.1f} s",
            file=sys.stderr,
        )


def selection(args, engine):
    """The Selection of ``--by --period --scope --rules --as-of --as-known-at`` on the
    store's time zone (without --rules, the rule set active for --by, else the built-in
    one), its scope checked against the store (metrics raises ValueError subclasses)."""
    from caselog import get_timezone
    from metrics.query import check_scope
    from metrics.selection import Selection

    sel = Selection.build(
        args.by,
        args.period,
        scope=args.scope,
        rules=rulesets.active_or_file(engine, args.by, args.rules),
        as_of=args.as_of,
        as_known_at=getattr(args, "as_known_at", None),
        timezone=get_timezone(engine),
    )
    check_scope(engine, sel)
    return sel


def _run_assess(args) -> int:
    from metrics import write_assessment
    from metrics.query import latest_timestamp

    if args.engine or args.lake:  # on Spark over an exported lake (gridpulse.lake)
        return lake.run_assess(args, UserError)
    engine = _open(args, read_only=True, existing=True)
    try:
        sel = selection(args, engine)
        table = write_assessment(engine, sel, args.out, lang=args.lang)
        latest = latest_timestamp(engine, sel.as_known_at) if args.as_of else None
    except ValueError as exc:  # metrics raises ValueError subclasses with one sentence
        raise UserError(str(exc)) from exc
    finally:
        engine.dispose()
    period = sel.period.label
    users.record_export(
        args.db, {"by": args.by, "period": period, "file": str(args.out), "rows": len(table)}
    )
    print(f"wrote {len(table):,} {args.by} rows for {period} to {args.out}")
    for note in _assess_notes(table, args.by, latest):
        print(f"note: {note}", file=sys.stderr)
    return 0


def _assess_notes(table, by: str, latest) -> list[str]:
    """What an evaluator should know about a written table that is not an error."""
    notes = []
    if not len(table) or not table["cases"].fillna(0).astype(int).sum():
        notes.append(
            f"no case of {table.attrs['period'].label} names a {by}; the table holds no case."
        )
    as_of = table.attrs["as_of"]
    if latest is not None and as_of < latest:
        notes.append(
            f"--as-of {as_of:%Y-%m-%d %H:%M:%S} is before the store's latest timestamp "
            f"({latest:%Y-%m-%d %H:%M:%S}); cases are judged with their stored timestamps, so "
            "a case closed after the as-of counts as closed (docs/metrics.md)."
        )
    if table.attrs.get("calendar_note"):  # working-day deadlines in a year without 调休 known
        notes.append(table.attrs["calendar_note"])
    return notes


def _run_forecast(args) -> int:
    import forecasting
    from forecasting import ForecastError, write_forecast

    if args.categories and not args.by:
        raise UserError("--category needs --by category.")
    if args.engine or args.lake:  # on Spark over an exported lake (gridpulse.lake)
        if args.by:
            raise UserError("A forecast by category is made on the store, not on Spark.")
        return lake.run_forecast(args, UserError)
    engine = _open(args, existing=True)
    if args.if_none and not forecasting.list_runs(engine, args.by or "").empty:
        engine.dispose()
        kind = f" by {args.by}" if args.by else ""
        print(f"the store already holds a forecast run{kind}; none made.")
        return 0
    try:
        with _Bar("forecast", "series") as bar:
            run = write_forecast(
                engine,
                args.level,
                args.horizon,
                args.out,
                model=args.model,
                level_pct=args.level_pct,
                holidays=args.holidays,
                progress=bar.absolute,
                by=args.by,
                categories=args.categories,
            )
    except (ForecastError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        engine.dispose()
    units = run.forecasts["unique_id"].nunique()
    what = f"{args.level} x category series" if args.by else f"{args.level} units"
    print(
        f"wrote {len(run.forecasts):,} rows ({units:,} {what} x {args.horizon} days) "
        f"to {args.out}; saved as forecast run {run.id}"
    )
    for note in run.parameters.get("notes", []):  # after the progress bar has gone
        print(f"note: {note}", file=sys.stderr)
    return 0


class _Bar:
    """A tqdm progress bar on stderr, fed either absolute counts or (stage, done, total)."""

    def __init__(self, label: str, unit: str):
        self.label = label
        self.unit = unit
        self.bar = None
        self.stage = None

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

    def _ensure(self, desc: str, total: int):
        from tqdm import tqdm

        if self.bar is None or self.stage != desc:
            if self.bar is not None:
                self.bar.close()
            in_bytes = desc.endswith(": read")
            unit = "B" if in_bytes else self.unit
            self.bar = tqdm(
                total=total,
                desc=desc,
                unit=unit,
                unit_scale=in_bytes,
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
                disable=not sys.stderr.isatty(),
            )
            self.stage = desc
        return self.bar

    def absolute(self, done: int, total: int) -> None:
        bar = self._ensure(self.label, total)
        bar.total = total
        bar.n = done
        bar.refresh()

    def staged(self, stage: str, done: int, total: int) -> None:
        bar = self._ensure(f"{self.label}: {stage}", total)
        bar.total = total
        bar.n = done
        bar.refresh()


_VERBS: dict[str, Callable] = {
    "sample": _run_sample,
    "ingest": _run_ingest,
    "assess": _run_assess,
    "forecast": _run_forecast,
    "export": lambda args: lake.run_export(args, UserError),
    "alerts": lambda args: alerts.run_alerts(args, UserError),
    "user": lambda args: users.run_user(args, UserError),
    "audit": lambda args: users.run_audit(args, UserError),
    "db": lambda args: db.run_db(args, UserError),
    "appeal": lambda args: appeals.run_appeal(args, UserError, actor(args)),
    "order": lambda args: appeals.run_order(args, UserError, actor(args)),
    "publish": lambda args: publish.run_publish(args, UserError, actor(args)),
    "published": lambda args: publish.run_published(args, UserError, actor(args)),
    "rules": lambda args: rulesets.run_rules(args, UserError, actor(args)),
    "report": lambda args: bulletin_verb.run_report(args, UserError),
}
