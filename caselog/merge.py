"""Writing staged rows into the store: counts against what is there, then one upsert per table."""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
from pgpq import ArrowToPostgresBinaryEncoder
from sqlalchemy import Connection, Table

from caselog import schema
from caselog.columns import DAY_PRECISION_COLUMNS, day_bit


@dataclass(frozen=True)
class TableSpec:
    """How one input kind lands in its store table."""

    kind: str
    table: Table
    key: tuple[str, ...]
    columns: tuple[str, ...]  # stored columns besides row_hash and ingest_id
    nullable: tuple[str, ...] = ()  # key columns that may be NULL (NULL matches NULL)
    history: Table | None = None  # where the versions a load replaces are kept

    def match(self, a: str, b: str) -> str:
        """SQL: rows ``a`` and ``b`` have the same key. A nullable key column is compared
        through coalesce, not IS NOT DISTINCT FROM, so PostgreSQL can still hash-join."""
        return " AND ".join(
            f"coalesce({a}.{k}, {_NO_TIME}) = coalesce({b}.{k}, {_NO_TIME})"
            if k in self.nullable
            else f"{a}.{k} = {b}.{k}"
            for k in self.key
        )

    @property
    def stage(self) -> str:
        return f"_stage_{self.kind}"

    @property
    def written(self) -> tuple[str, ...]:
        return (*self.columns, "row_hash", "ingest_id")


# Stands in for a NULL timestamp in key comparisons (no rating is given in 1900).
_NO_TIME = "TIMESTAMP '1900-01-01 00:00:00'"
_COPY_ROWS = 25_000  # rows per COPY batch to PostgreSQL (about 10 MB of CSV; less in binary)
REJECTED_COLUMNS = ("ingest_id", "kind", "file", "file_hash", "line", "case_id", "reason", "raw")


