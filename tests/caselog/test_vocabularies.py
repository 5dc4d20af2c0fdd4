"""Coded values: the spellings of docs/data-model.md map to canonical codes; unknown ones flag."""

from __future__ import annotations

from ingest_helpers import counts, ingest, rows, write_csv, write_toml

COLUMNS = [
    "case_id",
    "reported_at",
    "category",
    "district",
    "source",
    "urgency",
    "status",
    "solved",
    "satisfaction",
    "dispatched_at",
    "resolved_at",
    "closed_at",
    "reopened",
    "reassigned",
    "lat",
    "lon",
    "assist_departments",
]


def _load(engine, tmp_path, column: str, cases: list[tuple[str, dict]]) -> dict:
    """Ingest one row per case (values for the given columns) and return id -> stored row."""
    data = []
    for case_id, values in cases:
        row = {"case_id": case_id, "reported_at": "2025-03-01 08:00", "category": "市容环境"}
        row |= {"district": "东城区"} | values
        data.append([row.get(c, "") for c in COLUMNS])
    summary = ingest(engine, [write_csv(tmp_path / f"{column}.csv", COLUMNS, data)])
    assert counts(summary) == (len(cases), len(cases), 0, 0, 0)
    return {r["case_id"]: r for r in rows(engine, "cases")}


# (input spelling, stored value, quality flag) per coded column
SPELLINGS = {
    "source": [
        ("网格员巡查", "patrol", None),
        ("巡查", "patrol", None),
        ("Patrol", "patrol", None),
        ("12345热线", "hotline", None),
        ("12345", "hotline", None),
        ("热线", "hotline", None),
        ("随手拍", "app", None),
        ("小程序", "app", None),
        ("APP", "app", None),
        ("视频智能发现", "video", None),
        ("视频监控", "video", None),
        ("吹哨", "whistle", None),
        ("约请", "whistle", None),
        ("吹哨报到", "whistle", None),
        ("  街乡吹哨 ", "whistle", None),
        ("其他", "other", None),
        ("", None, None),
        ("飞鸽传书", "other", "unknown_value:source"),
    ],
    "urgency": [
        ("紧急", "emergency", None),
        ("特急", "emergency", None),
        ("Emergency", "emergency", None),
        ("水电气热", "utility", None),
        ("公共事业", "utility", None),
        ("一般", "general", None),
        ("普通", "general", None),
        ("复杂", "complex", None),
        ("疑难", "complex", None),
        ("", "general", None),
        ("十万火急", "general", "unknown_value:urgency"),
    ],
    "status": [
        ("待处理", "open", None),
        ("已受理", "open", None),
        ("已派遣", "dispatched", None),
        ("处置中", "dispatched", None),
        ("已处置", "resolved", None),
        ("处置完成", "resolved", None),
        ("已结案", "closed", None),
        ("办结", "closed", None),
        ("Closed", "closed", None),
        ("作废", "cancelled", None),
        ("不予立案", "cancelled", None),
        ("canceled", "cancelled", None),
        ("搁置", "open", "unknown_value:status"),  # derived from the (absent) timestamps
    ],
    "solved": [
        ("是", True, None),
        ("否", False, None),
        ("已解决", True, None),
        ("未解决", False, None),
        ("1", True, None),
        ("0", False, None),
        ("true", True, None),
        ("FALSE", False, None),
        ("yes", True, None),
        ("No", False, None),
        ("Y", True, None),
        ("", None, None),
        ("也许", None, "unknown_value:solved"),
        ("2", None, "unknown_value:solved"),
    ],
    "satisfaction": [
        ("满意", "satisfied", None),
        ("非常满意", "satisfied", None),
        ("基本满意", "basic", None),
        ("不满意", "dissatisfied", None),
        ("5", "satisfied", None),
        ("5.0", "satisfied", None),
        ("4", "basic", None),
        ("3", "dissatisfied", None),
        ("2", "dissatisfied", None),
        ("1", "dissatisfied", None),
        ("", None, None),
        ("6", None, "unknown_value:satisfaction"),
        ("0", None, "unknown_value:satisfaction"),
        ("还行", None, "unknown_value:satisfaction"),
    ],
}


def test_coded_values(store, tmp_path):
    got, expected = {}, {}
    for column, spellings in SPELLINGS.items():
        cases = [(f"{column}{i:02d}", {column: text}) for i, (text, _, _) in enumerate(spellings)]
        stored = _load(store, tmp_path, column, cases)
        for (case_id, _), (text, value, flag) in zip(cases, spellings, strict=True):
            got[column, text] = (stored[case_id][column], stored[case_id]["quality_flags"])
            expected[column, text] = (value, flag)
    assert got == expected


