"""Spark SQL over an exported lake gives DuckDB's assessment cell by cell (and the hand figures)."""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import pandas as pd
import pytest
from metrics_factory import insert
from sqlalchemy import literal, select
from test_metrics_backends import random_city
from test_metrics_golden import (
    AS_OF,
    EXPECTED_STREET,
    _check,
    golden_grids,
    golden_ratings,
    golden_rows,
)

from caselog import open_store
from caselog.columns import PARTY
from gridpulse.cli import main
from lake.export import export_lake
from lake.manifest import NAME
from metrics import assess, kpi_table, parse_rules
from metrics.selection import Selection
from records.appeals import decide, file_appeal
from tests.conftest import sample_store

WORKING_DAYS = parse_rules(
    'name = "wd"\ncalendar = "working_days"\n[deadline_working_days]\ngeneral = 3\ncomplex = 10\n'
)


def _pair(folder: Path, open_on_spark, fill) -> tuple:
    """A DuckDB store filled by ``fill(engine)``, and its lake opened on Spark."""
    engine = open_store(f"duckdb:///{folder / 'store.duckdb'}")
    fill(engine)
    export_lake(engine, folder / "lake")
    return engine, open_on_spark(folder / "lake")


def _equal(store, lake, sel: Selection) -> pd.DataFrame:
    """The assessment on Spark, after checking it equals DuckDB's cell by cell (dtypes too;
    floats to 12 digits, as sums may add in another order)."""
    want = assess(store, sel)
    got = assess(lake, sel)
    assert len(want) > 0
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    assert got.attrs["as_of"] == want.attrs["as_of"]
    return got


@pytest.fixture(scope="module")
def golden(tmp_path_factory, open_on_spark):
    def fill(engine):
        insert(engine, golden_rows(), golden_ratings(), golden_grids())

    engine, lake = _pair(tmp_path_factory.mktemp("golden"), open_on_spark, fill)
    yield engine, lake
    engine.dispose()


@pytest.fixture(scope="module")
def appealed(tmp_path_factory, open_on_spark):
    """The golden cases with an approved exclusion (c1), an approved extension (c9) and a
    pending appeal (not in force)."""

    def fill(engine):
        insert(engine, golden_rows(), golden_ratings(), golden_grids())
        for case_id, kind, until in (("c1", "exclude", None), ("c9", "extend", "2025-04-05")):
            until = pd.Timestamp(until).to_pydatetime() if until else None
            got = file_appeal(engine, case_id, kind, "test", by="t", until=until)
            decide(engine, got, "approve", by="t")
        file_appeal(engine, "c2", "exclude", "pending", by="t")

    engine, lake = _pair(tmp_path_factory.mktemp("appealed"), open_on_spark, fill)
    yield engine, lake
    engine.dispose()


def test_the_golden_streets_on_spark_are_the_hand_computed_ones(golden):
    table = _equal(*golden, Selection.build("street", "2025-03", as_of=AS_OF))
    assert len(table) == len(EXPECTED_STREET)
    for _, row in table.iterrows():
        _check(row, EXPECTED_STREET[(row["district"], row["street"])])


@pytest.mark.parametrize("by", ["district", "community", "grid", "department", "category"])
def test_the_golden_levels_equal_duckdb(golden, by):
    _equal(*golden, Selection.build(by, "2025-03", as_of=AS_OF))


def test_numerators_and_denominators_equal_duckdb(golden):
    store, lake = golden
    sel = Selection.build("street", "2025-03", as_of=AS_OF)
    got, want = kpi_table(lake, sel), kpi_table(store, sel)
    # households_den: DuckDB sums integers as HUGEINT (fetched as float), Spark as BIGINT
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-12)
    assert got.set_index("street").loc["东华门街道", "response_rate_den"] == 4


def test_appeals_working_days_and_scopes_equal_duckdb(appealed):
    store, lake = appealed
    assert lake.manifest.rows["appeals"] == 2
    for by, scope in (("street", None), ("department", None), ("department", {PARTY: "城管"})):
        sel = Selection.build(by, "2025-03", as_of=AS_OF, rules=WORKING_DAYS, scope=scope)
        table = _equal(store, lake, sel)
    assert list(table["department"]) == ["城管"]  # a department account: its own row only
    sel = Selection.build("community", "2025-03", as_of=AS_OF, scope="东城区/东华门街道")
    _equal(store, lake, sel)


