"""The same ingest on DuckDB and on PostgreSQL: the same summaries and the same tables."""

from __future__ import annotations

import json

import pytest
from ingest_helpers import counts, ingest, rows, snapshot, write_csv, write_lines, write_toml
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

CASES_A = [
    "case_id,reported_at,category,subcategory,grid_id,source,urgency,department,assist_departments,"
    "dispatched_at,responded_at,resolved_at,closed_at,deadline,status,solved,satisfaction,"
    "reopened,reassigned,lat,lon,联系电话",
    "A1,2025-03-01 08:00,市容环境,暴露垃圾,G1,巡查,紧急,城管委,街道办;水务局,2025-03-01 08:10,"
    "2025-03-01 08:20,2025-03-01 10:00,2025-03-01 11:00,2025-03-01 10:00,,是,满意,0,1,39.9,116.4,"
    "13900000000",
    'A2,2025/3/1 9:05,"街面秩序, 夜间",占道经营,G2,12345,,市场监管局,,2025-03-01 09:30,,,,,已派遣,'
    "否,3,,,,,13900000001",
    "A3,2025-03-01T01:00:00Z,设施管理,井盖破损,G9,随手拍,复杂,,,,,,2025-02-28 10:00,,,,,2,,,,",
    "A4,2025-03-01 10:00,,暴露垃圾,G1,,,,,,,,,,,,,,,,,",
    "A5,2025-03-01 10:00,市容环境",
    "A1,2025-03-01 08:00,市容环境,暴露垃圾,G1,巡查,紧急,城管委,街道办;水务局,2025-03-01 08:10,"
    "2025-03-01 08:20,2025-03-01 10:00,2025-03-01 12:00,2025-03-01 10:00,,是,基本满意,1,1,39.9,"
    "116.4,13900000000",
]
MAPPING = """
name = "hotline"
timezone = "Asia/Shanghai"
[columns]
case_id = "工单号"
reported_at = ["日期", "时间"]
category = "类别"
district = "区"
source = "const:hotline"
status = "状态"
[values.status]
"已办结" = "closed"
"""


def _run(engine, tmp_path) -> list[dict]:
    cases_a = write_lines(tmp_path / "a.csv", CASES_A)
    grids = write_csv(
        tmp_path / "grids.csv",
        ["grid_id", "community", "street", "district", "households"],
        [
            ["G1", "多福巷社区", "东华门街道", "东城区", "420"],
            ["G2", "府右街社区", "西长安街街道", "西城区", "x"],
        ],
    )
    shape = {
        "type": "Polygon",
        "coordinates": [[[116.4, 39.9], [116.5, 39.9], [116.5, 40.0], [116.4, 39.9]]],
    }
    (tmp_path / "grids.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"grid_id": "G1"}, "geometry": shape}
                ],
            }
        ),
        encoding="utf-8",
    )
    ratings = write_csv(
        tmp_path / "ratings.csv",
        ["case_id", "department", "score", "rated_at"],
        [
            ["A1", "城管委", "91.5", "2025-03-02 10:00"],
            ["A1", "水务局", "77", ""],
            ["A2", "市场监管局", "-3", ""],
        ],
    )
    mapped = write_csv(
        tmp_path / "hotline.csv",
        ["工单号", "日期", "时间", "类别", "区", "状态", "来电人"],
        [
            ["H1", "2025-03-02", "08:00", "噪声扰民", "海淀区", "已办结", "王某"],
            ["A2", "2025-03-01", "09:05", "街面秩序", "西城区", "", "李某"],
            ["H2", "2025-03-02", "25:00", "噪声扰民", "海淀区", "", "张某"],
        ],
    )
    mapping = write_toml(tmp_path / "hotline.toml", MAPPING)
    return [
        ingest(engine, [cases_a], ratings=[ratings], grids=[grids]),
        ingest(engine, [mapped], mapping=mapping),
        ingest(engine, [cases_a], ratings=[ratings], grids=[grids]),
    ]