def test_status_derived_from_timestamps(store, tmp_path):
    t = "2025-03-01 09:00"
    cases = [
        ("S-open", {}),
        ("S-dispatched", {"dispatched_at": t}),
        ("S-resolved", {"dispatched_at": t, "resolved_at": t}),
        ("S-closed", {"dispatched_at": t, "resolved_at": t, "closed_at": t}),
        ("S-closed-only", {"closed_at": t}),
        ("S-given", {"status": "作废", "closed_at": t}),  # a given status wins
        ("S-given-open", {"status": "待处理", "dispatched_at": t}),
        ("S-unknown", {"status": "挂起", "resolved_at": t}),
    ]
    stored = _load(store, tmp_path, "derived", cases)
    assert {k: (v["status"], v["quality_flags"]) for k, v in stored.items()} == {
        "S-open": ("open", None),
        "S-dispatched": ("dispatched", None),
        "S-resolved": ("resolved", None),
        "S-closed": ("closed", None),
        "S-closed-only": ("closed", None),
        "S-given": ("cancelled", None),
        "S-given-open": ("open", None),
        "S-unknown": ("resolved", "unknown_value:status"),
    }


def test_numbers_and_lists(store, tmp_path):
    cases = [
        ("N1", {"reopened": "2", "reassigned": "0", "lat": "39.9042", "lon": "116.4074"}),
        ("N2", {"reopened": "3.0", "reassigned": "1"}),
        ("N3", {"reopened": "-1"}),
        ("N4", {"reopened": "1.5", "reassigned": "两次"}),
        ("N5", {"reopened": "99999999999"}),
        ("N6", {"lat": "91", "lon": "-181"}),
        ("N7", {"lat": "north", "lon": "116.4"}),
        ("N8", {"assist_departments": " 城管委 ; ;水务局 "}),
        ("N9", {"assist_departments": " ; "}),
    ]
    stored = _load(store, tmp_path, "numbers", cases)
    columns = ("reopened", "reassigned", "lat", "lon", "assist_departments", "quality_flags")
    assert {k: tuple(v[c] for c in columns) for k, v in stored.items()} == {
        "N1": (2, 0, 39.9042, 116.4074, None, None),
        "N2": (3, 1, None, None, None, None),
        "N3": (None, None, None, None, None, "bad_value:reopened"),
        "N4": (None, None, None, None, None, "bad_value:reopened;bad_value:reassigned"),
        "N5": (None, None, None, None, None, "bad_value:reopened"),
        "N6": (None, None, None, None, None, "bad_value:lat;bad_value:lon"),
        "N7": (None, None, None, 116.4, None, "bad_value:lat"),
        "N8": (None, None, None, None, "城管委;水务局", None),
        "N9": (None, None, None, None, None, None),
    }


def test_mapping_value_maps_feed_the_vocabularies(store, tmp_path):
    mapping = write_toml(
        tmp_path / "city.toml",
        """
name = "city"
[columns]
case_id = "编号"
reported_at = "上报时间"
category = "大类"
district = "区"
status = "状态"
source = "渠道"
satisfaction = "评价"
[values.status]
RESOL = "closed"
OPEN = "open"
[values.source]
"Constituent Call" = "hotline"
"Walk-in" = "随手拍"
[values.satisfaction]
"★★★★★" = "5"
"★★★★" = "基本满意"
""",
    )
    header = ["编号", "上报时间", "大类", "区", "状态", "渠道", "评价"]
    data = [
        ["M1", "2025-03-01 08:00", "市容环境", "东城区", "RESOL", "Constituent Call", "★★★★★"],
        ["M2", "2025-03-01 08:00", "市容环境", "东城区", "OPEN", "Walk-in", "★★★★"],
        ["M3", "2025-03-01 08:00", "市容环境", "东城区", "已结案", "巡查", "不满意"],
        ["M4", "2025-03-01 08:00", "市容环境", "东城区", "resol", "Fax", "★"],
    ]
    summary = ingest(store, [write_csv(tmp_path / "city.csv", header, data)], mapping=mapping)
    assert counts(summary) == (4, 4, 0, 0, 0)
    got = {r["case_id"]: r for r in rows(store, "cases")}
    assert {
        k: (v["status"], v["source"], v["satisfaction"], v["quality_flags"]) for k, v in got.items()
    } == {
        "M1": ("closed", "hotline", "satisfied", None),
        "M2": ("open", "app", "basic", None),
        "M3": ("closed", "patrol", "dissatisfied", None),
        # Value maps match exactly; an unmapped spelling falls through to the vocabularies.
        "M4": (
            "open",
            "other",
            None,
            "unknown_value:source;unknown_value:status;unknown_value:satisfaction",
        ),
    }
