"""PostgreSQL results fetched as one value (metrics.pgcopy) equal the same rows fetched one by one."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from sqlalchemy import BigInteger, Column, Double, Integer, MetaData, String, Table, func, select

from metrics import pgcopy

pytestmark = pytest.mark.postgres

ROWS = [
    # text with the CSV's separators, quotes, line breaks, the NULL marker's look-alike
    (1, 2**60, 0.1, 'a,b "quoted"', "东城区"),
    (2, None, float("nan"), "line\nbreak", ""),
    (3, -7, float("inf"), None, r"\N."),
    (4, 0, 1e-300, "", "x"),
    (5, 9007199254740993, -2.5, "'", None),  # 2**53 + 1: exact as an 8-byte integer only
]


@pytest.fixture
def table(pg_store):
    meta = MetaData()
    t = Table(
        "copy_check",
        meta,
        Column("id", Integer),
        Column("big", BigInteger),
        Column("x", Double),
        Column("label", String),
        Column("name", String),
    )
    meta.create_all(pg_store)
    with pg_store.begin() as conn:
        conn.execute(t.insert(), [dict(zip(t.c.keys(), r, strict=True)) for r in ROWS])
    return pg_store, t


def _by_rows(conn, stmt) -> list[tuple]:
    return [tuple(r) for r in conn.execute(stmt)]


def _same(value, expected) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return value is None or (isinstance(value, float) and math.isnan(value))
    return value == expected


@pytest.mark.parametrize("per_case", [False, True])
@pytest.mark.parametrize(
    "names", [("id", "big", "x", "label", "name"), ("id", "big", "x"), ("name", "label")]
)
def test_one_value_equals_rows(table, names, per_case):
    """Mixed columns (one row: binary numbers and text arrays; per case: CSV) and numbers
    only (binary): every value as the rows give it, ints exact beyond 2**53, NULL text None,
    NULL numbers NaN, in the rows' order."""
    engine, t = table
    stmt = select(*[t.c[n] for n in names]).order_by(t.c.id.desc())
    with engine.connect() as conn:
        got = pgcopy.frame(conn, stmt, per_case=per_case)
        rows = _by_rows(conn, stmt)
    assert list(got.columns) == list(names)
    assert len(got) == len(rows) == len(ROWS)
    for i, row in enumerate(rows):
        for name, expected in zip(names, row, strict=True):
            value = got[name].iloc[i]
            value = value.item() if hasattr(value, "item") else value
            if got[name].dtype == float and expected is not None:
                expected = float(expected)  # integers with a NULL among them: floats
            assert _same(value, expected), (name, i, value, expected)
    if "big" in names:
        assert got["big"].dtype == float  # a NULL among integers: NaN, as pandas reads text


def test_numbers_only_keep_integers(table):
    """A numbers-only result whose integers have no NULL stays int64, exact; sums of
    integers (numeric in PostgreSQL) come as integers too; no rows give empty columns."""
    engine, t = table
    stmt = (
        select(t.c.id, (t.c.id * 2).label("twice"), t.c.big, t.c.x)
        .where(t.c.id != 2)
        .order_by(t.c.id)
    )
    total = select(func.sum(t.c.big).label("s"), func.count().label("n"))
    empty = select(t.c.id, t.c.x).where(t.c.id > 99)
    empty_mixed = select(t.c.id, t.c.label).where(t.c.id > 99)
    with engine.connect() as conn:
        got = pgcopy.frame(conn, stmt)
        summed = pgcopy.frame(conn, total)
        none = pgcopy.frame(conn, empty)
        none_mixed = pgcopy.frame(conn, empty_mixed)
    assert got["id"].tolist() == [1, 3, 4, 5] and got["id"].dtype == "int64"
    assert got["twice"].tolist() == [2, 6, 8, 10]
    assert got["big"].tolist() == [2**60, -7, 0, 9007199254740993]  # exact beyond 2**53
    assert got["x"].iloc[1] == float("inf") and got["x"].iloc[2] == 1e-300
    expected = 2**60 - 7 + 0 + 9007199254740993
    assert summed["s"].iloc[0] == expected and summed["n"].iloc[0] == 5
    assert none.empty and list(none.columns) == ["id", "x"]
    assert pd.api.types.is_numeric_dtype(none["x"])
    assert none_mixed.empty and list(none_mixed.columns) == ["id", "label"]
    assert pd.api.types.is_numeric_dtype(none_mixed["id"])
