"""Assessments "as known at" a past moment reproduce what was computed then, after later loads."""

from __future__ import annotations

import csv
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import create_engine, text

from caselog import migrations, open_store
from caselog.ingest import ingest_files
from gridpulse.cli import main
from metrics import Selection, kpi_table
from tests.caselog.ingest_helpers import write_csv
from tests.caselog.test_migrations import _old_store

HEADER = [
    "case_id",
    "reported_at",
    "category",
    "district",
    "street",
    "dispatched_at",
    "responded_at",
    "closed_at",
    "satisfaction",
]
FIRST = [
    ["c01", "2025-03-01 08:00", "市容环境", "东城区", "景山街道", "2025-03-01 08:30", "2025-03-01 09:00", "2025-03-03 10:00", "满意"],
    ["c02", "2025-03-02 09:00", "街面秩序", "东城区", "景山街道", "2025-03-02 09:10", "", "", ""],
    ["c03", "2025-03-03 10:00", "市容环境", "东城区", "景山街道", "", "", "", ""],
    ["c04", "2025-03-04 11:00", "市容环境", "东城区", "东华门街道", "2025-03-04 11:05", "2025-03-04 14:00", "2025-03-05 10:00", "不满意"],
    ["c05", "2025-03-05 12:00", "宣传广告", "东城区", "东华门街道", "2025-03-05 12:30", "", "", ""],
    ["c06", "2025-03-06 13:00", "市容环境", "西城区", "月坛街道", "2025-03-06 13:10", "2025-03-06 13:20", "2025-03-07 09:00", "基本满意"],
    ["c07", "2025-03-07 14:00", "市容环境", "西城区", "月坛街道", "", "", "", ""],
    ["c08", "2025-03-08 15:00", "街面秩序", "西城区", "月坛街道", "2025-03-08 15:05", "", "", ""],
    ["c09", "2025-03-09 16:00", "市容环境", "西城区", "展览路街道", "2025-03-09 16:30", "2025-03-09 17:00", "2025-03-12 08:00", "满意"],
    ["c10", "2025-03-10 17:00", "市容环境", "西城区", "展览路街道", "", "", "", ""],
]  # fmt: skip
# three of the ten cases change (closed, answered, moved), one is new and later than all
SECOND = [
    [*FIRST[1][:6], "2025-03-02 10:00", "2025-03-06 18:00", "满意"],
    [*FIRST[4][:7], "2025-03-09 09:00", "不满意"],
    [*FIRST[6][:4], "展览路街道", *FIRST[6][5:]],
    ["c11", "2025-03-28 08:00", "市容环境", "东城区", "景山街道", "2025-03-28 08:20", "", "", ""],
]


