"""Loading case logs, ratings and grids into the store: validate, quarantine, upsert, count."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from caselog.columns import CASES, GRIDS, RATINGS, InputKind
from caselog.mapping import Mapping, load_mapping, to_canonical
from caselog.merge import REJECTED_COLUMNS, SPECS, TableSpec, Target, staged_notes
from caselog.normalize import (
    CASE_OUTPUT,
    GRID_OUTPUT,
    RATING_OUTPUT,
    Clock,
    case_sql,
    grid_sql,
    rating_sql,
    row_hash_sql,
    with_codes,
)
from caselog.reader import ROW, RawTable, RefusedFile, read_geojson, read_table
from caselog.schema import ingest_log
from caselog.store import DEFAULT_TIMEZONE, get_timezone, is_duckdb, set_timezone

# (stage label, amount done, total) — the command line draws it as a progress bar.
Progress = Callable[[str, int, int], None]
#: Who loads when nobody is named: whoever runs the command line holds the store (contract §5).
LOCAL_ADMIN = "local-admin"


@dataclass
class Counts:
    """Row counts of one input kind; read = inserted + updated + unchanged + rejected."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)  # data-quality flags among loaded rows
    day_precision: Counter = field(default_factory=Counter)  # column -> values known to the day

    def add(self, other: Counts) -> None:
        for name in ("read", "inserted", "updated", "unchanged", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reasons.update(other.reasons)
        self.flags.update(other.flags)
        self.day_precision.update(other.day_precision)

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "reasons": dict(sorted(self.reasons.items())),
            "flags": dict(sorted(self.flags.items())),
            "day_precision": dict(sorted(self.day_precision.items())),
        }


@dataclass
class FileReport:
    """What happened to one file."""

    kind: str
    file: str
    sha256: str
    encoding: str
    counts: Counts
    dropped_personal: list[str]
    ingest_id: int = 0
    mapping: str | None = None
    unused: list[str] = field(default_factory=list)  # columns neither read nor personal


@dataclass
class IngestSummary:
    """The result of one ingest run over all its files."""

    cases: Counts
    ratings: Counts
    grids: Counts
    files: list[FileReport]

    def as_json(self) -> dict:
        """The contract's ``--json`` object: case counts at the top, ratings and grids nested."""
        return self.cases.as_dict() | {
            "ratings": self.ratings.as_dict(),
            "grids": self.grids.as_dict(),
            "files": [
                {
                    "kind": f.kind,
                    "file": f.file,
                    "sha256": f.sha256,
                    "encoding": f.encoding,
                    **f.counts.as_dict(),
                    "dropped_personal_columns": f.dropped_personal,
                    "unused_columns": f.unused,
                }
                for f in self.files
            ],
        }


@dataclass
class _Input:
    kind: InputKind
    raw: RawTable
    table: pa.Table
    dropped: list[str]
    mapping: Mapping | None
    unused: list[str] = field(default_factory=list)


_SQL = {"cases": case_sql, "ratings": rating_sql}
_OUTPUT = {"cases": CASE_OUTPUT, "ratings": RATING_OUTPUT, "grids": GRID_OUTPUT}


def ingest_files(
    engine: Engine,
    files: Sequence[str | Path] = (),
    *,
    mapping: str | Path | Mapping | None = None,
    ratings: Sequence[str | Path] = (),
    grids: Sequence[str | Path] = (),
    progress: Progress | None = None,
    loaded_by: str = LOCAL_ADMIN,
) -> IngestSummary:
    """Validate and load files in one transaction; raise RefusedFile with nothing written.

    Grids load first (so cases given only a grid_id get their district, street and community),
    then cases, then ratings. A later row of the same key within the run supersedes an earlier
    one and is counted as updated. Every stored version a file replaces is kept in
    case_history/rating_history (caselog.merge); the run's versions become known together:
    its ingest_log rows share one finished_at (UTC) and name ``loaded_by`` (an account, the
    command line's ``--as NAME``, "sample"). A version that a later file of the same run
    replaces is counted but not kept: it was never the version known at any moment.
    """
    if isinstance(mapping, str | Path):
        mapping = load_mapping(mapping)
    inputs = _read_all(files, mapping, ratings, grids, progress)
    store_tz = get_timezone(engine)
    new_tz = store_tz is None
    store_tz = store_tz or (mapping.timezone if mapping and mapping.timezone else DEFAULT_TIMEZONE)
    reports: list[FileReport] = []
    started = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        if new_tz:
            set_timezone(conn, store_tz)
        same = is_duckdb(engine)
        work = conn.connection.driver_connection if same else duckdb.connect()
        work.execute("SET enable_progress_bar = false")
        target = Target(conn, work, same)
        try:
            # Bounded memory: DuckDB spills to disk past this instead of growing.
            work.execute("SET memory_limit = '4GB'")
            _create_rejected(work)
            for kind in (GRIDS, CASES, RATINGS):
                group = [i for i in inputs if i.kind is kind]
                if group:
                    reports += _load_kind(target, kind, group, store_tz, progress)
            _log(target, reports, started, loaded_by)
            for name in ("_stage_grids", "_stage_cases", "_stage_ratings", "_rejected"):
                work.execute(f"DROP TABLE IF EXISTS {name}")
        finally:
            if not same:
                work.close()
    totals = {name: Counts() for name in ("cases", "ratings", "grids")}
    for report in reports:
        totals[report.kind].add(report.counts)
    return IngestSummary(totals["cases"], totals["ratings"], totals["grids"], reports)


