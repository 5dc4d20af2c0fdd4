"""caselog.merge._copy_in: Arrow batches into PostgreSQL by binary COPY, or CSV as a fallback."""

from __future__ import annotations

import math
from datetime import datetime

import pyarrow as pa
import pytest
from sqlalchemy import text

from caselog.merge import _arrow_schema, _copy_in
from tests.conftest import _pg_database

pytestmark = pytest.mark.postgres

ROWS = {
    "name": ["东城区", "", None, 'a,"b"\nc'],  # empty is not NULL; quotes and newlines kept
    "n": [1, None, -2, 2_000_000_000],
    "big": [None, 2**40, 0, -1],
    "x": [0.5, math.nan, None, -1e300],
    "ok": [True, False, None, True],
    "at": [
        datetime(2025, 1, 2, 3, 4, 5, 678_000),
        None,
        datetime(1999, 12, 31),
        datetime(2030, 6, 1),
    ],
}
# as DuckDB hands them over: 64-bit integers, timestamps in microseconds
ARROW = pa.table(
    {
        "name": pa.array(ROWS["name"], pa.string()),
        "n": pa.array(ROWS["n"], pa.int64()),
        "big": pa.array(ROWS["big"], pa.int64()),
        "x": pa.array(ROWS["x"], pa.float64()),
        "ok": pa.array(ROWS["ok"], pa.bool_()),
        "at": pa.array(ROWS["at"], pa.timestamp("us")),
    }
)
COLUMNS = tuple(ROWS)


def _load(extra: str = "") -> tuple[bool, list[tuple]]:
    """Copy ARROW in two batches into a new table (with ``extra`` columns); whether binary
    COPY was used, and the rows read back in order."""
    for engine in _pg_database():
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE t (name varchar, n integer, big bigint, x double precision,"
                    f" ok boolean, at timestamp{extra})"
                )
            )
            raw = conn.connection.driver_connection
            binary = _arrow_schema(raw, "t", COLUMNS) is not None
            _copy_in(
                conn,
                "t",
                COLUMNS,
                pa.RecordBatchReader.from_batches(ARROW.schema, ARROW.to_batches(max_chunksize=2)),
            )
            rows = conn.execute(text(f"SELECT {', '.join(COLUMNS)} FROM t")).all()
        return binary, [tuple(r) for r in rows]
    raise AssertionError("no database")


def _same(rows: list[tuple]) -> None:
    want = list(zip(*ROWS.values(), strict=True))
    assert len(rows) == len(want)
    for got, expected in zip(rows, want, strict=True):
        for g, e in zip(got, expected, strict=True):
            if isinstance(e, float) and math.isnan(e):
                assert math.isnan(g)
            else:
                assert g == e


def test_binary_copy_keeps_every_value():
    binary, rows = _load()
    assert binary
    _same(rows)


def test_a_column_type_without_an_arrow_counterpart_falls_back_to_csv():
    binary, rows = _load(", note jsonb")  # not one of the copied columns: still binary
    assert binary
    for engine in _pg_database():
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE u (name varchar, amount numeric)"))
            raw = conn.connection.driver_connection
            assert _arrow_schema(raw, "u", ("name", "amount")) is None
            data = pa.table({"name": ["甲", None], "amount": ["1.50", None]})
            _copy_in(
                conn,
                "u",
                ("name", "amount"),
                pa.RecordBatchReader.from_batches(data.schema, data.to_batches()),
            )
            got = conn.execute(text("SELECT name, amount::text FROM u")).all()
            assert [tuple(r) for r in got] == [("甲", "1.50"), (None, None)]
    _same(rows)
