"""A later row of the same case_id is a newer version: within a file, across files and runs."""

from __future__ import annotations

from datetime import datetime as T

from ingest_helpers import case, count, counts, ingest, rows, write_csv

HEADER = ["case_id", "reported_at", "category", "district", "department", "closed_at", "status"]


def _row(case_id, closed="", department="城管委", status="", category="市容环境"):
    return [case_id, "2025-03-01 08:00", category, "东城区", department, closed, status]


def test_within_one_file_the_later_row_wins(store, tmp_path):
    path = write_csv(
        tmp_path / "dups.csv",
        HEADER,
        [
            _row("D1"),
            _row("D2"),
            _row("D1", closed="2025-03-01 12:00"),
            _row("D3"),
            _row("D1", closed="2025-03-02 09:00", department="水务局"),
        ],
    )
    summary = ingest(store, [path])
    # D1 three times: the last is inserted, the two earlier ones count as updated.
    assert counts(summary) == (5, 3, 2, 0, 0)
    d1 = case(store, "D1")
    assert (d1["closed_at"], d1["department"], d1["status"]) == (
        T(2025, 3, 2, 9, 0),
        "水务局",
        "closed",
    )
    assert count(store, "cases") == 3


def test_a_later_invalid_row_does_not_replace_the_valid_one(store, tmp_path):
    path = write_csv(
        tmp_path / "dups.csv",
        HEADER,
        [_row("D1", department="城管委"), _row("D1", department="水务局", category="")],
    )
    summary = ingest(store, [path])
    assert counts(summary) == (2, 1, 0, 0, 1)
    assert summary["reasons"] == {"missing category": 1}
    assert case(store, "D1")["department"] == "城管委"


def test_across_two_files_in_one_run(store, tmp_path):
    first = write_csv(tmp_path / "a.csv", HEADER, [_row("X1"), _row("X2")])
    second = write_csv(
        tmp_path / "b.csv", HEADER, [_row("X2", closed="2025-03-03 10:00"), _row("X3")]
    )
    summary = ingest(store, [first, second])
    assert counts(summary) == (4, 3, 1, 0, 0)
    per_file = {f["file"].rsplit("/", 1)[-1]: counts(f) for f in summary["files"]}
    # X2 of a.csv is superseded by b.csv's X2 in the same run.
    assert per_file == {"a.csv": (2, 1, 1, 0, 0), "b.csv": (2, 2, 0, 0, 0)}
    assert case(store, "X2")["closed_at"] == T(2025, 3, 3, 10, 0)
    assert count(store, "cases") == 3


def test_the_file_order_of_the_run_decides(store, tmp_path):
    first = write_csv(tmp_path / "a.csv", HEADER, [_row("X1", department="甲")])
    second = write_csv(tmp_path / "b.csv", HEADER, [_row("X1", department="乙")])
    ingest(store, [second, first])
    assert case(store, "X1")["department"] == "甲"


def test_across_two_runs(store, tmp_path):
    run1 = write_csv(tmp_path / "run1.csv", HEADER, [_row("R1"), _row("R2"), _row("R3")])
    summary = ingest(store, [run1])
    assert counts(summary) == (3, 3, 0, 0, 0)
    first_ids = {r["case_id"]: r["ingest_id"] for r in rows(store, "cases")}

    run2 = write_csv(
        tmp_path / "run2.csv",
        HEADER,
        [
            _row("R1", closed="2025-03-04 10:00"),  # a newer version: updated
            _row("R2"),  # identical: unchanged
            _row("R4"),  # new: inserted
            _row("R3", status="作废"),  # cancelled: updated
        ],
    )
    summary = ingest(store, [run2])
    assert counts(summary) == (4, 1, 2, 1, 0)
    assert count(store, "cases") == 4
    assert case(store, "R1")["closed_at"] == T(2025, 3, 4, 10, 0)
    assert case(store, "R1")["status"] == "closed"
    assert case(store, "R3")["status"] == "cancelled"
    second_ids = {r["case_id"]: r["ingest_id"] for r in rows(store, "cases")}
    # Unchanged rows are not touched; replaced and new ones name the run that wrote them.
    assert second_ids["R2"] == first_ids["R2"]
    assert second_ids["R1"] == second_ids["R3"] == second_ids["R4"] != first_ids["R1"]

    # An older version coming back is again a change (the store keeps the latest file's view).
    summary = ingest(store, [run1])
    assert counts(summary) == (3, 0, 2, 1, 0)
    assert case(store, "R1")["closed_at"] is None


def test_superseded_and_unchanged_in_the_same_run(store, tmp_path):
    ingest(store, [write_csv(tmp_path / "base.csv", HEADER, [_row("U1")])])
    # U1 changes, then changes back to the stored version within one file.
    path = write_csv(
        tmp_path / "flip.csv", HEADER, [_row("U1", closed="2025-03-05 10:00"), _row("U1")]
    )
    summary = ingest(store, [path])
    assert counts(summary) == (2, 0, 1, 1, 0)
    assert case(store, "U1")["closed_at"] is None
