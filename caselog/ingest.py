"""Loading case logs, ratings and grids into the store: validate, quarantine, upsert, count."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from sqlalchemy import Engine

from caselog import stream
from caselog.columns import CASES, GRIDS, RATINGS, InputKind
from caselog.inputs import Input, open_inputs
from caselog.mapping import Mapping, load_mapping
from caselog.merge import REJECTED_COLUMNS, SPECS, Target, staged_notes
from caselog.schema import ingest_log
from caselog.staging import drop_rejected_and_superseded, stage_file
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


#: DuckDB's memory while loading; past it, staged rows spill to its temporary files. With
#: the Python side's chunk and libraries, the 5.5-million-row city loads within 1.6 GB, as
#: fast as with 1 GB (1.8-2.05 GB); 700 MB took half as long again.
MEMORY_LIMIT = "800MB"
#: DuckDB settings while loading: MEMORY_LIMIT, and rows written in any order (kept in
#: order, the INSERT of 5.5 million cases under that limit takes 2-3 times as long; every
#: query of the load that needs an order says it). Nothing else in GridPulse sets them: a
#: store's connection gets DuckDB's defaults back afterwards.
SETTINGS = {"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": "false"}


def ingest_files(
    engine: Engine,
    files: Sequence[str | Path] = (),
    *,
    mapping: str | Path | Mapping | None = None,
    ratings: Sequence[str | Path] = (),
    grids: Sequence[str | Path] = (),
    progress: Progress | None = None,
    loaded_by: str = LOCAL_ADMIN,
    chunk_rows: int | None = None,
) -> IngestSummary:
    """Validate and load files in one transaction; raise RefusedFile with nothing written.

    Grids load first (so cases given only a grid_id get their district, street and community),
    then cases, then ratings. A later row of the same key within the run supersedes an earlier
    one and is counted as updated. Every stored version a file replaces is kept in
    case_history/rating_history (caselog.merge); the run's versions become known together:
    its ingest_log rows share one finished_at (UTC) and name ``loaded_by`` (an account, the
    command line's ``--as NAME``, "sample"). A version that a later file of the same run
    replaces is counted but not kept: it was never the version known at any moment.

    Files are read ``chunk_rows`` records at a time (caselog.stream.chunk_rows) and staged in
    DuckDB under MEMORY_LIMIT, so memory stays bounded whatever their size. Every file's
    header is checked before anything is written; a file found unreadable further on is
    refused then, and the transaction leaves the store as it was.
    """
    if isinstance(mapping, str | Path):
        mapping = load_mapping(mapping)
    rows = stream.chunk_rows(chunk_rows)
    inputs = open_inputs(files, mapping, ratings, grids)
    advance = _reading(inputs, progress)
    store_tz = get_timezone(engine)
    new_tz = store_tz is None
    store_tz = store_tz or (mapping.timezone if mapping and mapping.timezone else DEFAULT_TIMEZONE)
    reports: list[FileReport] = []
    started = datetime.now(UTC).replace(tzinfo=None)
    # The settings stay until the commit, which writes the stored rows, is done.
    with engine.connect() as conn, _workspace(engine, conn) as work, conn.begin():
        if new_tz:
            set_timezone(conn, store_tz)
        target = Target(conn, work, is_duckdb(engine))
        _create_rejected(work)
        for kind in (GRIDS, CASES, RATINGS):
            group = [i for i in inputs if i.kind is kind]
            if group:
                reports += _load_kind(target, kind, group, store_tz, rows, advance, progress)
        _log(target, reports, started, loaded_by)
        for name in ("_stage_grids", "_stage_cases", "_stage_ratings", "_rejected"):
            work.execute(f"DROP TABLE IF EXISTS {name}")
    totals = {name: Counts() for name in ("cases", "ratings", "grids")}
    for report in reports:
        totals[report.kind].add(report.counts)
    return IngestSummary(totals["cases"], totals["ratings"], totals["grids"], reports)


@contextmanager
def _workspace(engine: Engine, conn) -> Iterator[duckdb.DuckDBPyConnection]:
    """Where rows are staged: the DuckDB store itself, or for another store a DuckDB of its
    own whose spilled rows go to a temporary folder removed afterwards."""
    if is_duckdb(engine):
        work = conn.connection.driver_connection
        work.execute("SET enable_progress_bar = false")
        for name, value in SETTINGS.items():
            work.execute(f"SET {name} = '{value}'")
        try:
            yield work
        finally:
            with suppress(duckdb.Error):  # a failed load's own error is the one to tell
                for name in SETTINGS:
                    work.execute(f"RESET {name}")
        return
    with tempfile.TemporaryDirectory(prefix="gridpulse-ingest-") as spill:
        work = duckdb.connect(config=SETTINGS | {"temp_directory": spill})
        try:
            work.execute("SET enable_progress_bar = false")
            yield work
        finally:
            work.close()


def _reading(inputs: list[Input], progress: Progress | None) -> Callable[[int], None] | None:
    """The "read" stage: bytes of all files read so far, over their total."""
    if progress is None:
        return None
    total = sum(i.source.path.stat().st_size for i in inputs)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        progress("read", done, total)

    return advance


def _create_rejected(work) -> None:
    work.execute(
        "CREATE OR REPLACE TEMP TABLE _rejected (ingest_id BIGINT, kind VARCHAR, file VARCHAR, "
        "file_hash VARCHAR, line BIGINT, case_id VARCHAR, reason VARCHAR, raw VARCHAR)"
    )


def _load_kind(
    target: Target, kind: InputKind, group, store_tz: str, rows: int, advance, progress
) -> list[FileReport]:
    spec = SPECS[kind.name]
    work = target.work
    ids = target.next_ids("ingest_log_id_seq", len(group))
    reports = []
    work.execute(f"DROP TABLE IF EXISTS {spec.stage}")
    valid: Counter = Counter()
    for index, (item, ingest_id) in enumerate(zip(group, ids, strict=True)):
        report = FileReport(
            kind.name,
            str(item.source.path),
            item.source.sha256,
            item.source.encoding,
            Counts(),
            item.dropped,
            ingest_id,
            item.mapping.name if item.mapping else None,
            item.unused,
        )
        reports.append(report)
        try:
            read = stage_file(work, spec, item, index, ingest_id, store_tz, rows, advance)
        except stream.NotUtf8:
            # Past the sniffed head the file is not UTF-8: what it staged goes, it is read again.
            work.execute(f"DELETE FROM {spec.stage} WHERE _file = {index}")
            work.execute(f"DELETE FROM _rejected WHERE ingest_id = {ingest_id}")
            item.source = item.source.as_gb18030()
            report.encoding = item.source.encoding
            read = stage_file(work, spec, item, index, ingest_id, store_tz, rows, None)
        report.counts.read = read
        for reason, n in work.execute(
            "SELECT reason, count(*) FROM _rejected WHERE ingest_id = ? GROUP BY ALL", [ingest_id]
        ).fetchall():
            report.counts.reasons[reason] += n
            report.counts.rejected += n
        valid[index] = report.counts.read - report.counts.rejected
    if progress:
        progress(f"write {kind.name}", 0, 1)
    drop_rejected_and_superseded(work, spec)
    noted = staged_notes(work, kind.name, spec.stage)
    final, off_case = target.write(spec)
    noted += [(f, "off_case_department", n) for f, n in off_case]
    for index, report in enumerate(reports):
        inserted, updated, unchanged = final.get(index, (0, 0, 0))
        report.counts.inserted = inserted
        report.counts.updated = updated + valid[index] - (inserted + updated + unchanged)
        report.counts.unchanged = unchanged
        for file_index, name, n in noted:
            if file_index == index:
                counter = report.counts.flags
                if name.startswith("day:"):
                    counter, name = report.counts.day_precision, name.removeprefix("day:")
                counter[name] += int(n)
    if progress:
        progress(f"write {kind.name}", 1, 1)
    return reports


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