class Target:
    """The store side of one ingest run, inside the caller's transaction."""

    def __init__(self, conn: Connection, work: duckdb.DuckDBPyConnection, same: bool):
        self.conn = conn
        self.work = work  # where staging happened
        self.same = same  # staging tables live in the store itself (DuckDB store)

    def sql(self, statement: str) -> list[tuple]:
        """Run one statement on the store and return its rows (empty for DML)."""
        if self.same:
            result = self.work.execute(statement)
            return result.fetchall() if result.description else []
        result = self.conn.exec_driver_sql(statement)
        return [tuple(r) for r in result] if result.returns_rows else []

    def next_ids(self, sequence: str, n: int) -> list[int]:
        """``n`` fresh values of a store sequence."""
        return [self.sql(f"SELECT nextval('{sequence}')")[0][0] for _ in range(n)]

    def ship(self, name: str, like: Table | None, columns: tuple[str, ...], extra: str) -> None:
        """Make the staging table ``name`` visible to the store (a copy for PostgreSQL)."""
        if self.same:
            return
        if like is not None:
            self.sql(f"CREATE TEMP TABLE {name} (LIKE {like.name}) ON COMMIT DROP")
            self.sql(f"ALTER TABLE {name} ADD COLUMN {extra}")
        else:
            self.sql(f"CREATE TEMP TABLE {name} ({extra}) ON COMMIT DROP")
        # Batch by batch: the staged rows never sit whole in this process's memory.
        batches = self.work.execute(f"SELECT {', '.join(columns)} FROM {name}")
        _copy_in(self.conn, name, columns, batches.to_arrow_reader(_COPY_ROWS))

    def write(self, spec: TableSpec) -> tuple[dict[int, tuple[int, int, int]], list]:
        """Write the staged final rows into the store: per file index (inserted, updated,
        unchanged) as :meth:`counts` gives them, and for ratings the (file index, ratings)
        of :meth:`off_case`. A first load of cases into an empty PostgreSQL table copies
        them straight in (:meth:`copy_into_empty`); otherwise the staged rows are shipped,
        counted against what is stored, then upserted."""
        if not self.same and spec.kind == "cases" and self._empty(spec):
            return self.copy_into_empty(spec), []
        self.ship(spec.stage, spec.table, (*spec.written, "_file"), "_file INTEGER")
        off = self.off_case(spec.stage) if spec.kind == "ratings" else []
        final = self.counts(spec)
        self.upsert(spec)
        return final, off

    def _empty(self, spec: TableSpec) -> bool:
        return not self.sql(f"SELECT EXISTS (SELECT 1 FROM {spec.table.name})")[0][0]

    def copy_into_empty(self, spec: TableSpec) -> dict[int, tuple[int, int, int]]:
        """A first load's cases copied straight into the store's empty table, with the
        district, street and community of their stored grids where the file has none, as
        :meth:`upsert` writes them; returns :meth:`counts`' figures (every row inserted).
        One COPY instead of a COPY into a temporary table and an INSERT from it: the rows
        cross once and are written once."""
        names = ("grid_id", "district", "street", "community")
        stored = self.sql(f"SELECT {', '.join(names)} FROM grids")
        grids = pa.table(
            {n: pa.array([r[i] for r in stored], pa.string()) for i, n in enumerate(names)}
        )
        self.work.register("_store_grid_rows", grids)
        self.work.execute("CREATE OR REPLACE TEMP TABLE _store_grids AS FROM _store_grid_rows")
        self.work.unregister("_store_grid_rows")
        values = ", ".join(_select_value(spec, c) for c in spec.written)
        rows = self.work.execute(
            f"SELECT {values} FROM {spec.stage} s LEFT JOIN _store_grids g ON g.grid_id = s.grid_id"
        )
        with self._indexed_afterwards(spec.table.name):
            _copy_in(self.conn, spec.table.name, spec.written, rows.to_arrow_reader(_COPY_ROWS))
        counted = self.work.execute(f"SELECT _file, count(*) FROM {spec.stage} GROUP BY _file")
        return {int(f): (int(n), 0, 0) for f, n in counted.fetchall()}

    @contextmanager
    def _indexed_afterwards(self, table: str) -> Iterator[None]:
        """Drop the empty ``table``'s key and indexes for the block and build each again
        after it by one sort (same definitions, from the catalogue), instead of millions
        of inserts at random places; the table stays locked until the load commits."""
        key = self.sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            f" WHERE conrelid = '{table}'::regclass AND contype = 'p'"
        )
        built = self.sql(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            f" WHERE x.indrelid = '{table}'::regclass AND NOT x.indisprimary"
        )
        for name, _ in key:
            self.sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in built:
            self.sql(f'DROP INDEX "{name}"')
        yield
        for name, definition in key:
            self.sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in built:
            self.sql(definition)

    def counts(self, spec: TableSpec) -> dict[int, tuple[int, int, int]]:
        """Per file index: (inserted, updated, unchanged) of the staged final rows."""
        on = spec.match("t", "s")
        rows = self.sql(
            f"""SELECT s._file,
                 count(*) FILTER (WHERE t.row_hash IS NULL),
                 count(*) FILTER (WHERE t.row_hash IS NOT NULL AND t.row_hash <> s.row_hash),
                 count(*) FILTER (WHERE t.row_hash = s.row_hash)
               FROM {spec.stage} s LEFT JOIN {spec.table.name} t ON {on}
               GROUP BY s._file"""
        )
        return {int(f): (int(i), int(u), int(c)) for f, i, u, c in rows}

    def upsert(self, spec: TableSpec) -> None:
        """Insert new rows and replace changed ones; unchanged rows are not touched.

        The stored version of a changed row is first kept in the spec's history table with
        ``superseded_by`` = the load (ingest_log id) of the staged row that replaces it; then
        changed rows are deleted and inserted again (no ON CONFLICT: DuckDB tables carry no
        key index, see caselog.schema), all inside the run's transaction, so a run that fails
        half-way leaves neither a kept version nor a changed row.
        """
        on = spec.match("t", "s")
        table = spec.table.name
        self.sql(
            f"DELETE FROM {spec.stage} s WHERE EXISTS (SELECT 1 FROM {table} t "
            f"WHERE {on} AND t.row_hash = s.row_hash)"
        )
        if spec.history is not None:
            kept = ", ".join(spec.written)
            self.sql(
                f"INSERT INTO {spec.history.name} ({kept}, superseded_by) "
                f"SELECT {', '.join(f't.{c}' for c in spec.written)}, s.ingest_id "
                f"FROM {table} t JOIN {spec.stage} s ON {on}"
            )
        self.sql(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {spec.stage} s WHERE {on})")
        values = ", ".join(_select_value(spec, c) for c in spec.written)
        join = "LEFT JOIN grids g ON g.grid_id = s.grid_id" if spec.kind == "cases" else ""
        self.sql(
            f"INSERT INTO {table} ({', '.join(spec.written)}) SELECT {values} "
            f"FROM {spec.stage} s {join}"
        )

    def off_case(self, stage: str) -> list[tuple[int, int]]:
        """(file index, ratings) of staged ratings whose department is neither the primary
        nor an assisting department of their case as stored (they still count, flagged)."""
        return self.sql(
            f"""SELECT s._file, count(*) FROM {stage} s JOIN cases c ON c.case_id = s.case_id
                WHERE s.department <> coalesce(c.department, '')
                  AND strpos(';' || coalesce(c.assist_departments, '') || ';',
                             ';' || s.department || ';') = 0
                GROUP BY s._file"""
        )

    def quarantine(self) -> None:
        """Keep rejected rows; a row already kept from the same file is not kept twice."""
        cols = ", ".join(REJECTED_COLUMNS)
        # DISTINCT ON: the same file given twice in one run brings its rejected rows twice.
        self.sql(
            f"INSERT INTO rejected_rows (id, {cols}) "
            f"SELECT nextval('rejected_rows_id_seq'), {cols} FROM ("
            f"SELECT DISTINCT ON (file_hash, kind, line) {cols} FROM _rejected r "
            "WHERE NOT EXISTS (SELECT 1 FROM rejected_rows k WHERE k.file_hash = r.file_hash "
            "AND k.kind = r.kind AND k.line = r.line) "
            "ORDER BY file_hash, kind, line, ingest_id) r"
        )