@pytest.fixture(scope="module")
def random_pair(tmp_path_factory, open_on_spark):
    engine, lake = _pair(
        tmp_path_factory.mktemp("random"), open_on_spark, lambda e: insert(e, *random_city())
    )
    yield engine, lake
    engine.dispose()


@pytest.mark.parametrize("by", ["street", "grid", "department", "source"])
def test_a_random_city_with_contradictions_equals_duckdb(random_pair, by):
    _equal(*random_pair, Selection.build(by, "2025-03", as_of="2025-03-20 12:00"))
    _equal(*random_pair, Selection.build(by, "2025Q1", rules=WORKING_DAYS))


@pytest.fixture(scope="module")
def city(tmp_path_factory, open_on_spark):
    folder = tmp_path_factory.mktemp("city")
    url = sample_store(folder, grids=30, years=1, cases_per_year=3000)
    engine = open_store(url, read_only=True)
    export_lake(engine, folder / "lake")
    yield url, engine, open_on_spark(folder / "lake"), folder / "lake"
    engine.dispose()


@pytest.mark.parametrize(
    ("by", "period"), [("street", "2025Q3"), ("department", "2025"), ("request_type", "2025-06")]
)
def test_the_sample_city_equals_duckdb(city, by, period):
    _, engine, lake, _ = city
    _equal(engine, lake, Selection.build(by, period))  # as_of: the latest case timestamp


def test_the_command_line_writes_the_same_csv_byte_for_byte(city, spark_url, tmp_path):
    url, _, _, folder = city
    args = ["assess", "--by", "street", "--period", "2025-06"]
    assert main(["--db", url, *args, "--out", str(tmp_path / "duck.csv")]) == 0
    spark = ["--engine", spark_url, "--lake", str(folder), "--out", str(tmp_path / "spark.csv")]
    assert main([*args, *spark]) == 0
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "duck.csv").read_bytes()


def _refused(argv, capsys) -> str:
    """Run the command line; assert one plain sentence within 30 s and no file."""
    started = time.monotonic()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert time.monotonic() - started < 30
    assert err.count("\n") == 1 and "Traceback" not in err and "at org.apache" not in err
    return err


def test_a_missing_lake_and_another_versions_lake_are_one_sentence(
    city, spark_url, tmp_path, capsys
):
    _, _, _, folder = city
    out = tmp_path / "a.csv"
    argv = [
        "assess",
        "--by",
        "street",
        "--period",
        "2025",
        "--out",
        str(out),
        "--engine",
        spark_url,
    ]
    err = _refused([*argv, "--lake", str(tmp_path / "nowhere")], capsys)
    assert "There is no GridPulse lake at" in err
    older = tmp_path / "older"
    shutil.copytree(folder, older)
    manifest = json.loads((older / NAME).read_text(encoding="utf-8"))
    manifest["gridpulse_lake"]["revision"] = "0001"
    (older / NAME).write_text(json.dumps(manifest), encoding="utf-8")
    err = _refused([*argv, "--lake", str(older)], capsys)
    assert "exported by another version of GridPulse" in err
    err = _refused([*argv, "--lake", str(folder), "--as-known-at", "2025-06-01"], capsys)
    assert "export it with --as-known-at" in err
    assert not out.exists()


def test_a_port_that_is_no_spark_server_is_one_sentence_within_30_s(
    city, spark_url, tmp_path, capsys
):
    _, _, _, folder = city
    with socket.socket() as mute:  # accepts connections, never answers
        mute.bind(("127.0.0.1", 0))
        mute.listen()
        port = mute.getsockname()[1]
        argv = ["assess", "--by", "street", "--period", "2025", "--out", str(tmp_path / "a.csv")]
        err = _refused([*argv, "--engine", f"sc://127.0.0.1:{port}", "--lake", str(folder)], capsys)
    assert "did not answer as a Spark Connect server" in err


def test_text_with_quotes_and_backslashes_reaches_spark_unchanged(golden):
    _, lake = golden
    values = ["x' OR '1'='1", "a\\' OR true --", "b\\", '双"引号', "100%_", "\\n"]
    got = lake.run(select(*[literal(v).label(f"v{i}") for i, v in enumerate(values)]))
    assert list(got.iloc[0]) == values
