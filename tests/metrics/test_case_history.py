"""A case's versions load by load, and the loads themselves, from a store built by hand."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert

from caselog.schema import case_history, cases, ingest_log
from metrics import Selection, case_versions, kpi_table, loads

UTC_FINISHED = [
    datetime(2026, 1, 2, 0, 0),
    datetime(2026, 1, 3, 2, 0),
    datetime(2026, 1, 4, 16, 30),
]
BASE = {
    "case_id": "x1",
    "reported_at": datetime(2025, 12, 1, 9, 0),
    "category": "市容环境",
    "district": "东城区",
    "street": "景山街道",
    "urgency": "general",
    "status": "open",
    "row_hash": "h1",
    "day_precision": 0,
    "closed_at": None,
}
V1 = BASE | {"ingest_id": 1}
V2 = BASE | {"ingest_id": 2, "status": "closed", "closed_at": datetime(2025, 12, 3, 10), "row_hash": "h2"}  # fmt: skip
V3 = V2 | {"ingest_id": 3, "street": "东华门街道", "row_hash": "h3"}
OTHER = BASE | {"case_id": "y1", "ingest_id": 1, "street": "东华门街道"}


@pytest.fixture
def engine(store):
    """Three loads of case x1 (open, closed, moved) and one of y1, written by hand, on
    DuckDB and on PostgreSQL."""
    engine = store
    log = [
        {
            "id": i + 1,
            "kind": "cases",
            "file": f"load{i + 1}.csv",
            "file_hash": f"f{i}",
            "started_at": at,
            "finished_at": at,
            "read": 1,
            "inserted": 0,
            "updated": 0,
            "unchanged": 0,
            "rejected": 0,
            "loaded_by": by,
        }
        for i, (at, by) in enumerate(zip(UTC_FINISHED, ["wang", "li", None], strict=True))
    ]
    with engine.begin() as conn:
        conn.execute(insert(ingest_log), log)
        conn.execute(
            insert(case_history),
            [V1 | {"superseded_by": 2}, V2 | {"superseded_by": 3}],
        )
        conn.execute(insert(cases), [V3, OTHER])
    return engine


def test_every_version_with_its_load_and_what_it_changed(engine):
    got = case_versions(engine, "x1")
    assert got["version"].tolist() == [1, 2, 3]
    # the log keeps UTC; the store's zone (Asia/Shanghai) is eight hours ahead
    assert got["loaded_at"].tolist() == [
        datetime(2026, 1, 2, 8, 0),
        datetime(2026, 1, 3, 10, 0),
        datetime(2026, 1, 5, 0, 30),
    ]
    assert got["file"].tolist() == ["load1.csv", "load2.csv", "load3.csv"]
    assert got["loaded_by"].tolist() == ["wang", "li", ""]
    assert got["newest"].tolist() == [False, False, True]
    assert got["changed"].tolist() == ["", "closed_at;status", "street"]
    assert got["street"].tolist() == ["景山街道", "景山街道", "东华门街道"]


def test_only_the_versions_inside_the_scope_are_listed(engine):
    inside = case_versions(engine, "x1", {"district": "东城区", "street": "景山街道"})
    assert inside["loaded_at"].dt.day.tolist() == [2, 3]
    assert case_versions(engine, "x1", {"street": "月坛街道"}).empty
    assert case_versions(engine, "nope").empty


def test_the_loads_newest_first_in_city_time(engine):
    got = loads(engine)
    assert got["loaded_at"].tolist() == [
        datetime(2026, 1, 5, 0, 30),
        datetime(2026, 1, 3, 10, 0),
        datetime(2026, 1, 2, 8, 0),
    ]
    assert got["files"].tolist() == ["load3.csv", "load2.csv", "load1.csv"]
    assert got["loaded_by"].tolist() == ["", "li", "wang"]


@pytest.mark.parametrize(
    ("known_at", "streets"),
    [
        # city time: each load is known from its finish (UTC) + 8 h on
        ("2026-01-02 07:59:59", {}),
        ("2026-01-02 08:00:00", {"景山街道": (1, 0), "东华门街道": (1, 0)}),
        ("2026-01-03 09:59:59", {"景山街道": (1, 0), "东华门街道": (1, 0)}),
        ("2026-01-03 10:00:00", {"景山街道": (1, 1), "东华门街道": (1, 0)}),
        ("2026-01-05T00:30:00+08:00", {"东华门街道": (2, 1)}),
        ("2026-01-04T16:29:59Z", {"景山街道": (1, 1), "东华门街道": (1, 0)}),
        (None, {"东华门街道": (2, 1)}),
    ],
)
def test_the_kpis_read_the_version_known_at_each_moment(engine, known_at, streets):
    sel = Selection.build("street", "2025-12", as_known_at=known_at)
    table = kpi_table(engine, sel, kpis=["cases", "closure_rate"])
    got = {r.street: (int(r.cases), int(r.closure_rate_num)) for r in table.itertuples() if r.cases}
    assert got == streets
