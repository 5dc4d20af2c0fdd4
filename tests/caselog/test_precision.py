"""Real exports' symptoms: date-only values, impossible future times, ratings given twice or
to a department not on the case — loaded, flagged and counted as contract §1 and §4 say."""

from __future__ import annotations

from datetime import datetime as T

import pytest
from ingest_helpers import case, counts, ingest, rows, run_cli, store_url, write_csv, write_toml
from openpyxl import Workbook

from caselog.overview import store_overview
from metrics import kpi_table
from metrics.query import latest_timestamp
from metrics.selection import Selection

HEADER = [
    "case_id",
    "reported_at",
    "category",
    "district",
    "department",
    "assist_departments",
    "dispatched_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "deadline",
]
CASES = [
    # Closed by date on the day it was reported (10:15) and on the deadline's day (12:00):
    # not contradictory, on time. Responded in 30 min, resolved 4.5 h after dispatch.
    ["A1", "2025-03-03 10:15", "市容环境", "东城区", "城管委", "住建委",
     "2025-03-03 10:30", "2025-03-03 11:00", "2025-03-03 15:00", "2025-03-03", "2025-03-03 12:00"],
    # Closed by date two days before it was reported: contradictory, flagged, left out.
    ["A2", "2025-03-05 10:00", "市容环境", "东城区", "", "", "", "", "", "2025-03-03", ""],
    # Responded by date only: out of the response KPIs. Deadline by date (03-05), closed the
    # day after: late.
    ["A3", "2025-03-04 09:00", "市容环境", "东城区", "城管委", "",
     "2025-03-04 09:10", "2025-03-04", "", "2025-03-06 08:00", "2025-03-05"],
    # Closed at 23:30 on the deadline's day (given by date): on time. Responded in 60 min.
    ["A4", "2025-03-04 09:00", "市容环境", "东城区", "城管委", "",
     "2025-03-04 09:20", "2025-03-04 10:20", "", "2025-03-05 23:30", "2025-03-05"],
    # Closed "in 2205": unknown (NULL), flagged; the case is open and as_of does not move.
    ["A5", "2025-03-06 08:00", "市容环境", "东城区", "", "", "", "", "", "2205-03-04 10:00",
     "2025-03-06 20:00"],
    # Resolved by date only: out of the handling hours; its response window (dispatch known
    # to the minute) ended unanswered, so it is due and not in time.
    ["A6", "2025-03-04 08:00", "市容环境", "东城区", "城管委", "",
     "2025-03-04 08:30", "", "2025-03-05", "", ""],
]  # fmt: skip


@pytest.fixture
def loaded(store, tmp_path):
    summary = ingest(store, [write_csv(tmp_path / "cases.csv", HEADER, CASES)])
    return store, summary


def test_each_value_is_stored_with_its_own_precision(loaded):
    store, summary = loaded
    assert counts(summary) == (6, 6, 0, 0, 0)
    # bits: responded_at 8, resolved_at 16, closed_at 32, deadline 64
    stored = {r["case_id"]: r for r in rows(store, "cases")}
    assert {k: r["day_precision"] for k, r in stored.items()} == {
        "A1": 32,
        "A2": 32,
        "A3": 8 + 64,
        "A4": 64,
        "A5": 0,
        "A6": 16,
    }
    assert stored["A1"]["closed_at"] == T(2025, 3, 3)  # its day's midnight
    assert stored["A4"]["closed_at"] == T(2025, 3, 5, 23, 30)  # the same column, to the minute
    assert summary["day_precision"] == {
        "closed_at": 2,
        "deadline": 2,
        "responded_at": 1,
        "resolved_at": 1,
    }


def test_a_date_only_value_never_contradicts_its_own_day(loaded):
    store, summary = loaded
    flags = {r["case_id"]: r["quality_flags"] for r in rows(store, "cases")}
    assert flags == {
        "A1": None,  # closed 03-03 (by date) after reported/dispatched/resolved on 03-03
        "A2": "closed_at_before_reported_at",  # its date is two days before
        "A3": None,
        "A4": None,
        "A5": "future_value:closed_at",  # not bad_value: it was readable
        "A6": None,
    }
    assert summary["flags"] == {"closed_at_before_reported_at": 1, "future_value:closed_at": 1}


def test_a_future_value_is_unknown_and_never_moves_as_of(loaded):
    store, _ = loaded
    a5 = case(store, "A5")
    assert (a5["closed_at"], a5["status"]) == (None, "open")
    # The latest real timestamp: A5 reported 2025-03-06 08:00 (A3 closed at the same time).
    assert latest_timestamp(store) == T(2025, 3, 6, 8, 0)


def test_kpis_follow_each_values_precision(loaded):
    store, _ = loaded
    table = kpi_table(store, Selection.build("city", "2025-03"))
    row = table.iloc[0]
    assert table.attrs["as_of"] == T(2025, 3, 6, 8, 0)
    assert row["cases"] == 6
    # Response: A1 (30 min) and A4 (60 min) within 120 min; A6 unanswered with its window
    # over; A3 (responded by date) out of numerator and denominator.
    assert (row["response_rate_num"], row["response_rate_den"]) == (2, 3)
    assert row["median_response_min"] == pytest.approx(45.0)
    # Handling: only A1 (10:30 → 15:00); A6 resolved by date is left out.
    assert row["median_handling_h"] == pytest.approx(4.5)
    # Closed: A1–A4 (A5's closing is unknown).
    assert (row["closure_rate_num"], row["closure_rate_den"]) == (4, 6)
    # On time: A1 (by date on its deadline's day), A4 (23:30 on the deadline's day); A3 late;
    # A2 contradictory and left out; A5 and A6 open, their deadlines not passed at as_of.
    assert (row["on_time_rate_num"], row["on_time_rate_den"]) == (2, 3)
    assert row["overdue_open"] == 0


