"""Rows with missing or unparseable required values are quarantined; the rest of the file loads."""

from __future__ import annotations

import json

import pytest
from ingest_helpers import count, counts, ingest, rows, write_lines

HEADER = "case_id,reported_at,category,district,grid_id,department"
LINES = [
    HEADER,
    "Q01,2025-03-01 08:00,市容环境,东城区,G1,城管委",  # data row 1: good
    ",2025-03-01 08:00,市容环境,东城区,G1,城管委",  # 2: missing case_id
    "Q03,2025-03-01 09:00,街面秩序,,G2,",  # 3: good (grid_id only)
    "Q04,,市容环境,东城区,G1,城管委",  # 4: missing reported_at
    "Q05,2025-02-30 08:00,市容环境,东城区,G1,城管委",  # 5: unparseable reported_at
    "Q06,2025-03-01 08:00,,东城区,G1,城管委",  # 6: missing category
    "Q07,2025-03-01 08:00,市容环境,,,城管委",  # 7: missing location
    "Q08,2025-03-01 08:00,市容环境,东城区,G1,城管委,多余",  # 8: malformed (7 fields)
    "Q09,2025-03-01 10:00,设施管理,西城区,,水务局",  # 9: good (district only)
    "Q10,2025-03-01 08:00,市容环境",  # 10: malformed (3 fields)
    "Q11,  昨天下午 ,市容环境,东城区,G1,城管委",  # 11: unparseable reported_at
]
REASONS = {
    2: "missing case_id",
    4: "missing reported_at",
    5: "unparseable reported_at",
    6: "missing category",
    7: "missing location",
    8: "malformed row",
    10: "malformed row",
    11: "unparseable reported_at",
}


def _fields(line: str) -> dict:
    values = line.split(",")
    return dict(zip(HEADER.split(","), values, strict=True))  # as in the file, untrimmed


def test_each_reason_is_quarantined_and_the_rest_loads(store, tmp_path):
    path = write_lines(tmp_path / "bad.csv", LINES)
    summary = ingest(store, [path])
    assert counts(summary) == (11, 3, 0, 0, 8)
    assert summary["reasons"] == {
        "malformed row": 2,
        "missing case_id": 1,
        "missing category": 1,
        "missing location": 1,
        "missing reported_at": 1,
        "unparseable reported_at": 2,
    }
    assert [r["case_id"] for r in rows(store, "cases")] == ["Q01", "Q03", "Q09"]

    kept = rows(store, "rejected_rows")
    assert [(r["file"], r["kind"], r["line"], r["reason"]) for r in kept] == [
        ("bad.csv", "cases", line, reason) for line, reason in sorted(REASONS.items())
    ]
    sha = summary["files"][0]["sha256"]
    assert {r["file_hash"] for r in kept} == {sha}
    assert {r["ingest_id"] for r in kept} == {1}
    by_line = {r["line"]: r for r in kept}
    for line in (2, 4, 5, 6, 7, 11):
        assert json.loads(by_line[line]["raw"]) == _fields(LINES[line]), line
        expected_id = _fields(LINES[line])["case_id"] or None
        assert by_line[line]["case_id"] == expected_id
    # A malformed row cannot be split into columns: its text is kept whole.
    assert json.loads(by_line[8]["raw"]) == {"text": LINES[8]}
    assert json.loads(by_line[10]["raw"]) == {"text": LINES[10]}
    assert by_line[8]["case_id"] is None

    log = rows(store, "ingest_log")
    assert [(r["kind"], r["file"], r["read"], r["inserted"], r["rejected"]) for r in log] == [
        ("cases", "bad.csv", 11, 3, 8)
    ]


def test_a_second_ingest_does_not_duplicate_quarantined_rows(store, tmp_path):
    path = write_lines(tmp_path / "bad.csv", LINES)
    ingest(store, [path])
    before = rows(store, "rejected_rows")
    summary = ingest(store, [path])
    assert counts(summary) == (11, 0, 0, 3, 8)
    assert rows(store, "rejected_rows") == before
    assert count(store, "rejected_rows") == 8
    # The same file twice in one run: still kept once.
    summary = ingest(store, [path, path])
    assert counts(summary) == (22, 0, 3, 3, 16)
    assert rows(store, "rejected_rows") == before


