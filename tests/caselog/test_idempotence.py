"""Ingesting the same files twice changes nothing."""

from __future__ import annotations

import json

from ingest_helpers import DATA_TABLES, counts, ingest, rows, snapshot, write_csv, write_lines

CASES = [
    "case_id,reported_at,category,subcategory,grid_id,source,status,closed_at,satisfaction",
    "I1,2025-03-01 08:00,市容环境,暴露垃圾,G1,巡查,,2025-03-01 12:00,满意",
    "I2,2025/3/1 9:30,街面秩序,占道经营,G2,12345,已派遣,,",
    "I3,2025-03-01T02:00:00Z,设施管理,井盖破损,G9,随手拍,,,",
    "I4,2025-03-01 10:00,,暴露垃圾,G1,,,,",  # quarantined: missing category
    "I5,not a time,市容环境,暴露垃圾,G1,,,,",  # quarantined: unparseable reported_at
    "I6,2025-03-01 10:00,市容环境,G1",  # malformed
    "I7,2025-03-01 11:00,市容环境,暴露垃圾,G2,视频,,2025-03-01 08:00,不满意",  # flagged
]
RATINGS = [
    ["case_id", "department", "score", "rated_at"],
    ["I1", "城管委", "96", "2025-03-02 09:00"],
    ["I1", "街道办", "88.5", "2025-03-02 09:00"],
    ["I2", "城管委", "120", "2025-03-02 09:00"],  # quarantined
]
GRIDS = [
    ["grid_id", "community", "street", "district", "households"],
    ["G1", "多福巷社区", "东华门街道", "东城区", "420"],
    ["G2", "府右街社区", "西长安街街道", "西城区", "380"],
]
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[116.4, 39.9], [116.41, 39.9], [116.41, 39.91], [116.4, 39.9]]],
}


def _files(tmp_path):
    cases = write_lines(tmp_path / "cases.csv", CASES)
    ratings = write_csv(tmp_path / "ratings.csv", RATINGS[0], RATINGS[1:])
    grids = write_csv(tmp_path / "grids.csv", GRIDS[0], GRIDS[1:])
    features = [
        {"type": "Feature", "properties": {"grid_id": g}, "geometry": SQUARE} for g in ("G1", "G2")
    ]
    collection = {"type": "FeatureCollection", "features": features}
    (tmp_path / "grids.geojson").write_text(json.dumps(collection), encoding="utf-8")
    return cases, ratings, grids


def test_the_same_files_twice_change_nothing(store, tmp_path):
    cases, ratings, grids = _files(tmp_path)
    first = ingest(store, [cases], ratings=[ratings], grids=[grids])
    assert counts(first) == (7, 4, 0, 0, 3)
    assert counts(first["ratings"]) == (3, 2, 0, 0, 1)
    assert counts(first["grids"]) == (2, 2, 0, 0, 0)
    before = snapshot(store, DATA_TABLES)
    assert [len(before[t]) for t in DATA_TABLES] == [4, 2, 2, 4]

    second = ingest(store, [cases], ratings=[ratings], grids=[grids])
    assert counts(second) == (7, 0, 0, 4, 3)
    assert second["reasons"] == first["reasons"]
    assert counts(second["ratings"]) == (3, 0, 0, 2, 1)
    assert counts(second["grids"]) == (2, 0, 0, 2, 0)
    assert snapshot(store, DATA_TABLES) == before
    # Only the log grows: one row per file and run, the second run's all unchanged.
    log = rows(store, "ingest_log", "kind, file, read, inserted, updated, unchanged, rejected")
    assert [tuple(r.values()) for r in log] == [
        ("grids", "grids.csv", 2, 2, 0, 0, 0),
        ("cases", "cases.csv", 7, 4, 0, 0, 3),
        ("ratings", "ratings.csv", 3, 2, 0, 0, 1),
        ("grids", "grids.csv", 2, 0, 0, 2, 0),
        ("cases", "cases.csv", 7, 0, 0, 4, 3),
        ("ratings", "ratings.csv", 3, 0, 0, 2, 1),
    ]


def test_a_file_with_its_own_duplicates_twice(store, tmp_path):
    """The store does not change; the superseded row counts as updated in every run (§5)."""
    path = write_lines(
        tmp_path / "dups.csv",
        [
            "case_id,reported_at,category,district,closed_at",
            "D1,2025-03-01 08:00,市容环境,东城区,",
            "D2,2025-03-01 08:00,市容环境,东城区,",
            "D1,2025-03-01 08:00,市容环境,东城区,2025-03-01 18:00",
        ],
    )
    assert counts(ingest(store, [path])) == (3, 2, 1, 0, 0)
    before = snapshot(store, DATA_TABLES)
    assert counts(ingest(store, [path])) == (3, 0, 1, 2, 0)
    assert snapshot(store, DATA_TABLES) == before