def test_ingest_counts_are_printed_after_the_rejected_lines(store, tmp_path):
    path = write_csv(tmp_path / "cases.csv", HEADER, CASES)
    done = run_cli("ingest", path, "--no-warm", db=store_url(store))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "  flagged 1: future_value:closed_at" in lines
    assert "  flagged 1: closed_at_before_reported_at" in lines
    assert "  known to the day only 2: closed_at" in lines
    assert "  known to the day only 1: resolved_at" in lines


def test_the_data_page_counts_what_was_treated_specially(loaded):
    store, _ = loaded
    ov = store_overview(store)
    assert dict(zip(ov.quality["flag"], ov.quality["cases"], strict=True)) == {
        "closed_at_before_reported_at": 1,
        "future_value:closed_at": 1,
    }
    assert dict(zip(ov.day_precision["column"], ov.day_precision["values"], strict=True)) == {
        "responded_at": 1,
        "resolved_at": 1,
        "closed_at": 2,
        "deadline": 2,
    }


def test_a_mapping_forces_day_precision(store, tmp_path):
    # An export that writes every closing date as midnight: 00:00:00 means "that day".
    path = write_csv(
        tmp_path / "export.csv",
        ["id", "time", "cat", "area", "closed"],
        [
            ["M1", "2025-03-03 10:15", "市容环境", "东城区", "2025-03-03 00:00:00"],
            ["M2", "2025-03-03 10:15", "市容环境", "东城区", "2025-03-04 16:20:00"],
        ],
    )
    mapping = write_toml(
        tmp_path / "m.toml",
        'name = "m"\n[columns]\ncase_id = "id"\nreported_at = "time"\ncategory = "cat"\n'
        'district = "area"\nclosed_at = "closed"\n[precision]\nclosed_at = "day"\n',
    )
    summary = ingest(store, [path], mapping=mapping)
    assert summary["day_precision"] == {"closed_at": 2}
    stored = {r["case_id"]: r for r in rows(store, "cases")}
    assert stored["M1"]["quality_flags"] is None  # not "closed before reported"
    assert (stored["M2"]["closed_at"], stored["M2"]["day_precision"]) == (T(2025, 3, 4), 32)


def test_an_excel_date_cell_is_known_to_the_day(store, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["case_id", "reported_at", "category", "district", "closed_at"])
    sheet.append(["X1", T(2025, 3, 3, 10, 15), "市容环境", "东城区", T(2025, 3, 3)])
    sheet.append(["X2", T(2025, 3, 3, 10, 15), "市容环境", "东城区", T(2025, 3, 3, 18, 5)])
    book.save(tmp_path / "cases.xlsx")
    summary = ingest(store, [tmp_path / "cases.xlsx"])
    assert summary["day_precision"] == {"closed_at": 1}
    stored = {r["case_id"]: (r["day_precision"], r["quality_flags"]) for r in rows(store, "cases")}
    assert stored == {"X1": (32, None), "X2": (0, None)}


RATED = ["case_id", "department", "score", "rated_at"]


def test_every_rating_counts(loaded, tmp_path):
    store, _ = loaded
    ratings = write_csv(
        tmp_path / "ratings.csv",
        RATED,
        [
            ["A1", "城管委", "100", "2025-03-04 09:00"],
            ["A1", "城管委", "40", "2025-03-05 09:00"],  # rated twice: two ratings
            ["A1", "城管委", "40", "2025-03-05 09:00"],  # the same row again: one rating
            ["A1", "住建委", "90", ""],  # assisting
            ["A3", "水务局", "60", "2025-03-05 10:00"],  # not on A3: counts, flagged
            ["A4", "城管委", "80", "2205-01-01 00:00"],  # rated "in 2205": time unknown
        ],
    )
    summary = ingest(store, ratings=[ratings])
    assert counts(summary["ratings"]) == (6, 5, 1, 0, 0)
    assert summary["ratings"]["flags"] == {"future_value:rated_at": 1, "off_case_department": 1}
    a4 = rows(store, "ratings", where="WHERE case_id = 'A4'")
    assert [(r["rated_at"], r["quality_flags"]) for r in a4] == [(None, "future_value:rated_at")]

    table = kpi_table(store, Selection.build("department", "2025-03")).set_index("department")
    # 城管委: 100, 40 on A1 and 80 on A4: mean 220 / 3.
    assert table.loc["城管委", "rating_count"] == 3
    assert table.loc["城管委", "rating_mean"] == pytest.approx(220 / 3)
    assert (table.loc["住建委", "rating_count"], table.loc["住建委", "rating_mean"]) == (1, 90)
    assert (table.loc["水务局", "rating_count"], table.loc["水务局", "rating_mean"]) == (1, 60)

    ov = store_overview(store)
    assert dict(zip(ov.rating_quality["flag"], ov.rating_quality["ratings"], strict=True)) == {
        "future_value:rated_at": 1,
        "off_case_department": 1,
    }
    again = ingest(store, ratings=[ratings])
    assert counts(again["ratings"]) == (6, 0, 1, 5, 0)
