"""Timestamp formats, time zones, mapping formats, empty/unparseable/contradictory values."""

from __future__ import annotations

from datetime import date, time
from datetime import datetime as T

from ingest_helpers import case, counts, ingest, rows, write_csv, write_toml
from openpyxl import Workbook

HEADER = ["case_id", "reported_at", "category", "district", "responded_at", "closed_at"]

# (input reported_at, the local Asia/Shanghai time stored)
FORMATS = [
    ("2025-03-01 08:05", T(2025, 3, 1, 8, 5)),
    ("2025-03-01 08:05:09", T(2025, 3, 1, 8, 5, 9)),
    ("2025/3/1 8:05", T(2025, 3, 1, 8, 5)),
    ("2025/3/1 8:05:09", T(2025, 3, 1, 8, 5, 9)),
    ("2025/12/31 23:59:59", T(2025, 12, 31, 23, 59, 59)),
    ("2025/03/01 08:05", T(2025, 3, 1, 8, 5)),
    ("2025-03-01T00:05:09Z", T(2025, 3, 1, 8, 5, 9)),
    ("2025-03-01T00:05Z", T(2025, 3, 1, 8, 5)),
    ("2025-03-01T08:05:09+08:00", T(2025, 3, 1, 8, 5, 9)),
    ("2025-02-28T19:05:09-05:00", T(2025, 3, 1, 8, 5, 9)),
    ("2025-03-01T01:05:09+0100", T(2025, 3, 1, 8, 5, 9)),
    ("2025-03-01 00:05:09+00:00", T(2025, 3, 1, 8, 5, 9)),
    ("2025-12-31T20:00:00Z", T(2026, 1, 1, 4, 0)),  # crosses the new year in Shanghai
]


def zone_rows(store) -> list[dict]:
    """store_meta without PostgreSQL's write counter (data_stamp, metrics.cube.pg)."""
    return [r for r in rows(store, "store_meta") if r["key"] != "data_stamp"]


def test_every_accepted_format_lands_in_shanghai_time(store, tmp_path):
    data = [
        [f"T{i:02d}", text, "市容环境", "东城区", "", ""] for i, (text, _) in enumerate(FORMATS)
    ]
    summary = ingest(store, [write_csv(tmp_path / "times.csv", HEADER, data)])
    assert counts(summary) == (len(FORMATS), len(FORMATS), 0, 0, 0)
    stored = {r["case_id"]: r["reported_at"] for r in rows(store, "cases")}
    assert stored == {f"T{i:02d}": local for i, (_, local) in enumerate(FORMATS)}
    assert zone_rows(store) == [{"key": "timezone", "value": "Asia/Shanghai"}]


def test_optional_timestamps_empty_bad_and_contradictory(store, tmp_path):
    data = [
        ["E1", "2025-03-01 08:00", "市容环境", "东城区", "", ""],
        ["E2", "2025-03-01 08:00", "市容环境", "东城区", "2025-13-45 99:00", "2025-03-01 10:00"],
        ["E3", "2025-03-01 08:00", "市容环境", "东城区", "2025-03-01 08:10", "2025-02-28 18:00"],
        ["E4", "2025-03-01 08:00", "市容环境", "东城区", "明天上午", "2025-03-01T01:00:00Z"],
    ]
    summary = ingest(store, [write_csv(tmp_path / "optional.csv", HEADER, data)])
    assert counts(summary) == (4, 4, 0, 0, 0)
    e1, e2, e3, e4 = (case(store, f"E{i}") for i in range(1, 5))
    assert (e1["responded_at"], e1["closed_at"], e1["quality_flags"]) == (None, None, None)
    assert e1["status"] == "open"
    assert e2["responded_at"] is None
    assert e2["closed_at"] == T(2025, 3, 1, 10, 0)
    assert e2["quality_flags"] == "bad_value:responded_at"
    assert e2["status"] == "closed"
    # Closed before reported: stored as given, flagged.
    assert e3["closed_at"] == T(2025, 2, 28, 18, 0)
    assert e3["responded_at"] == T(2025, 3, 1, 8, 10)
    flags = set(e3["quality_flags"].split(";"))
    assert flags == {"closed_at_before_reported_at", "closed_at_before_responded_at"}
    assert e4["closed_at"] == T(2025, 3, 1, 9, 0)
    assert e4["quality_flags"] == "bad_value:responded_at"


