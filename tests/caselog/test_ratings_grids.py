"""Department ratings and grids (CSV with a sibling GeoJSON, or GeoJSON directly)."""

from __future__ import annotations

import json
from datetime import datetime as T

from ingest_helpers import counts, ingest, rows, write_csv

GRID_HEADER = ["grid_id", "community", "street", "district", "households"]


def _square(x: float, y: float) -> dict:
    ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _geojson(path, features: list[tuple[dict, dict | None]]):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features
        ],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def _grids_csv(tmp_path):
    grids = write_csv(
        tmp_path / "grids.csv",
        GRID_HEADER,
        [
            ["G1", "多福巷社区", "东华门街道", "东城区", "420"],
            ["G2", "府右街社区", "西长安街街道", "西城区", "380"],
            ["G3", "永安里社区", "建外街道", "朝阳区", ""],  # no polygon in the GeoJSON
            ["G4", "某社区", "某街道", "某区", "-5"],  # quarantined
            ["", "无名社区", "某街道", "某区", "10"],  # quarantined
            ["G5", "大社区", "某街道", "某区", "3000000000"],  # quarantined, not a crash
        ],
    )
    _geojson(
        tmp_path / "grids.geojson",
        [
            ({"grid_id": "G1"}, _square(116.40, 39.90)),
            ({"grid_id": "G2", "name": "ignored"}, _square(116.36, 39.91)),
            ({"grid_id": "G7"}, _square(0, 0)),  # not in grids.csv
        ],
    )
    return grids


def test_grids_csv_with_sibling_geojson(store, tmp_path):
    summary = ingest(store, grids=[_grids_csv(tmp_path)])
    assert counts(summary["grids"]) == (6, 3, 0, 0, 3)
    assert summary["grids"]["reasons"] == {"invalid households": 2, "missing grid_id": 1}
    assert counts(summary) == (0, 0, 0, 0, 0)
    stored = rows(store, "grids")
    assert [
        (g["grid_id"], g["community"], g["street"], g["district"], g["households"]) for g in stored
    ] == [
        ("G1", "多福巷社区", "东华门街道", "东城区", 420),
        ("G2", "府右街社区", "西长安街街道", "西城区", 380),
        ("G3", "永安里社区", "建外街道", "朝阳区", None),
    ]
    shapes = {g["grid_id"]: g["geometry"] and json.loads(g["geometry"]) for g in stored}
    assert shapes == {"G1": _square(116.40, 39.90), "G2": _square(116.36, 39.91), "G3": None}
    kept = rows(store, "rejected_rows", "kind, file, line, reason")
    assert [tuple(r.values()) for r in kept] == [
        ("grids", "grids.csv", 4, "invalid households"),
        ("grids", "grids.csv", 5, "missing grid_id"),
        ("grids", "grids.csv", 6, "invalid households"),
    ]


def test_geojson_given_directly(store, tmp_path):
    path = _geojson(
        tmp_path / "city_grids.geojson",
        [
            (
                {
                    "grid_id": "H1",
                    "community": "一社区",
                    "street": "一街道",
                    "district": "一区",
                    "households": 120,
                },
                _square(1, 1),
            ),
            (
                {"grid_id": 2, "community": "二社区", "street": "一街道", "district": "一区"},
                _square(2, 2),
            ),
            ({"community": "无号社区"}, _square(3, 3)),  # quarantined: no grid_id
        ],
    )
    summary = ingest(store, grids=[path])
    assert counts(summary["grids"]) == (3, 2, 0, 0, 1)
    assert summary["grids"]["reasons"] == {"missing grid_id": 1}
    stored = {g["grid_id"]: g for g in rows(store, "grids")}
    assert {k: (g["community"], g["households"]) for k, g in stored.items()} == {
        "H1": ("一社区", 120),
        "2": ("二社区", None),
    }
    assert json.loads(stored["H1"]["geometry"]) == _square(1, 1)
    assert json.loads(stored["2"]["geometry"]) == _square(2, 2)