def test_the_same_file_twice_in_one_run_keeps_its_quarantine_once(store, tmp_path):
    path = write_lines(tmp_path / "bad.csv", LINES)
    summary = ingest(store, [path, path])
    assert counts(summary) == (22, 3, 3, 0, 16)
    assert summary["reasons"]["malformed row"] == 4
    kept = rows(store, "rejected_rows", "file, line, reason")
    assert [tuple(r.values()) for r in kept] == [
        ("bad.csv", line, reason) for line, reason in sorted(REASONS.items())
    ]


def test_a_changed_file_keeps_its_own_quarantine(store, tmp_path):
    ingest(store, [write_lines(tmp_path / "bad.csv", LINES)])
    fixed = [*LINES[:6], "Q06,2025-03-01 08:00,市容环境,东城区,G1,城管委", *LINES[7:]]
    summary = ingest(store, [write_lines(tmp_path / "bad.csv", fixed)])
    assert counts(summary) == (11, 1, 0, 3, 7)
    # The earlier content's rows stay in quarantine; the new content adds its own.
    assert count(store, "rejected_rows") == 8 + 7
    assert "Q06" in {r["case_id"] for r in rows(store, "cases")}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Z1, ,市容环境,东城区,G1,x", "missing reported_at"),
        ("Z1,2025-03-01 25:00,市容环境,东城区,G1,x", "unparseable reported_at"),
        ("Z1,2025年3月1日,市容环境,东城区,G1,x", "unparseable reported_at"),
        ("Z1,2025-03-01 08:00,   ,东城区,G1,x", "missing category"),
        (" ,2025-03-01 08:00,市容环境,东城区,G1,x", "missing case_id"),
        ("Z1,2025-03-01 08:00,市容环境, , ,x", "missing location"),
    ],
)
def test_blank_values_count_as_missing(duck_store, tmp_path, line, reason):
    summary = ingest(duck_store, [write_lines(tmp_path / "one.csv", [HEADER, line])])
    assert counts(summary) == (1, 0, 0, 0, 1)
    assert summary["reasons"] == {reason: 1}


def test_a_case_reported_after_the_load_is_quarantined(duck_store, tmp_path):
    """A mistyped year (2052) would move every KPI's default as_of decades ahead."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    soon = (now + timedelta(hours=20)).strftime("%Y-%m-%d %H:%M")  # within a day: clocks drift
    late = (now + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    lines = [
        HEADER,
        "F1,2052-03-01 08:00,市容环境,东城区,G1,x",
        f"F2,{late},市容环境,东城区,G1,x",
        f"F3,{soon},市容环境,东城区,G1,x",
        "F4,1999-03-01 08:00,市容环境,东城区,G1,x",
    ]
    summary = ingest(duck_store, [write_lines(tmp_path / "future.csv", lines)])
    assert counts(summary) == (4, 2, 0, 0, 2)
    assert summary["reasons"] == {"reported_at in the future": 2}
    assert {r["case_id"] for r in rows(duck_store, "cases")} == {"F3", "F4"}


def test_malformed_rows_keep_the_place_of_later_rows(duck_store, tmp_path):
    """Lines count data rows in the file, so a row after a malformed one is found where it is."""
    lines = [
        HEADER,
        "A1,2025-03-01 08:00,c,d,,",
        "broken",
        '"A3 with ""quotes""\nand a newline",2025-03-01 08:00,c,d,,',
        "A4,2025-03-01 08:00,,d,,",
    ]
    summary = ingest(duck_store, [write_lines(tmp_path / "shift.csv", lines)])
    assert counts(summary) == (4, 2, 0, 0, 2)
    kept = [(r["line"], r["reason"]) for r in rows(duck_store, "rejected_rows")]
    assert kept == [(2, "malformed row"), (4, "missing category")]
