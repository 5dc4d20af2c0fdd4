"""数据截至 and the load it comes from: computed from the store, written into every export."""

from __future__ import annotations

import csv
from datetime import timedelta

import pandas as pd
from sqlalchemy import text

from caselog import open_store
from caselog.ingest import ingest_files
from metrics import Selection, freshness, write_assessment

HEADER = ["case_id", "reported_at", "category", "district", "street", "dispatched_at", "closed_at"]
FIRST = [
    ["a1", "2025-03-02 08:00", "市容环境", "东城区", "景山街道", "2025-03-02 09:00", ""],
    ["a2", "2025-03-05 10:30", "街面秩序", "东城区", "景山街道", "", "2025-03-09 17:45"],
]
SECOND = [["b1", "2025-03-20 07:15", "市容环境", "西城区", "月坛街道", "2025-03-21 06:00", ""]]


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def _latest(*batches) -> pd.Timestamp:
    frame = pd.DataFrame([r for rows in batches for r in rows], columns=HEADER)
    stamps = frame[["reported_at", "dispatched_at", "closed_at"]].replace("", None)
    return pd.to_datetime(stamps.stack()).max()


def _logged(engine, name: str):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT max(finished_at) FROM ingest_log WHERE kind = 'cases' AND file = :f"),
            {"f": name},
        ).scalar_one()


def test_freshness_follows_each_load_and_every_export_carries_it(tmp_path):
    engine = open_store(f"duckdb:///{tmp_path / 'fresh.duckdb'}")
    try:
        assert freshness(engine).as_of is None and freshness(engine).loaded_at is None
        ingest_files(engine, [_write(tmp_path / "march.csv", FIRST)])
        fresh = freshness(engine)
        assert fresh.as_of == _latest(FIRST).to_pydatetime()  # 2025-03-09 17:45, a closing
        # the log keeps UTC; the store's zone is Asia/Shanghai, eight hours ahead
        logged = _logged(engine, "march.csv")
        assert fresh.loaded_at == (logged + timedelta(hours=8)).replace(microsecond=0)
        assert fresh.file == "march.csv"
        ingest_files(engine, [_write(tmp_path / "late.csv", SECOND)])
        fresh = freshness(engine)
        assert fresh.as_of == _latest(FIRST, SECOND).to_pydatetime()
        assert fresh.file == "late.csv"
        out = tmp_path / "streets.csv"
        write_assessment(engine, Selection.build("street", "2025-03"), out)
        with out.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert {r["as_of"] for r in rows} == {"2025-03-21 06:00:00"}
        loaded = (_logged(engine, "late.csv") + timedelta(hours=8)).replace(microsecond=0)
        assert {r["data_loaded_at"] for r in rows} == {loaded.isoformat(sep=" ")}
    finally:
        engine.dispose()