def _local_finished(engine) -> list[datetime]:
    """When each case load finished, in the store's zone (Asia/Shanghai, UTC+8), by id."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT finished_at FROM ingest_log ORDER BY id")).scalars()
        return [r + timedelta(hours=8) for r in rows]


def _two_loads(tmp_path: Path, before_second=None) -> tuple[str, datetime]:
    """A store with FIRST loaded, then SECOND; ``before_second(url)`` runs between them.
    Returns the URL and a moment (city time, whole seconds) between the two loads."""
    url = f"duckdb:///{tmp_path / 'two.duckdb'}"
    engine = open_store(url)
    ingest_files(engine, [write_csv(tmp_path / "first.csv", HEADER, FIRST)])
    (first,) = _local_finished(engine)
    engine.dispose()
    between = first.replace(microsecond=0) + timedelta(seconds=1)
    if before_second:
        before_second(url)
    while datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=8) <= between:
        time.sleep(0.1)
    engine = open_store(url)
    ingest_files(engine, [write_csv(tmp_path / "second.csv", HEADER, SECOND)])
    engine.dispose()
    return url, between


def _assess(url: str, out: Path, *extra: str) -> int:
    return main(["--db", url, "assess", "--by", "street", "--period", "2025-03", "--out", str(out), *extra])  # fmt: skip


def test_as_known_at_writes_the_csv_written_before_the_later_load(tmp_path):
    before = tmp_path / "before.csv"
    url, between = _two_loads(tmp_path, lambda url: _assess(url, before))
    again = tmp_path / "again.csv"
    assert _assess(url, again, "--as-known-at", f"{between:%Y-%m-%d %H:%M:%S}") == 0
    assert again.read_bytes() == before.read_bytes()
    # the same moment in another of the input formats: ISO 8601 with an offset (UTC)
    iso = (between - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    utc = tmp_path / "utc.csv"
    assert _assess(url, utc, "--as-known-at", iso) == 0
    assert utc.read_bytes() == before.read_bytes()
    live = tmp_path / "live.csv"
    assert _assess(url, live) == 0
    assert live.read_bytes() != before.read_bytes()  # the second load changed the figures
    with live.open(encoding="utf-8-sig") as handle:
        assert {r["as_of"] for r in csv.DictReader(handle)} == {"2025-03-28 08:20:00"}


def test_a_bad_as_known_at_is_one_sentence(tmp_path, capsys):
    url, _ = _two_loads(tmp_path)
    assert _assess(url, tmp_path / "x.csv", "--as-known-at", "yesterday") == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "error: The as-known-at time 'yesterday' is not a timestamp such as 2025-04-10 00:00:00."
    )
    assert not (tmp_path / "x.csv").exists()


def _by_hand(rows: list[list[str]]) -> pd.DataFrame:
    """cases and closure_rate per street, and the response count, with plain pandas."""
    frame = pd.DataFrame(rows, columns=HEADER).replace("", None)
    grouped = frame.groupby(["district", "street"])
    return pd.DataFrame(
        {
            "cases": grouped.size(),
            "closure_rate": grouped["closed_at"].apply(lambda s: s.notna().mean()),
            "satisfaction_known": grouped["satisfaction"].count(),
        }
    ).reset_index()


def test_a_table_as_known_at_equals_pandas_on_the_first_file(tmp_path):
    url, between = _two_loads(tmp_path)
    engine = open_store(url, read_only=True)
    sel = Selection.build("street", "2025-03", as_known_at=between)
    then = kpi_table(engine, sel)
    now = kpi_table(engine, Selection.build("street", "2025-03"))
    engine.dispose()
    want = _by_hand(FIRST)
    got = then[["district", "street", "cases", "closure_rate", "satisfaction_rate_den"]]
    got = got.rename(columns={"satisfaction_rate_den": "satisfaction_known"})
    got = got.sort_values(["district", "street"], ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    latest = {r[0]: r for r in FIRST} | {r[0]: r for r in SECOND}
    live = now.sort_values(["district", "street"], ignore_index=True)
    pd.testing.assert_series_equal(
        live["cases"], _by_hand(list(latest.values()))["cases"], check_dtype=False
    )


def test_an_upgraded_store_keeps_every_case_as_its_first_version(tmp_path):
    path = _old_store(tmp_path)  # a store of the release before migrations, with its loads
    url = f"duckdb:///{path}"
    raw = create_engine(url)
    with raw.begin() as conn:
        command.upgrade(migrations.config(conn), "0002b")
    raw.dispose()
    engine = open_store(url)  # a writer: upgraded to head
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_history")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM rating_history")).scalar() == 0
        last = conn.execute(text("SELECT max(finished_at) FROM ingest_log")).scalar()
        period = conn.execute(text("SELECT max(reported_at) FROM cases")).scalar()
    engine.dispose()
    label = f"{period:%Y}"
    after = last + timedelta(hours=8, seconds=1)  # the log keeps UTC; the city is UTC+8
    live, known = tmp_path / "live.csv", tmp_path / "known.csv"
    for out, extra in ((live, ()), (known, ("--as-known-at", f"{after:%Y-%m-%d %H:%M:%S}"))):
        args = ["--db", url, "assess", "--by", "street", "--period", label, "--out", str(out)]
        assert main([*args, *extra]) == 0
    assert known.read_bytes() == live.read_bytes()
    before = tmp_path / "before.csv"
    first = last - timedelta(days=3650)
    args = ["--db", url, "assess", "--by", "street", "--period", label, "--out", str(before)]
    assert main([*args, "--as-known-at", f"{first:%Y-%m-%d %H:%M:%S}"]) == 0
    with before.open(encoding="utf-8-sig") as handle:  # nothing was loaded then
        assert {r["cases"] for r in csv.DictReader(handle)} <= {"0"}


@pytest.mark.parametrize("who", [None, "zhao.liu"])
def test_the_command_line_records_who_loaded(tmp_path, who):
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    file = write_csv(tmp_path / "first.csv", HEADER, FIRST)
    acting = ["--as", who] if who else []
    assert main(["--db", url, *acting, "ingest", str(file), "--no-warm"]) == 0
    engine = open_store(url, read_only=True)
    with engine.connect() as conn:
        by = conn.execute(text("SELECT loaded_by FROM ingest_log")).scalars().all()
    engine.dispose()
    assert by == [who or "local-admin"]


def test_the_workbook_names_the_moment_its_data_were_known_at(tmp_path):
    url, between = _two_loads(tmp_path)
    out = tmp_path / "a.xlsx"
    assert _assess(url, out, "--as-known-at", f"{between:%Y-%m-%d %H:%M:%S}") == 0
    sheet = openpyxl.load_workbook(out)["规则集"]
    rows = {r[0]: r[1] for r in sheet.iter_rows(values_only=True)}
    assert rows["数据版本（截至该时刻已导入）"] == f"{between:%Y-%m-%d %H:%M:%S}"
    assert rows["数据截至"] == "2025-03-12 08:00:00"  # the first file's latest time