def _read_all(files, mapping, ratings, grids, progress) -> list[_Input]:
    """Read every file and check its columns before anything is written."""
    jobs = [(GRIDS, Path(p), None) for p in grids]
    jobs += [(CASES, Path(p), mapping) for p in files]
    jobs += [(RATINGS, Path(p), None) for p in ratings]
    total = sum(p.stat().st_size for _, p, _ in jobs if p.is_file())
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("read", done, total)

    inputs = []
    for kind, path, kind_mapping in jobs:
        if kind is GRIDS and path.suffix.lower() in (".geojson", ".json"):
            raw = read_geojson(path, advance)
        else:
            raw = read_table(path, advance)
        canonical = to_canonical(raw, kind, kind_mapping)
        # Keep the header only: columns not taken into the canonical table are freed now.
        raw.table = raw.table.slice(0, 0)
        table = canonical.table
        if kind is GRIDS and "geometry" not in table.column_names:
            shapes = path if path.suffix.lower() in (".geojson", ".json") else None
            table = _with_polygons(table, shapes or path.with_suffix(".geojson"))
        inputs.append(
            _Input(kind, raw, table, canonical.dropped_personal, kind_mapping, canonical.unused)
        )
    return inputs


def _with_polygons(table: pa.Table, geojson: Path) -> pa.Table:
    """Attach polygons from a GeoJSON file beside a grids CSV, matched by grid_id."""
    if not geojson.is_file():
        return table
    shapes = read_geojson(geojson).table
    if "grid_id" not in shapes.column_names:
        raise RefusedFile(f"{geojson.name} has features without properties.grid_id.")
    index = pc.index_in(table.column("grid_id"), value_set=shapes.column("grid_id"))
    geometry = pc.fill_null(pc.take(shapes.column("geometry"), index), "")
    return table.append_column("geometry", geometry)


def _create_rejected(work) -> None:
    work.execute(
        "CREATE OR REPLACE TEMP TABLE _rejected (ingest_id BIGINT, kind VARCHAR, file VARCHAR, "
        "file_hash VARCHAR, line BIGINT, case_id VARCHAR, reason VARCHAR, raw VARCHAR)"
    )


def _load_kind(target: Target, kind: InputKind, group, store_tz: str, progress) -> list[FileReport]:
    spec = SPECS[kind.name]
    work = target.work
    ids = target.next_ids("ingest_log_id_seq", len(group))
    output = _OUTPUT[kind.name]
    hashed = row_hash_sql(output)
    reports = []
    stage = spec.stage
    work.execute(f"DROP TABLE IF EXISTS {stage}")
    for index, (item, ingest_id) in enumerate(zip(group, ids, strict=True)):
        if progress:
            progress(f"validate {kind.name}", index, len(group))
        present = {c for c in item.table.column_names if c != ROW}
        if kind is GRIDS:
            select = grid_sql(present)
            params = {}
        else:
            m = item.mapping
            clock = Clock(
                store_tz,
                (m.timezone if m and m.timezone else store_tz),
                m.timestamp_format if m else None,
                m.day_columns if m else frozenset(),
            )
            select = _SQL[kind.name](present, clock)
            params = clock.params()
        work.register("_src", with_codes(item.table) if kind is CASES else item.table)
        body = (
            f"SELECT *, {hashed} AS row_hash, {index} AS _file, {ingest_id} AS ingest_id "
            f"FROM ({select}) n"
        )
        verb = f"INSERT INTO {stage}" if index else f"CREATE TEMP TABLE {stage} AS"
        work.execute(f"{verb} {body}", params)
        _reject(work, stage, kind, item, index, ingest_id, present)
        work.unregister("_src")
        reports.append(
            FileReport(
                kind.name,
                str(item.raw.path),
                item.raw.sha256,
                item.raw.encoding,
                Counts(read=item.table.num_rows + len(item.raw.malformed)),
                item.dropped,
                ingest_id,
                item.mapping.name if item.mapping else None,
                item.unused,
            )
        )
    if progress:
        progress(f"write {kind.name}", 0, 1)
    valid = dict(
        work.execute(
            f"SELECT _file, count(*) FROM {stage} WHERE _reason IS NULL GROUP BY _file"
        ).fetchall()
    )
    work.execute(f"DELETE FROM {stage} WHERE _reason IS NOT NULL")
    _drop_superseded(work, spec)
    noted = staged_notes(work, kind.name, stage)
    rejected = work.execute(
        "SELECT ingest_id, reason, count(*) FROM _rejected WHERE kind = ? GROUP BY ALL", [kind.name]
    ).fetchall()
    target.ship(spec.stage, spec.table, (*spec.written, "_file"), "_file INTEGER")
    if kind is RATINGS:
        noted += [(f, "off_case_department", n) for f, n in target.off_case(stage)]
    final = target.counts(spec)
    for index, report in enumerate(reports):
        inserted, updated, unchanged = final.get(index, (0, 0, 0))
        report.counts.inserted = inserted
        report.counts.updated = updated + valid.get(index, 0) - (inserted + updated + unchanged)
        report.counts.unchanged = unchanged
        for file_index, name, n in noted:
            if file_index == index:
                counter = report.counts.flags
                if name.startswith("day:"):
                    counter, name = report.counts.day_precision, name.removeprefix("day:")
                counter[name] += int(n)
        for ingest_id, reason, n in rejected:
            if ingest_id == report.ingest_id:
                report.counts.reasons[reason] += n
                report.counts.rejected += n
    target.upsert(spec)
    if progress:
        progress(f"write {kind.name}", 1, 1)
    return reports