NYC_MAPPING = """
name = "nyc"
timezone = "America/New_York"
[columns]
case_id = "ID"
reported_at = ["Date", "Time"]
category = "Type"
district = "Borough"
closed_at = "Closed"
source = "const:hotline"
"""
NYC_HEADER = ["ID", "Date", "Time", "Type", "Borough", "Closed"]
NYC_ROWS = [
    # The night before the spring-forward; closed at noon UTC = 08:00 EDT.
    ["N1", "2025-03-08", "23:30", "Noise", "Queens", "2025-03-09T12:00:00Z"],
    # Winter: UTC-5.
    ["N2", "2025-01-15", "09:00", "Noise", "Bronx", "2025-01-15T15:00:00Z"],
    # Summer, naive local closed time.
    ["N3", "2025-07-04", "12:00", "Fireworks", "Brooklyn", "2025-07-04 18:30"],
]


def test_mapping_timezone_sets_the_store_zone_and_later_ingests_keep_it(store, tmp_path):
    mapping = write_toml(tmp_path / "nyc.toml", NYC_MAPPING)
    nyc = write_csv(tmp_path / "nyc.csv", NYC_HEADER, NYC_ROWS)
    summary = ingest(store, [nyc], mapping=mapping)
    assert counts(summary) == (3, 3, 0, 0, 0)
    assert summary["files"][0]["dropped_personal_columns"] == []
    assert zone_rows(store) == [{"key": "timezone", "value": "America/New_York"}]
    got = {
        r["case_id"]: (r["reported_at"], r["closed_at"], r["source"]) for r in rows(store, "cases")
    }
    assert got == {
        "N1": (T(2025, 3, 8, 23, 30), T(2025, 3, 9, 8, 0), "hotline"),
        "N2": (T(2025, 1, 15, 9, 0), T(2025, 1, 15, 10, 0), "hotline"),
        "N3": (T(2025, 7, 4, 12, 0), T(2025, 7, 4, 18, 30), "hotline"),
    }
    # A canonical file without a mapping: naive times are the store's zone, offsets convert.
    plain = write_csv(
        tmp_path / "plain.csv",
        HEADER,
        [["M1", "2025-07-04 12:00", "Noise", "Queens", "", "2025-07-04T20:00:00+00:00"]],
    )
    summary = ingest(store, [plain])
    assert counts(summary) == (1, 1, 0, 0, 0)
    m1 = case(store, "M1")
    assert (m1["reported_at"], m1["closed_at"]) == (T(2025, 7, 4, 12, 0), T(2025, 7, 4, 16, 0))
    assert zone_rows(store) == [{"key": "timezone", "value": "America/New_York"}]


def test_mapping_timezone_converts_into_an_existing_store_zone(store, tmp_path):
    first = write_csv(
        tmp_path / "first.csv", HEADER, [["S1", "2025-01-15 09:00", "市容环境", "东城区", "", ""]]
    )
    ingest(store, [first])
    mapping = write_toml(tmp_path / "nyc.toml", NYC_MAPPING)
    summary = ingest(
        store, [write_csv(tmp_path / "nyc.csv", NYC_HEADER, NYC_ROWS)], mapping=mapping
    )
    assert counts(summary) == (3, 3, 0, 0, 0)
    assert zone_rows(store) == [{"key": "timezone", "value": "Asia/Shanghai"}]
    got = {r["case_id"]: (r["reported_at"], r["closed_at"]) for r in rows(store, "cases")}
    assert got == {
        "S1": (T(2025, 1, 15, 9, 0), None),
        "N1": (T(2025, 3, 9, 12, 30), T(2025, 3, 9, 20, 0)),  # EST +13 h, then EDT +12 h
        "N2": (T(2025, 1, 15, 22, 0), T(2025, 1, 15, 23, 0)),
        "N3": (T(2025, 7, 5, 0, 0), T(2025, 7, 5, 6, 30)),
    }


