"""Validating a file chunk by chunk into the run's stage table, and its rejected rows aside."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from caselog.columns import CASES, GRIDS, InputKind
from caselog.inputs import Input
from caselog.merge import TableSpec
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
from caselog.reader import ROW

_SQL = {"cases": case_sql, "ratings": rating_sql}
_OUTPUT = {"cases": CASE_OUTPUT, "ratings": RATING_OUTPUT, "grids": GRID_OUTPUT}


def stage_file(
    work: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    item: Input,
    index: int,
    ingest_id: int,
    store_tz: str,
    rows: int,
    advance: Callable[[int], None] | None,
) -> int:
    """Validate the file ``rows`` records at a time into the kind's stage table, its
    rejected and malformed rows also into ``_rejected`` with their text; return the records
    read. The stage keeps each row's ``_reason`` until :func:`drop_rejected_and_superseded`."""
    kind = item.kind
    body, params = _typed_sql(kind, item, index, ingest_id, store_tz)
    stage = spec.stage
    read = 0
    with closing(item.canonical(rows, advance)) as chunks:
        for table, malformed in chunks:
            src = with_codes(table) if kind is CASES else table
            if not read:
                _over(
                    work, f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS {body} LIMIT 0", params, src
                )
            # Straight into the one stage table: no table per chunk (the open transaction would
            # keep each until commit) and no round trip of the typed rows through Arrow.
            _over(work, f"INSERT INTO {stage} {body}", params, src)
            _reject(work, stage, item, index, ingest_id, src)
            _malformed(work, item, ingest_id, malformed)
            read += table.num_rows + len(malformed)
    return read


def drop_rejected_and_superseded(work: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Leave in the stage only the valid rows, and of each key only the run's last (later
    file, then later row, wins): a rejected row never replaces a valid one."""
    key, stage = spec.key, spec.stage
    work.execute(f"DELETE FROM {stage} WHERE _reason IS NOT NULL")
    keys = ", ".join(key)
    on = spec.match("s", "d")
    work.execute(
        f"""DELETE FROM {stage} WHERE rowid IN (
              SELECT s.rowid FROM {stage} s
              JOIN (SELECT {keys} FROM {stage} GROUP BY ALL HAVING count(*) > 1) d ON {on}
              QUALIFY row_number() OVER (PARTITION BY {", ".join(f"s.{k}" for k in key)}
                                         ORDER BY s._file DESC, s.{ROW} DESC) > 1)"""
    )


def _typed_sql(
    kind: InputKind, item: Input, index: int, ingest_id: int, store_tz: str
) -> tuple[str, dict]:
    """The SELECT over a chunk (``_src``) giving the stage's columns, and its parameters."""
    if kind is GRIDS:
        select, params = grid_sql(item.present), {}
    else:
        m = item.mapping
        clock = Clock(  # one clock per file: "now" is the same moment for all its chunks
            store_tz,
            (m.timezone if m and m.timezone else store_tz),
            m.timestamp_format if m else None,
            m.day_columns if m else frozenset(),
        )
        select, params = _SQL[kind.name](item.present, clock), clock.params()
    body = (
        f"SELECT *, {row_hash_sql(_OUTPUT[kind.name])} AS row_hash, {index} AS _file, "
        f"{ingest_id} AS ingest_id FROM ({select}) n"
    )
    return body, params


def _over(work, sql: str, params, _src: pa.Table):
    """Run ``sql``, which reads the Arrow table ``_src`` found by this argument's name (a
    DuckDB replacement scan). A view registered instead would be kept, with its table, by
    the load's open transaction until commit: every chunk in memory."""
    return work.execute(sql, params)


def _reject(work, stage: str, item: Input, index: int, ingest_id: int, src: pa.Table) -> None:
    """Copy the chunk's rejected rows, with their text, into ``_rejected``."""
    if not src.num_rows:
        return
    low, high = pc.min_max(src.column(ROW)).values()
    source = item.source
    pairs = ", ".join(f"'{c}', src.{c}" for c in sorted(item.present))
    case_id = "src.case_id" if "case_id" in item.present and item.kind is not GRIDS else "NULL"
    _over(
        work,
        f"INSERT INTO _rejected SELECT {ingest_id}, ?, ?, ?, a.{ROW}, nullif({case_id}, ''), "
        f"a._reason, CAST(json_object({pairs}) AS VARCHAR) FROM {stage} a "
        f"JOIN _src src ON src.{ROW} = a.{ROW} WHERE a._reason IS NOT NULL "
        f"AND a._file = {index} AND a.{ROW} BETWEEN {low.as_py()} AND {high.as_py()}",
        [item.kind.name, source.path.name, source.sha256],
        src,
    )


def _malformed(work, item: Input, ingest_id: int, malformed: list[tuple[int, str]]) -> None:
    """Put the chunk's malformed lines into ``_rejected``."""
    if not malformed:
        return
    source = item.source
    rows = pa.table(
        {
            "line": pa.array([n for n, _ in malformed], pa.int64()),
            # The fields of a malformed row cannot be matched to the header, so its text
            # would carry the personal-data columns too: withhold it from such files.
            "raw": pa.array(
                [
                    json.dumps(
                        {"withheld": "personal data"} if item.dropped else {"text": t},
                        ensure_ascii=False,
                    )
                    for _, t in malformed
                ],
                pa.string(),
            ),
        }
    )
    _over(
        work,
        f"INSERT INTO _rejected SELECT {ingest_id}, ?, ?, ?, line, NULL, 'malformed row', raw "
        "FROM _src",
        [item.kind.name, source.path.name, source.sha256],
        rows,
    )