def _drop_superseded(work, spec: TableSpec) -> None:
    """Keep only the last row of each key in the run (later file, then later row, wins)."""
    key, stage = spec.key, spec.stage
    keys = ", ".join(key)
    on = spec.match("s", "d")
    work.execute(
        f"""DELETE FROM {stage} WHERE rowid IN (
              SELECT s.rowid FROM {stage} s
              JOIN (SELECT {keys} FROM {stage} GROUP BY ALL HAVING count(*) > 1) d ON {on}
              QUALIFY row_number() OVER (PARTITION BY {", ".join(f"s.{k}" for k in key)}
                                         ORDER BY s._file DESC, s.{ROW} DESC) > 1)"""
    )


def _reject(
    work, stage: str, kind: InputKind, item: _Input, index: int, ingest_id: int, present
) -> None:
    """Move this file's rejected and malformed rows into ``_rejected`` with their raw text."""
    pairs = ", ".join(f"'{c}', src.{c}" for c in sorted(present))
    case_id = "src.case_id" if "case_id" in present and kind is not GRIDS else "NULL"
    work.execute(
        f"INSERT INTO _rejected SELECT {ingest_id}, ?, ?, ?, a.{ROW}, nullif({case_id}, ''), "
        f"a._reason, CAST(json_object({pairs}) AS VARCHAR) FROM {stage} a "
        f"JOIN _src src ON src.{ROW} = a.{ROW} WHERE a._file = {index} AND a._reason IS NOT NULL",
        [kind.name, str(item.raw.path.name), item.raw.sha256],
    )
    if item.raw.malformed:
        rows = pa.table(
            {
                "line": pa.array(
                    [n if n > 0 else -(i + 1) for i, (n, _) in enumerate(item.raw.malformed)],
                    pa.int64(),
                ),
                # The fields of a malformed row cannot be matched to the header, so its text
                # would carry the personal-data columns too: withhold it from such files.
                "raw": pa.array(
                    [
                        json.dumps(
                            {"withheld": "personal data"} if item.dropped else {"text": t},
                            ensure_ascii=False,
                        )
                        for _, t in item.raw.malformed
                    ],
                    pa.string(),
                ),
            }
        )
        work.register("_bad", rows)
        work.execute(
            f"INSERT INTO _rejected SELECT {ingest_id}, ?, ?, ?, line, NULL, 'malformed row', raw "
            "FROM _bad",
            [kind.name, str(item.raw.path.name), item.raw.sha256],
        )
        work.unregister("_bad")


def _log(target: Target, reports: list[FileReport], started: datetime, loaded_by: str) -> None:
    """Keep quarantined rows and write one ingest_log row per file, all with the same
    started_at and finished_at (UTC): the run is one transaction, known as a whole."""
    target.ship(
        "_rejected",
        None,
        REJECTED_COLUMNS,
        "ingest_id BIGINT, kind VARCHAR, file VARCHAR, file_hash VARCHAR, line BIGINT, "
        "case_id VARCHAR, reason VARCHAR, raw VARCHAR",
    )
    target.quarantine()
    now = datetime.now(UTC).replace(tzinfo=None)
    target.conn.execute(
        ingest_log.insert(),
        [
            {
                "id": r.ingest_id,
                "kind": r.kind,
                "file": Path(r.file).name,
                "file_hash": r.sha256,
                "mapping": r.mapping,
                "started_at": started,
                "finished_at": now,
                "read": r.counts.read,
                "inserted": r.counts.inserted,
                "updated": r.counts.updated,
                "unchanged": r.counts.unchanged,
                "rejected": r.counts.rejected,
                "loaded_by": loaded_by,
            }
            for r in reports
        ],
    )
