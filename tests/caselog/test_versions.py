"""Every version of every case: a load keeps what it replaces, in one transaction with the rest."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from caselog.ingest import ingest_files
from caselog.merge import Target
from tests.caselog.ingest_helpers import write_csv

HEADER = ["case_id", "reported_at", "category", "district", "street", "dispatched_at", "closed_at"]
FIRST = [
    ["a1", "2025-03-02 08:00", "市容环境", "东城区", "景山街道", "2025-03-02 09:00", ""],
    ["a2", "2025-03-05 10:30", "街面秩序", "东城区", "景山街道", "", "2025-03-09 17:45"],
    ["a3", "2025-03-06 11:00", "市容环境", "西城区", "月坛街道", "2025-03-06 12:00", ""],
]
# a1 closed, a2 as it was, a3 moved to another street, a4 new
SECOND = [
    [
        "a1",
        "2025-03-02 08:00",
        "市容环境",
        "东城区",
        "景山街道",
        "2025-03-02 09:00",
        "2025-03-04 10:00",
    ],
    FIRST[1],
    ["a3", "2025-03-06 11:00", "市容环境", "西城区", "展览路街道", "2025-03-06 12:00", ""],
    ["a4", "2025-03-20 07:15", "宣传广告", "西城区", "月坛街道", "", ""],
]
RATING_HEADER = ["case_id", "department", "score", "rated_at"]


def _snapshot(engine) -> dict[str, list[tuple]]:
    """The case and history tables and the log, every row, sorted."""
    names = ("cases", "ratings", "case_history", "rating_history", "ingest_log")
    with engine.connect() as conn:
        return {
            n: sorted((tuple(r) for r in conn.execute(text(f"SELECT * FROM {n}"))), key=repr)
            for n in names
        }


def test_a_second_load_keeps_the_versions_it_replaces(store, tmp_path):
    engine = store
    first = write_csv(tmp_path / "first.csv", HEADER, FIRST)
    ratings = write_csv(
        tmp_path / "r1.csv", RATING_HEADER, [["a1", "城管执法", 80, "2025-03-05 09:00"]]
    )
    ingest_files(engine, [first], ratings=[ratings], loaded_by="wang.wu")
    before = _snapshot(engine)
    rated = write_csv(
        tmp_path / "r2.csv", RATING_HEADER, [["a1", "城管执法", 95, "2025-03-05 09:00"]]
    )
    summary = ingest_files(
        engine, [write_csv(tmp_path / "second.csv", HEADER, SECOND)], ratings=[rated]
    )
    after = _snapshot(engine)
    assert (summary.cases.inserted, summary.cases.updated, summary.cases.unchanged) == (1, 2, 1)
    second_load = summary.files[0].ingest_id
    old = {r[0]: r for r in before["cases"]}
    # the stored versions of the changed cases, as they were, superseded by the second load
    assert after["case_history"] == [(*old["a1"], second_load), (*old["a3"], second_load)]
    assert after["rating_history"] == [(*before["ratings"][0], summary.files[1].ingest_id)]
    # the unchanged case is not touched: its row is the one the first load wrote
    assert [r for r in after["cases"] if r[0] == "a2"] == [old["a2"]]
    assert {r[0] for r in after["cases"]} == {"a1", "a2", "a3", "a4"}
    by = {r[0]: r[-1] for r in after["ingest_log"]}  # loaded_by is the log's last column
    assert sorted(by.values()) == ["local-admin", "local-admin", "wang.wu", "wang.wu"]


def test_the_files_of_one_run_become_known_together(store, tmp_path):
    engine = store
    ingest_files(engine, [write_csv(tmp_path / "first.csv", HEADER, FIRST)])
    later = [[*SECOND[0][:6], "2025-03-08 10:00"]]  # a1 changed by two files of one run
    summary = ingest_files(
        engine,
        [
            write_csv(tmp_path / "second.csv", HEADER, SECOND),
            write_csv(tmp_path / "third.csv", HEADER, later),
        ],
        loaded_by="li.si",
    )
    with engine.connect() as conn:
        log = conn.execute(
            text("SELECT id, finished_at, started_at, loaded_by FROM ingest_log ORDER BY id")
        ).all()
        history = conn.execute(
            text("SELECT case_id, closed_at, superseded_by FROM case_history ORDER BY case_id")
        ).all()
        closed = conn.execute(text("SELECT closed_at FROM cases WHERE case_id = 'a1'")).scalar()
    run = log[1:]
    assert len({(r.finished_at, r.started_at) for r in run}) == 1
    assert {r.loaded_by for r in run} == {"li.si"}
    assert run[0].finished_at > log[0].finished_at
    # a1: the second file's version is counted as updated, but only the stored version is
    # kept, superseded by the third file (the run's version of it)
    second, third = (f.ingest_id for f in summary.files)
    assert [f.counts.updated for f in summary.files] == [2, 1]
    assert [(c, s) for c, _, s in history] == [("a1", third), ("a3", second)]
    assert history[0].closed_at is None and str(closed) == "2025-03-08 10:00:00"


def test_a_load_that_fails_half_way_leaves_no_half_version(store, tmp_path, monkeypatch):
    engine = store
    ingest_files(engine, [write_csv(tmp_path / "first.csv", HEADER, FIRST)])
    before = _snapshot(engine)
    run = Target.sql
    seen = []

    def failing(self, statement: str):
        seen.append(statement.split("(")[0].strip())
        if statement.startswith("INSERT INTO cases"):
            raise RuntimeError("disk full")
        return run(self, statement)

    second = write_csv(tmp_path / "second.csv", HEADER, SECOND)
    with monkeypatch.context() as patched:
        patched.setattr(Target, "sql", failing)
        with pytest.raises(RuntimeError):
            ingest_files(engine, [second])
    assert "INSERT INTO case_history" in seen  # the history was written before the failure
    assert _snapshot(engine) == before
    ingest_files(engine, [second])  # the same load again, now whole
    assert len(_snapshot(engine)["case_history"]) == 2