def test_cases_with_only_grid_id_take_the_hierarchy_of_grids_loaded_in_the_same_run(
    store, tmp_path
):
    grids = _grids_csv(tmp_path)
    by_grid = write_csv(
        tmp_path / "cases.csv",
        ["case_id", "reported_at", "category", "grid_id"],
        [
            ["C1", "2025-03-01 08:00", "市容环境", "G1"],
            ["C2", "2025-03-01 08:00", "市容环境", "G3"],
            ["C3", "2025-03-01 08:00", "市容环境", "G8"],  # unknown grid: still a valid case
            ["C4", "2025-03-01 08:00", "市容环境", "G4"],  # its grid was quarantined
        ],
    )
    own = write_csv(
        tmp_path / "own.csv",
        ["case_id", "reported_at", "category", "district", "street", "grid_id"],
        [["C5", "2025-03-01 08:00", "市容环境", "自填区", "", "G2"]],
    )
    summary = ingest(store, [by_grid, own], grids=[grids])
    assert counts(summary) == (5, 5, 0, 0, 0)
    got = {
        r["case_id"]: (r["district"], r["street"], r["community"], r["grid_id"])
        for r in rows(store, "cases")
    }
    assert got == {
        "C1": ("东城区", "东华门街道", "多福巷社区", "G1"),
        "C2": ("朝阳区", "建外街道", "永安里社区", "G3"),
        "C3": (None, None, None, "G8"),
        "C4": (None, None, None, "G4"),
        "C5": ("自填区", "西长安街街道", "府右街社区", "G2"),  # given values win
    }
    # The same cases again: unchanged, and the filled hierarchy stays.
    again = ingest(store, [by_grid, own], grids=[grids])
    assert counts(again) == (5, 0, 0, 5, 0)
    assert {r["case_id"]: r["district"] for r in rows(store, "cases")}["C1"] == "东城区"


def test_ratings(store, tmp_path):
    cases = write_csv(
        tmp_path / "cases.csv",
        ["case_id", "reported_at", "category", "district"],
        [
            ["C1", "2025-03-01 08:00", "市容环境", "东城区"],
            ["C2", "2025-03-01 08:00", "市容环境", "东城区"],
        ],
    )
    ratings = write_csv(
        tmp_path / "ratings.csv",
        ["case_id", "department", "score", "rated_at"],
        [
            ["C1", "城管委", "95", "2025-03-02 10:00"],
            ["C1", "街道办", "0", ""],
            ["C2", "城管委", "100", "2025-03-02T02:00:00Z"],
            ["C2", "水务局", "100.5", "2025-03-02 10:00"],
            ["C3", "城管委", "-1", "2025-03-02 10:00"],
            ["C3", "城管委", "九十", "2025-03-02 10:00"],
            ["C4", "", "80", "2025-03-02 10:00"],
            ["", "城管委", "80", "2025-03-02 10:00"],
            ["C5", "城管委", "", "2025-03-02 10:00"],
            # Contract §1: each distinct rated_at is a rating; the same one again in the run
            # is the same rating, and its later row wins (counted as updated).
            ["C1", "城管委", "70", "2025-03-03 09:00"],
            ["C1", "城管委", "60", "2025-03-03 09:00"],
        ],
    )
    summary = ingest(store, [cases], ratings=[ratings])
    assert counts(summary) == (2, 2, 0, 0, 0)
    assert counts(summary["ratings"]) == (11, 4, 1, 0, 6)
    assert summary["ratings"]["reasons"] == {
        "invalid score": 3,
        "missing case_id": 1,
        "missing department": 1,
        "missing score": 1,
    }
    stored = rows(store, "ratings", "case_id, department, score, rated_at")
    assert [tuple(r.values()) for r in stored] == [
        ("C1", "城管委", 95.0, T(2025, 3, 2, 10, 0)),
        ("C1", "城管委", 60.0, T(2025, 3, 3, 9, 0)),
        ("C1", "街道办", 0.0, None),
        ("C2", "城管委", 100.0, T(2025, 3, 2, 10, 0)),
    ]
    kept = rows(store, "rejected_rows", "kind, line, case_id, reason", "WHERE kind = 'ratings'")
    assert [tuple(r.values()) for r in kept] == [
        ("ratings", 4, "C2", "invalid score"),
        ("ratings", 5, "C3", "invalid score"),
        ("ratings", 6, "C3", "invalid score"),
        ("ratings", 7, "C4", "missing department"),
        ("ratings", 8, None, "missing case_id"),
        ("ratings", 9, "C5", "missing score"),
    ]
    # A second run: the ratings are unchanged, the same six rejected and kept once.
    again = ingest(store, [cases], ratings=[ratings])
    assert counts(again["ratings"]) == (11, 0, 1, 4, 6)
    assert len(rows(store, "rejected_rows")) == 6