# (the mapping's timestamp_format, a value, the time stored)
MAPPED_FORMATS = [
    ("%d/%m/%Y %H:%M", "03/04/2025 10:00", T(2025, 4, 3, 10, 0)),  # not 4 March
    ("%d.%m.%Y %Hh%M", "05.04.2025 07h30", T(2025, 4, 5, 7, 30)),
    ("%d/%m/%Y %H:%M", "2025-04-03 10:00", T(2025, 4, 3, 10, 0)),  # still inferred
    ("%d/%m/%Y %H:%M", "2025-04-03T02:00:00Z", T(2025, 4, 3, 10, 0)),  # offsets still work
]


def test_mapping_timestamp_format(store, tmp_path):
    got = {}
    for i, (fmt, text, _) in enumerate(MAPPED_FORMATS):
        mapping = write_toml(
            tmp_path / f"eu{i}.toml",
            f"""
name = "eu"
timestamp_format = "{fmt}"
[columns]
case_id = "Ref"
reported_at = "Opened"
category = "Kind"
district = "Area"
closed_at = "Closed"
""",
        )
        data = [[f"R{i}", text, "Litter", "Centre", text]]
        path = write_csv(tmp_path / f"eu{i}.csv", ["Ref", "Opened", "Kind", "Area", "Closed"], data)
        summary = ingest(store, [path], mapping=mapping)
        assert counts(summary) == (1, 1, 0, 0, 0)
        r = case(store, f"R{i}")
        got[fmt, text] = (r["reported_at"], r["closed_at"], r["quality_flags"])
    assert got == {(fmt, text): (want, want, None) for fmt, text, want in MAPPED_FORMATS}


def test_mapping_joins_a_workbook_date_column_and_time_column(store, tmp_path):
    """Contract §2: a list joins a date and a time column, also with real Excel date cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(["工单号", "受理日期", "受理时间", "类别", "区", "结案时间"])
    sheet.append(["W1", date(2025, 3, 1), time(8, 5), "市容环境", "东城区", T(2025, 3, 2)])
    sheet.append(["W2", T(2025, 3, 1), "23:59:30", "市容环境", "东城区", T(2025, 3, 2, 9, 30)])
    sheet["B2"].number_format = "yyyy-mm-dd"
    path = tmp_path / "daily.xlsx"
    book.save(path)
    mapping = write_toml(
        tmp_path / "daily.toml",
        '[columns]\ncase_id = "工单号"\nreported_at = ["受理日期", "受理时间"]\n'
        'category = "类别"\ndistrict = "区"\nclosed_at = "结案时间"\n',
    )
    summary = ingest(store, [path], mapping=mapping)
    assert counts(summary) == (2, 2, 0, 0, 0)
    got = {r["case_id"]: (r["reported_at"], r["closed_at"]) for r in rows(store, "cases")}
    assert got == {
        "W1": (T(2025, 3, 1, 8, 5), T(2025, 3, 2, 0, 0)),  # a midnight cell stays midnight
        "W2": (T(2025, 3, 1, 23, 59, 30), T(2025, 3, 2, 9, 30)),
    }


def test_a_date_without_a_four_digit_year_is_unparseable(store, tmp_path):
    data = [
        ["Y1", "1/2/3", "市容环境", "东城区", "", ""],
        ["Y2", "3/1/25 8:05", "市容环境", "东城区", "", ""],
        ["Y3", "3/1/2025 8:05 AM", "市容环境", "东城区", "1/2/3", ""],
    ]
    summary = ingest(store, [write_csv(tmp_path / "years.csv", HEADER, data)])
    assert counts(summary) == (3, 1, 0, 0, 2)
    assert summary["reasons"] == {"unparseable reported_at": 2}
    y3 = case(store, "Y3")
    assert y3["reported_at"] == T(2025, 3, 1, 8, 5)
    assert (y3["responded_at"], y3["quality_flags"]) == (None, "bad_value:responded_at")