def staged_notes(
    work: duckdb.DuckDBPyConnection, kind: str, stage: str
) -> list[tuple[int, str, int]]:
    """(file index, flag, rows) of the loaded rows' quality flags, and for cases
    ("day:<column>", values) of the values known to the day only."""
    if kind == "grids":
        return []
    rows = work.execute(
        f"SELECT _file, flag, count(*) FROM (SELECT _file, unnest(string_split(quality_flags, "
        f"';')) AS flag FROM {stage} WHERE quality_flags IS NOT NULL) GROUP BY ALL"
    ).fetchall()
    if kind == "cases":
        sums = ", ".join(
            f"count(*) FILTER (WHERE day_precision & {day_bit(c)} <> 0)"
            for c in DAY_PRECISION_COLUMNS
        )
        for file_index, *per_column in work.execute(
            f"SELECT _file, {sums} FROM {stage} GROUP BY _file"
        ).fetchall():
            rows += [
                (file_index, f"day:{c}", n)
                for c, n in zip(DAY_PRECISION_COLUMNS, per_column, strict=True)
                if n
            ]
    return rows


def _select_value(spec: TableSpec, column: str) -> str:
    if spec.kind == "cases" and column in ("district", "street", "community"):
        return f"coalesce(s.{column}, g.{column})"
    return f"s.{column}"


def _copy_in(
    conn: Connection, name: str, columns: tuple[str, ...], batches: pa.RecordBatchReader
) -> None:
    """Stream Arrow record batches into a PostgreSQL table with COPY.

    In PostgreSQL's binary format (pgpq encodes each batch, cast to the table's column
    types), which the server reads without parsing text (the first load of a year of cases,
    benchmarks/bench_ingest.py: README "Ingest"); as CSV when a column has a type without an
    Arrow counterpart here. The next batch is fetched from DuckDB and encoded on a second thread
    while the server reads the current one: one batch in flight, so memory stays at two
    batches, and the load takes the longer of the two sides, not their sum."""
    raw = conn.connection.driver_connection
    target = _arrow_schema(raw, name, columns)
    batches = iter(batches)
    if target is None:
        options = pacsv.WriteOptions(include_header=False)

        def encode() -> memoryview | bytes | None:
            batch = next(batches, None)
            if batch is None:
                return None
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, write_options=options)
            return buffer.getbuffer()

        head, finish, fmt = b"", None, "csv"
    else:
        encoder = ArrowToPostgresBinaryEncoder(target)

        def encode() -> memoryview | bytes | None:
            batch = next(batches, None)
            if batch is None:
                return None
            cast = [col.cast(t) for col, t in zip(batch.columns, target.types, strict=True)]
            return encoder.write_batch(pa.RecordBatch.from_arrays(cast, schema=target))

        head, finish, fmt = encoder.write_header(), encoder.finish, "binary"

    with raw.cursor() as cursor, ThreadPoolExecutor(1) as pool:
        statement = f"COPY {name} ({', '.join(columns)}) FROM STDIN (FORMAT {fmt})"
        with cursor.copy(statement) as copy:
            if head:
                copy.write(head)
            pending = pool.submit(encode)
            while (data := pending.result()) is not None:
                pending = pool.submit(encode)
                copy.write(data)
            if finish is not None:  # the binary format's trailer
                copy.write(finish())


#: PostgreSQL column types and the Arrow types binary COPY sends them as.
_ARROW_TYPES = {
    "text": pa.string(),
    "character varying": pa.string(),
    "integer": pa.int32(),
    "smallint": pa.int16(),
    "bigint": pa.int64(),
    "double precision": pa.float64(),
    "real": pa.float32(),
    "boolean": pa.bool_(),
    "timestamp without time zone": pa.timestamp("us"),
    "date": pa.date32(),
}


def _arrow_schema(raw, name: str, columns: tuple[str, ...]) -> pa.Schema | None:
    """The Arrow schema binary COPY into ``name``'s ``columns`` needs, or None when one of
    them has a type not in _ARROW_TYPES."""
    rows = raw.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        (name,),
    ).fetchall()
    types = dict(rows)
    found = [_ARROW_TYPES.get(types.get(c, "")) for c in columns]
    if any(t is None for t in found):
        return None
    return pa.schema(list(zip(columns, found, strict=True)))


SPECS = {
    "grids": TableSpec(
        "grids",
        schema.grids,
        ("grid_id",),
        ("grid_id", "community", "street", "district", "households", "geometry"),
    ),
    "cases": TableSpec(
        "cases",
        schema.cases,
        ("case_id",),
        tuple(c.name for c in schema.cases.columns if c.name not in ("row_hash", "ingest_id")),
        history=schema.case_history,
    ),
    "ratings": TableSpec(
        "ratings",
        schema.ratings,
        # Contract §1: each distinct rated_at is a rating; without one, one per department.
        ("case_id", "department", "rated_at"),
        ("case_id", "department", "score", "rated_at", "quality_flags"),
        nullable=("rated_at",),
        history=schema.rating_history,
    ),
}