def _comparable(engine) -> dict:
    tables = snapshot(engine)
    tables["ingest_log"] = rows(
        engine,
        "ingest_log",
        "id, kind, file, file_hash, mapping, read, inserted, updated, unchanged, rejected",
    )
    return tables


def test_duckdb_and_postgresql_agree(duck_store, pg_store, tmp_path):
    duck = _run(duck_store, tmp_path)
    pg = _run(pg_store, tmp_path)
    assert pg == duck
    assert [counts(s) for s in duck] == [(6, 3, 1, 0, 2), (3, 1, 1, 0, 1), (6, 0, 2, 2, 2)]
    assert [counts(s["ratings"]) for s in duck] == [
        (3, 2, 0, 0, 1),
        (0, 0, 0, 0, 0),
        (3, 0, 0, 2, 1),
    ]
    assert [counts(s["grids"]) for s in duck] == [(2, 1, 0, 0, 1), (0, 0, 0, 0, 0), (2, 0, 0, 1, 1)]
    duck_tables, pg_tables = _comparable(duck_store), _comparable(pg_store)
    # PostgreSQL counts its writes for the KPI cube (migration 0006); DuckDB renews a file.
    stamps = [r for r in pg_tables["store_meta"] if r[0] == "data_stamp"]
    assert len(stamps) == 1 and int(stamps[0][1]) >= 3  # at least a write per load
    # and its writes to cases and ratings, for the tally recounted after a load (migration
    # 0007; services.afterload, which these loads do not run: no tally yet)
    meta = dict(pg_tables["store_meta"])
    assert "tally_stamp" not in meta and int(meta["case_stamp"]) >= 3
    pg_tables["store_meta"] = [
        r
        for r in pg_tables["store_meta"]
        if r[0] not in ("data_stamp", "case_stamp", "tally_stamp")
    ]
    assert [len(duck_tables[t]) for t in duck_tables] == [4, 2, 1, 5, 7, 1]
    for table in duck_tables:
        assert pg_tables[table] == duck_tables[table], table
    a1, a2, a3, h1 = rows(pg_store, "cases")
    assert (a1["closed_at"].hour, a1["satisfaction"], a1["reopened"]) == (12, "basic", 1)
    assert (a1["assist_departments"], a1["district"], a1["community"]) == (
        "街道办;水务局",
        "东城区",
        "多福巷社区",
    )
    assert (a2["category"], a2["status"], a2["satisfaction"], a2["district"]) == (
        "街面秩序, 夜间",
        "dispatched",
        "dissatisfied",
        None,
    )
    assert (a3["urgency"], a3["quality_flags"]) == ("complex", "closed_at_before_reported_at")
    assert (h1["source"], h1["status"], h1["district"], h1["grid_id"]) == (
        "hotline",
        "closed",
        "海淀区",
        "海淀区",
    )


@pytest.mark.postgres
def test_a_first_load_into_postgresql_keeps_the_key_and_every_index(pg_store, tmp_path):
    """A first load copies straight into the empty table and builds its key and indexes
    again afterwards: the same definitions as before it, and the key still refuses a
    second row of a case."""

    def defined() -> set[tuple[str, str]]:
        with pg_store.connect() as conn:
            found = conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases'")
            )
            return set(found.tuples())

    before = defined()
    assert {"cases_pkey", "cases_open", "cases_unit_time"} <= {name for name, _ in before}
    cases = write_csv(
        tmp_path / "cases.csv",
        ["case_id", "reported_at", "category", "district", "street"],
        [["K1", "2025-03-01 08:00", "市容环境", "东城区", "东华门街道"]],
    )
    assert counts(ingest(pg_store, [cases])) == (1, 1, 0, 0, 0)
    assert defined() == before
    with pytest.raises(IntegrityError), pg_store.begin() as conn:
        conn.execute(text("INSERT INTO cases SELECT * FROM cases"))
