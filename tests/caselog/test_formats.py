"""One small case log as CSV (UTF-8, BOM, GB18030), .xlsx and Parquet loads the same rows."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_helpers import counts, ingest, rows, snapshot, write_csv
from openpyxl import Workbook

from caselog import open_store

HEADER = [
    "case_id",
    "reported_at",
    "category",
    "subcategory",
    "district",
    "street",
    "community",
    "grid_id",
    "source",
    "urgency",
    "department",
    "dispatched_at",
    "closed_at",
    "solved",
    "satisfaction",
    "reopened",
    "lat",
    "lon",
]
T = datetime
# The case log as Python values; None is an empty cell.
LOG = [
    [
        20250301001,
        T(2025, 3, 1, 8, 5),
        "市容环境",
        "暴露垃圾",
        "东城区",
        "东华门街道",
        "多福巷社区",
        "G0101",
        "网格员巡查",
        "一般",
        "城管委",
        T(2025, 3, 1, 8, 30),
        T(2025, 3, 1, 16, 0, 45),
        "是",
        "满意",
        0,
        39.9042,
        116.4074,
    ],
    [
        20250301002,
        T(2025, 3, 1, 9, 10, 30),
        "街面秩序",
        "占道经营",
        "西城区",
        "西长安街街道",
        "府右街社区",
        "G0202",
        "12345热线",
        "紧急",
        "市场监管局",
        T(2025, 3, 1, 9, 20),
        None,
        "否",
        "不满意",
        2,
        None,
        None,
    ],
    [
        20250302003,
        T(2025, 3, 2, 14, 0),
        "设施管理",
        "井盖破损",
        "朝阳区",
        "建外街道",
        "永安里社区",
        "G0303",
        "随手拍",
        "复杂",
        "水务局",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ],
]
EXPECTED = [
    {
        "case_id": "20250301001",
        "reported_at": T(2025, 3, 1, 8, 5),
        "category": "市容环境",
        "subcategory": "暴露垃圾",
        "district": "东城区",
        "street": "东华门街道",
        "community": "多福巷社区",
        "grid_id": "G0101",
        "source": "patrol",
        "urgency": "general",
        "department": "城管委",
        "assist_departments": None,
        "accepted_at": None,
        "dispatched_at": T(2025, 3, 1, 8, 30),
        "responded_at": None,
        "resolved_at": None,
        "closed_at": T(2025, 3, 1, 16, 0, 45),
        "deadline": None,
        "status": "closed",
        "solved": True,
        "satisfaction": "satisfied",
        "reopened": 0,
        "reassigned": None,
        "lat": 39.9042,
        "lon": 116.4074,
        "quality_flags": None,
        # The handling columns, none in the file: the defaults (each case has a department).
        "request_type": "request",
        "self_handled": False,
        "extended_deadline": None,
        "suspended_at": None,
        "resumed_at": None,
        "day_precision": 0,
    },
    {
        "case_id": "20250301002",
        "reported_at": T(2025, 3, 1, 9, 10, 30),
        "category": "街面秩序",
        "subcategory": "占道经营",
        "district": "西城区",
        "street": "西长安街街道",
        "community": "府右街社区",
        "grid_id": "G0202",
        "source": "hotline",
        "urgency": "emergency",
        "department": "市场监管局",
        "assist_departments": None,
        "accepted_at": None,
        "dispatched_at": T(2025, 3, 1, 9, 20),
        "responded_at": None,
        "resolved_at": None,
        "closed_at": None,
        "deadline": None,
        "status": "dispatched",
        "solved": False,
        "satisfaction": "dissatisfied",
        "reopened": 2,
        "reassigned": None,
        "lat": None,
        "lon": None,
        "quality_flags": None,
        # The handling columns, none in the file: the defaults (each case has a department).
        "request_type": "request",
        "self_handled": False,
        "extended_deadline": None,
        "suspended_at": None,
        "resumed_at": None,
        "day_precision": 0,
    },
    {
        "case_id": "20250302003",
        "reported_at": T(2025, 3, 2, 14, 0),
        "category": "设施管理",
        "subcategory": "井盖破损",
        "district": "朝阳区",
        "street": "建外街道",
        "community": "永安里社区",
        "grid_id": "G0303",
        "source": "app",
        "urgency": "complex",
        "department": "水务局",
        "assist_departments": None,
        "accepted_at": None,
        "dispatched_at": None,
        "responded_at": None,
        "resolved_at": None,
        "closed_at": None,
        "deadline": None,
        "status": "open",
        "solved": None,
        "satisfaction": None,
        "reopened": None,
        "reassigned": None,
        "lat": None,
        "lon": None,
        "quality_flags": None,
        # The handling columns, none in the file: the defaults (each case has a department).
        "request_type": "request",
        "self_handled": False,
        "extended_deadline": None,
        "suspended_at": None,
        "resumed_at": None,
        "day_precision": 0,
    },
]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _as_text(value) -> str | None:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return None if value is None else str(value)


def write_log(path: Path, fmt: str) -> Path:
    """The case log in one of the accepted formats."""
    if fmt in ("utf-8", "utf-8-sig", "gb18030"):
        table = [[_as_text(v) for v in row] for row in LOG]
        path = write_csv(path.with_suffix(".csv"), HEADER, table, encoding=fmt)
        if fmt == "gb18030":  # a Windows export: GBK-family bytes and CRLF line ends
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
        return path
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(HEADER)
        for row in LOG:
            sheet.append(row)  # integer ids, real datetime cells, floats, empty cells
        path = path.with_suffix(".xlsx")
        book.save(path)
        return path
    assert fmt in ("parquet", "parquet-float")
    columns = {name: [row[i] for row in LOG] for i, name in enumerate(HEADER)}
    data = {}
    for name, values in columns.items():
        if name in ("case_id", "reopened"):
            # pandas keeps an integer column with gaps as float64
            kind = pa.float64() if fmt == "parquet-float" else pa.int64()
            data[name] = pa.array(values, kind)
        elif name in ("lat", "lon"):
            data[name] = pa.array(values, pa.float64())
        elif name == "reported_at":  # naive, nanoseconds as pandas writes them
            data[name] = pa.array(values, pa.timestamp("ns"))
        elif name == "dispatched_at":  # tz-aware in UTC: 08:30 Shanghai is 00:30 UTC
            utc = [v.replace(tzinfo=SHANGHAI).astimezone(UTC) if v else None for v in values]
            data[name] = pa.array(utc, pa.timestamp("us", tz="UTC"))
        elif name == "closed_at":  # tz-aware in the city's own zone
            local = [v.replace(tzinfo=SHANGHAI) if v else None for v in values]
            data[name] = pa.array(local, pa.timestamp("ms", tz="Asia/Shanghai"))
        else:
            data[name] = pa.array(values, pa.string())
    path = path.with_suffix(".parquet")
    pq.write_table(pa.table(data), path)
    return path


FORMATS = ["utf-8", "utf-8-sig", "gb18030", "xlsx", "parquet", "parquet-float"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_loads_the_golden_rows(tmp_path, fmt):
    engine = open_store(f"duckdb:///{tmp_path / 'store.duckdb'}")
    try:
        path = write_log(tmp_path / "cases", fmt)
        if fmt == "gb18030":  # the file really is GB18030, not UTF-8
            with pytest.raises(UnicodeDecodeError):
                path.read_bytes().decode("utf-8")
            assert path.read_bytes().count(b"\r\n") == 4
        if fmt == "utf-8-sig":
            assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        summary = ingest(engine, [path])
        assert counts(summary) == (3, 3, 0, 0, 0)
        assert summary["files"][0]["encoding"] == fmt.removesuffix("-float")
        stored = rows(engine, "cases")
        for row in stored:
            assert row.pop("ingest_id") == 1
            assert row.pop("row_hash").isdigit()  # a 64-bit hash of the stored values
        assert stored == EXPECTED
    finally:
        engine.dispose()


def test_all_formats_give_identical_store_rows(tmp_path):
    """Five stores, one per format: the cases tables are equal, row hashes included."""
    tables = {}
    for fmt in FORMATS:
        engine = open_store(f"duckdb:///{tmp_path / f'{fmt}.duckdb'}")
        try:
            ingest(engine, [write_log(tmp_path / f"cases_{fmt}", fmt)])
            tables[fmt] = snapshot(engine, ["cases"])["cases"]
        finally:
            engine.dispose()
    assert len(tables["utf-8"]) == 3
    for fmt in FORMATS[1:]:
        assert tables[fmt] == tables["utf-8"], fmt


def test_formats_one_after_another_are_unchanged(store, tmp_path):
    """On either backend, the same log in another format is recognised as the same rows."""
    first = ingest(store, [write_log(tmp_path / "cases_utf8", "utf-8")])
    assert counts(first) == (3, 3, 0, 0, 0)
    before = snapshot(store, ["cases"])
    for fmt in FORMATS[1:]:
        summary = ingest(store, [write_log(tmp_path / f"cases_{fmt}", fmt)])
        assert counts(summary) == (3, 0, 0, 3, 0), fmt
    assert snapshot(store, ["cases"]) == before


@pytest.mark.parametrize("separator", ["\t", ";"])
def test_tab_and_semicolon_separated_files_load_like_commas(tmp_path, separator):
    """Excel's "CSV" in European locales uses semicolons; tab-separated exports are common."""
    comma = write_log(tmp_path / "comma", "utf-8")
    other = tmp_path / "other.csv"
    with comma.open(encoding="utf-8", newline="") as src:
        other.write_text(
            "".join(separator.join(row) + "\n" for row in csv.reader(src)), encoding="utf-8"
        )
    stores = {}
    for name, path in (("comma", comma), ("other", other)):
        engine = open_store(f"duckdb:///{tmp_path / f'{name}.duckdb'}")
        try:
            assert counts(ingest(engine, [path])) == (3, 3, 0, 0, 0)
            stores[name] = snapshot(engine, ["cases"])["cases"]
        finally:
            engine.dispose()
    assert stores["other"] == stores["comma"]


def test_a_repeated_byte_order_mark_still_names_the_first_column(store, tmp_path):
    """Files joined by hand can start with two BOMs; Arrow drops one, so the first column was
    typed by guessing (a timestamp) and the load failed with a database error."""
    single = write_log(tmp_path / "single", "utf-8")
    double = tmp_path / "double.csv"
    double.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + single.read_bytes())
    assert counts(ingest(store, [double])) == (3, 3, 0, 0, 0)
    with single.open(encoding="utf-8", newline="") as handle:
        ids = {r["case_id"] for r in csv.DictReader(handle)}
    assert {r["case_id"] for r in rows(store, "cases", "case_id")} == ids
