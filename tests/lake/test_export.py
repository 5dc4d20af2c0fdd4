"""``gridpulse export``: the lake's Parquet read back with pyarrow equals the store's rows."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest
from sqlalchemy import create_engine, text

from caselog import open_store
from gridpulse.cli import main
from lake import LakeError
from lake.export import export_lake
from lake.manifest import NAME, parse
from tests.conftest import sample_store
from tests.metrics.metrics_factory import insert
from tests.metrics.test_as_known_at import _two_loads
from tests.metrics.test_metrics_golden import golden_grids, golden_ratings, golden_rows


def _lake(folder: Path, table: str) -> pd.DataFrame:
    """A table of the lake as pyarrow reads it (cases with their Hive year/month folders)."""
    part = "hive" if table == "cases" else None
    table = ds.dataset(folder / table, format="parquet", partitioning=part).to_table()
    return table.to_pandas(coerce_temporal_nanoseconds=True)


def _store(url: str, sql: str) -> pd.DataFrame:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql(text(sql), conn)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> str:
    return sample_store(tmp_path_factory.mktemp("city"), grids=20, years=2, cases_per_year=1500)


def test_the_lake_holds_every_row_partitioned_by_month_of_report(city, tmp_path, capsys):
    out = tmp_path / "lake"
    assert main(["--db", city, "export", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    stored = _store(city, "SELECT * FROM cases")
    cases = _lake(out, "cases")
    assert f"wrote {len(stored):,} cases" in said
    assert sorted(cases["case_id"]) == sorted(stored["case_id"])
    # every row sits in the folder of its own year and month of report
    assert (cases["year"] == cases["reported_at"].dt.year).all()
    assert (cases["month"] == cases["reported_at"].dt.month).all()
    months = {p.parent.name + "/" + p.name for p in (out / "cases").glob("year=*/month=*")}
    assert len(months) == 24
    # the same values as the store, column by column (the load's bookkeeping left out)
    want = stored.drop(columns=["ingest_id"]).sort_values("case_id").reset_index(drop=True)
    got = cases[list(want.columns)].sort_values("case_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    manifest = json.loads((out / NAME).read_text(encoding="utf-8"))["gridpulse_lake"]
    for table in ("ratings", "grids"):
        n = len(_store(city, f"SELECT * FROM {table}"))
        assert len(_lake(out, table)) == n == manifest["rows"][table] > 0
    assert manifest["rows"]["cases"] == len(stored)
    assert manifest["timezone"] == "Asia/Shanghai" and manifest["as_known_at"] is None


def test_as_known_at_exports_the_versions_loaded_by_then(tmp_path):
    url, between = _two_loads(tmp_path)
    then, now = tmp_path / "then", tmp_path / "now"
    moment = between.isoformat(sep=" ")
    assert main(["--db", url, "export", "--out", str(then), "--as-known-at", moment]) == 0
    assert main(["--db", url, "export", "--out", str(now)]) == 0
    old, new = _lake(then, "cases").set_index("case_id"), _lake(now, "cases").set_index("case_id")
    # the first file only: ten cases, c02 still open, c07 still in 月坛街道
    assert sorted(old.index) == [f"c{i:02d}" for i in range(1, 11)]
    assert pd.isna(old.loc["c02", "closed_at"]) and old.loc["c07", "street"] == "月坛街道"
    assert len(new) == 11 and new.loc["c07", "street"] == "展览路街道"
    assert new.loc["c02", "closed_at"] == pd.Timestamp("2025-03-06 18:00")
    manifest = json.loads((then / NAME).read_text(encoding="utf-8"))["gridpulse_lake"]
    assert manifest["rows"]["cases"] == 10 and manifest["as_known_at"] == moment


def test_an_approved_appeal_travels_with_the_lake(duck_store, tmp_path):
    from records.appeals import decide, file_appeal

    insert(duck_store, golden_rows(), golden_ratings(), golden_grids())
    kept = file_appeal(duck_store, "c1", "exclude", "double report", by="t")
    decide(duck_store, kept, "approve", by="t")
    file_appeal(duck_store, "c2", "exclude", "pending, not in force", by="t")
    manifest = export_lake(duck_store, tmp_path / "lake")
    appeals = _lake(tmp_path / "lake", "appeals")
    assert manifest.rows["appeals"] == 1 and list(appeals["case_id"]) == ["c1"]
    assert list(appeals.columns) == ["case_id", "kind", "until", "status", "decided_at"]


def test_a_folder_that_is_no_lake_is_refused_and_a_lake_is_replaced(city, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["--db", city, "export", "--out", str(other)]) == 1
    assert "holds no GridPulse lake" in capsys.readouterr().err
    assert (other / "notes.txt").read_text(encoding="utf-8") == "mine"
    lake = tmp_path / "lake"
    assert main(["--db", city, "export", "--out", str(lake)]) == 0
    (lake / "cases" / "stray.parquet").write_bytes(b"")
    assert main(["--db", city, "export", "--out", str(lake)]) == 0
    assert not (lake / "cases" / "stray.parquet").exists()


def test_a_lake_of_another_version_is_refused_in_one_sentence():
    text_ = json.dumps({"gridpulse_lake": {"revision": "0001", "rows": {}, "timezone": None, "exported_at": ""}})  # fmt: skip
    with pytest.raises(LakeError, match=r"another version of GridPulse .* export it again"):
        parse(text_, "/x", "0004")
    with pytest.raises(LakeError, match="is not a GridPulse lake manifest"):
        parse("{}", "/x", "0004")
    # a later version's lake, with fields this one does not know, is still "another version"
    later = {"revision": "0004", "format": 99, "rows": {}, "timezone": None, "exported_at": "", "new": 1}  # fmt: skip
    with pytest.raises(LakeError, match=r"format 99, .* export it again"):
        parse(json.dumps({"gridpulse_lake": later}), "/x", "0004")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_spark_server_is_one_sentence_within_30_s(city, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert main(["--db", city, "export", "--out", str(lake)]) == 0
    capsys.readouterr()
    started = time.monotonic()
    argv = ["assess", "--by", "street", "--period", "2025", "--out", str(tmp_path / "a.csv")]
    engine = ["--engine", f"sc://127.0.0.1:{_free_port()}", "--lake", str(lake)]
    assert main([*argv, *engine]) == 1
    err = capsys.readouterr().err
    assert time.monotonic() - started < 30
    assert err.count("\n") == 1 and "cannot be reached" in err and "Traceback" not in err
    assert main([*argv, "--engine", "http://127.0.0.1:1", "--lake", str(lake)]) == 1
    assert "sc://HOST:PORT" in capsys.readouterr().err
    assert not (tmp_path / "a.csv").exists()


@pytest.mark.postgres
def test_postgresql_writes_the_lake_duckdb_writes(pg_store, duck_store, tmp_path):
    for engine in (pg_store, duck_store):
        insert(engine, golden_rows(), golden_ratings(), golden_grids())
    export_lake(pg_store, tmp_path / "pg")
    export_lake(duck_store, tmp_path / "duck")
    for table in ("cases", "ratings", "grids", "appeals"):
        pg, duck = _lake(tmp_path / "pg", table), _lake(tmp_path / "duck", table)
        keys = [c for c in ("case_id", "department", "grid_id") if c in duck.columns][:2]
        pg = pg[list(duck.columns)].sort_values(keys).reset_index(drop=True) if keys else pg
        duck = duck.sort_values(keys).reset_index(drop=True) if keys else duck
        pd.testing.assert_frame_equal(pg, duck, check_categorical=False)


def test_an_empty_store_gives_a_lake_with_the_columns(tmp_path):
    engine = open_store(f"duckdb:///{tmp_path / 'empty.duckdb'}")
    try:
        manifest = export_lake(engine, tmp_path / "lake")
    finally:
        engine.dispose()
    cases = _lake(tmp_path / "lake", "cases")
    assert manifest.rows == {"cases": 0, "ratings": 0, "grids": 0, "appeals": 0}
    assert len(cases) == 0 and "reported_at" in cases.columns


def test_the_rule_set_active_in_the_store_travels_with_the_lake(duck_store, tmp_path):
    from lake.spark import SparkLake
    from records.rulesets import activate, save_version

    text_ = 'name = "街道考核"\n[weights]\nresponse = 0.5\nsolved = 0.2\nsatisfaction = 0.3\n'
    version, saved = save_version(duck_store, text_, by="t")
    activate(duck_store, version, "street", by="t")
    manifest = export_lake(duck_store, tmp_path / "lake")
    lake = SparkLake(None, str(tmp_path / "lake"), manifest)
    assert lake.rules_for("street").hash == saved.hash and lake.rules_for("grid") is None
    assert lake.rules_for("category") is None  # splits follow the city's, here the built-in
