"""The shipped mapping files on exports written in the layouts cities have: Open311 GeoReport v2
(JSON and CSV), a 12345 hotline export (GB18030 CSV) and a 数字城管 export (.xlsx, CSV)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ingest_helpers import (
    ROOT,
    all_text,
    case,
    cli_json,
    counts,
    ingest,
    rows,
    run_cli,
    write_csv,
    write_toml,
)
from openpyxl import Workbook

from caselog import open_store
from caselog.columns import CASE_COLUMNS, is_personal
from caselog.mapping import MappingError, load_mapping
from metrics import Selection, kpi_table

MAPPINGS = ROOT / "sample_data" / "mappings"
AS_OF = datetime(2025, 3, 31, 23, 59)
STORED = ", ".join((*CASE_COLUMNS, "quality_flags"))


def _kpis(engine) -> dict[str, dict[str, float]]:
    """closure, on-time, solved and satisfaction rates per district for March 2025."""
    table = kpi_table(engine, Selection.build("district", "2025-03", as_of=AS_OF))
    names = ("closure_rate", "on_time_rate", "solved_rate", "satisfaction_rate")
    return {r["district"]: {k: r[k] for k in names} for r in table.to_dict("records")}


def _cli(path: Path, mapping: str, tmp_path: Path) -> dict:
    """``ingest FILE --mapping sample_data/mappings/<mapping> --json`` into a new store."""
    db = f"duckdb:///{tmp_path / (path.name + '-cli.duckdb')}"
    summary = cli_json(run_cli("ingest", path, "--mapping", MAPPINGS / mapping, "--json", db=db))
    return summary


def _same_cases(engine, other_file: Path, mapping: str, tmp_path: Path) -> None:
    """The same export in another format stores exactly the same cases."""
    other = open_store(f"duckdb:///{tmp_path / (other_file.stem + '-other.duckdb')}")
    try:
        ingest(other, [other_file], mapping=MAPPINGS / mapping)
        assert rows(other, "cases", STORED) == rows(engine, "cases", STORED)
    finally:
        other.dispose()


# --- Open311 GeoReport v2 --------------------------------------------------------------------

OPEN311 = [
    # id, status, zipcode, requested, updated, expected
    ("638344", "closed", "60601", "2025-03-03T09:00:00-05:00", "2025-03-04T10:00:00-05:00",
     "2025-03-05T09:00:00-05:00"),  # closed before its expected time
    ("638345", "closed", "60601", "2025-03-03T10:00:00-05:00", "2025-03-10T12:00:00-05:00",
     "2025-03-06T10:00:00-05:00"),  # closed late
    ("638346", "open", "60601", "2025-03-05T08:30:00-05:00", "2025-03-06T11:00:00-05:00",
     "2025-03-08T08:30:00-05:00"),  # open, past its expected time: overdue
    ("638347", "open", "60601", "2025-03-20T14:00:00-05:00", "2025-03-21T09:00:00-05:00",
     "2025-04-30T14:00:00-05:00"),  # open, not yet due
    ("638348", "closed", "60602", "2025-03-10T07:15:00-05:00", "2025-03-11T16:45:00-05:00",
     None),  # no expected time: the rule set's 168 hours
    ("638349", "open", None, "2025-03-12T12:00:00-05:00", "2025-03-12T12:00:00-05:00",
     None),  # no zipcode: no location
]  # fmt: skip


def _open311_records() -> list[dict]:
    return [
        {
            "service_request_id": rid,
            "status": status,
            "status_notes": "Work order completed." if status == "closed" else None,
            "service_name": "Pothole in Street",
            "service_code": "PHF",
            "description": "Large pothole near the curb.",
            "agency_responsible": "Department of Transportation",
            "service_notice": None,
            "requested_datetime": requested,
            "updated_datetime": updated,
            "expected_datetime": expected,
            "address": f"{100 + k} N State St",
            "address_id": None,
            "zipcode": zipcode,
            "lat": 41.8837 + k / 1000,
            "long": -87.6278,
            "media_url": None,
        }
        for k, (rid, status, zipcode, requested, updated, expected) in enumerate(OPEN311)
    ]


def _local(text: str | None) -> datetime | None:
    """An ISO 8601 time with an offset as the store's wall-clock time (Asia/Shanghai)."""
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def _open311_expected() -> dict[str, dict[str, float]]:
    """closure and on-time rate per zipcode, straight from the records above."""
    by_zip: dict[str, list] = {}
    for _, status, zipcode, requested, updated, expected in OPEN311:
        if zipcode is None:
            continue
        due = _local(expected) or _local(requested) + timedelta(hours=168)
        closed = _local(updated) if status == "closed" else None
        by_zip.setdefault(zipcode, []).append((closed, due))
    result = {}
    for zipcode, cases in by_zip.items():
        on_time = sum(1 for closed, due in cases if closed is not None and closed <= due)
        counted = sum(1 for closed, due in cases if closed is not None or due < AS_OF)
        closed_n = sum(1 for closed, _ in cases if closed is not None)
        result[zipcode] = {"closure_rate": closed_n / len(cases), "on_time_rate": on_time / counted}
    return result


def test_open311_json_and_csv(store, tmp_path):
    records = _open311_records()
    json_file = tmp_path / "requests.json"
    json_file.write_text(json.dumps(records), encoding="utf-8")
    summary = ingest(store, [json_file], mapping=MAPPINGS / "open311.toml")

    assert counts(summary) == (6, 5, 0, 0, 1)
    assert summary["reasons"] == {"missing location": 1}
    assert summary["files"][0]["encoding"] == "json"
    assert summary["files"][0]["unused_columns"] == [
        "status_notes", "service_code", "description", "service_notice", "address",
        "address_id", "media_url",
    ]  # fmt: skip

    closed = case(store, "638344")
    assert closed["status"] == "closed"
    assert closed["reported_at"] == datetime(2025, 3, 3, 22, 0)  # 09:00 -05:00 in Shanghai
    assert closed["closed_at"] == _local("2025-03-04T10:00:00-05:00")
    assert closed["deadline"] == _local("2025-03-05T09:00:00-05:00")
    assert closed["category"] == "Pothole in Street"
    assert closed["department"] == "Department of Transportation"
    assert (closed["district"], closed["grid_id"]) == ("60601", "60601")
    assert (closed["lat"], closed["lon"]) == (pytest.approx(41.8837), pytest.approx(-87.6278))
    # An open request's updated_datetime is its last change, not a closing time.
    still_open = case(store, "638346")
    assert (still_open["status"], still_open["closed_at"]) == ("open", None)
    assert still_open["deadline"] == _local("2025-03-08T08:30:00-05:00")
    assert case(store, "638348")["deadline"] is None  # derived from the rule set

    got = _kpis(store)
    for zipcode, expected in _open311_expected().items():
        assert got[zipcode]["closure_rate"] == pytest.approx(expected["closure_rate"])
        assert got[zipcode]["on_time_rate"] == pytest.approx(expected["on_time_rate"])
    assert (got["60601"]["closure_rate"], got["60601"]["on_time_rate"]) == pytest.approx(
        (0.5, 1 / 3)
    )

    header = list(records[0])
    csv_file = write_csv(
        tmp_path / "requests.csv", header, [[r[h] for h in header] for r in records]
    )
    _same_cases(store, csv_file, "open311.toml", tmp_path)
    for path in (json_file, csv_file):
        assert counts(_cli(path, "open311.toml", tmp_path)) == (6, 5, 0, 0, 1)


# --- 12345 hotline ---------------------------------------------------------------------------

HOTLINE_HEADER = [
    "工单编号", "来电时间", "来电人姓名", "联系电话", "诉求类型", "问题分类", "所属区",
    "所属街道", "承办单位", "受理时间", "派单时间", "签收时间", "办结时间", "是否解决",
    "满意度", "回访时间",
]  # fmt: skip
HOTLINE = [
    ["GD2025030001", "2025-03-03 09:00:12", "张三", "13800000001", "投诉", "噪音扰民", "东城区", "东华门街道", "区城管委", "2025-03-03 09:05:00", "2025-03-03 09:30:00", "2025-03-03 10:00:00", "2025-03-04 10:00:00", "已解决", "满意", "2025-03-05 15:00:00"],
    ["GD2025030002", "2025-03-05 08:00:00", "李四", "13800000002", "求助", "道路破损", "东城区", "景山街道", "区交通委", "2025-03-05 08:10:00", "2025-03-05 09:00:00", "2025-03-05 11:00:00", "2025-03-15 08:00:00", "未解决", "不满意", "2025-03-16 10:00:00"],
    ["GD2025030003", "2025-03-10 10:00:00", "王五", "13800000003", "投诉", "违章停车", "东城区", "东华门街道", "区交通委", "2025-03-10 10:02:00", "2025-03-10 10:30:00", "", "", "", "", ""],
    ["GD2025030004", "2025-03-12 14:00:00", "赵六", "13800000004", "咨询", "噪音扰民", "西城区", "金融街街道", "区生态环境局", "2025-03-12 14:05:00", "2025-03-12 15:00:00", "2025-03-12 16:00:00", "2025-03-13 11:00:00", "是", "基本满意", "2025-03-14 09:00:00"],
    ["GD2025030005", "2025-03-14 09:30:00", "钱七", "13800000005", "求助", "供暖问题", "西城区", "月坛街道", "区城管委", "2025-03-14 09:35:00", "2025-03-14 10:00:00", "2025-03-14 11:00:00", "2025-03-16 17:00:00", "否", "非常满意", "2025-03-17 10:00:00"],
    ["GD2025030006", "2025-03-20 16:00:00", "孙八", "13800000006", "建议", "绿化养护", "西城区", "月坛街道", "区园林绿化局", "2025-03-20 16:10:00", "2025-03-20 17:00:00", "2025-03-21 09:00:00", "2025-03-21 15:00:00", "未回访", "未评价", ""],
    ["GD2025030007", "2025-03-25 11:00:00", "周九", "13800000007", "投诉", "噪音扰民", "东城区", "景山街道", "区城管委", "2025-03-25 11:03:00", "", "", "", "", "", ""],
]  # fmt: skip


# 诉求类型 of each row above, in the contract's codes
TYPES = ["complaint", "request", "complaint", "consultation", "request", "suggestion", "complaint"]


def test_hotline_12345_gb18030(store, tmp_path):
    path = write_csv(tmp_path / "12345工单.csv", HOTLINE_HEADER, HOTLINE, encoding="gb18030")
    summary = ingest(store, [path], mapping=MAPPINGS / "hotline12345.toml")

    assert counts(summary) == (7, 7, 0, 0, 0)
    report = summary["files"][0]
    assert report["encoding"] == "gb18030"
    assert report["dropped_personal_columns"] == ["来电人姓名", "联系电话"]
    assert report["unused_columns"] == ["回访时间"]
    stored = all_text(store)
    assert not any(s in v for v in stored for s in ("张三", "13800000001", "周九"))

    first = case(store, "GD2025030001")
    assert first["reported_at"] == datetime(2025, 3, 3, 9, 0, 12)
    assert first["accepted_at"] == datetime(2025, 3, 3, 9, 5)
    assert first["dispatched_at"] == datetime(2025, 3, 3, 9, 30)
    assert first["responded_at"] == datetime(2025, 3, 3, 10, 0)
    assert first["closed_at"] == datetime(2025, 3, 4, 10, 0)
    assert (first["status"], first["source"], first["solved"]) == ("closed", "hotline", True)
    assert (first["district"], first["street"], first["grid_id"]) == (
        "东城区", "东华门街道", "东华门街道",
    )  # fmt: skip
    assert (first["department"], first["category"]) == ("区城管委", "噪音扰民")
    types = {r["case_id"]: r["request_type"] for r in rows(store, "cases", "case_id, request_type")}
    assert types == {row[0]: want for row, want in zip(HOTLINE, TYPES, strict=True)}
    assert case(store, "GD2025030005")["satisfaction"] == "satisfied"  # 非常满意
    # 未回访 / 未评价: no verdict, not an unknown spelling
    unrated = case(store, "GD2025030006")
    assert (unrated["solved"], unrated["satisfaction"], unrated["quality_flags"]) == (None,) * 3
    assert case(store, "GD2025030003")["status"] == "dispatched"

    # By hand. 东城区: 0001 closed in 25 h, 0002 in 240 h (> 168 h), 0003 open and due on
    # 03-17, 0007 open and due on 04-01 (after as_of). 西城区: three closed within a day or two.
    # Solved: 已解决/未解决 and 是/否/未回访. Satisfaction: 满意 1, 不满意 0; 基本满意 0.9, 非常满意 1.
    got = _kpis(store)
    assert set(got) == {"东城区", "西城区"}
    assert got["东城区"] == pytest.approx(
        {"closure_rate": 2 / 4, "on_time_rate": 1 / 3, "solved_rate": 1 / 2,
         "satisfaction_rate": 1 / 2}
    )  # fmt: skip
    assert got["西城区"] == pytest.approx(
        {"closure_rate": 3 / 3, "on_time_rate": 3 / 3, "solved_rate": 1 / 2,
         "satisfaction_rate": 1.9 / 2}
    )  # fmt: skip
    cli = _cli(path, "hotline12345.toml", tmp_path)
    assert counts(cli) == (7, 7, 0, 0, 0)
    assert cli["files"][0]["dropped_personal_columns"] == ["来电人姓名", "联系电话"]


# --- 数字城管 --------------------------------------------------------------------------------

SZCG_HEADER = [
    "案卷号", "案件来源", "上报时间", "上报人", "大类", "小类", "问题描述", "地址", "区", "街道",
    "社区", "网格", "立案时间", "派遣时间", "处置部门", "处置时限", "处置完成时间", "结案时间",
]  # fmt: skip


def _t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute)


SZCG = [
    [202503030001, "监督员上报", _t(3, 9), "监督员甲", "市容环境", "暴露垃圾", "路边堆放垃圾",
     "建国路88号", "朝阳区", "建外街道", "永安里社区", 110105001001, _t(3, 9, 10), _t(3, 9, 20),
     "环卫所", _t(3, 17, 20), _t(3, 15), _t(3, 16)],
    [202503040002, "公众举报", _t(4, 10), "", "街面秩序", "占道经营", "早市占道", "光华路1号",
     "朝阳区", "建外街道", "光华里社区", 110105001002, _t(4, 10, 30), _t(4, 11), "城管执法队",
     _t(5, 10), _t(6, 9), _t(6, 10)],
    [202503100003, "视频发现", _t(10, 8), "", "市容环境", "乱张贴", "墙面小广告", "东三环中路",
     "朝阳区", "呼家楼街道", "核桃园社区", 110105002001, _t(10, 8, 5), _t(10, 8, 30), "街道办",
     _t(11, 8, 30), None, None],
    [202503120004, "12345", _t(12, 14), "", "设施管理", "井盖破损", "井盖缺失", "西大望路",
     "海淀区", "中关村街道", "科源社区", 110108001001, _t(12, 14, 10), _t(12, 14, 20),
     "市政所", _t(13, 14, 20), _t(12, 18), _t(12, 19)],
    [202503150005, "市民来信", _t(15, 9), "", "设施管理", "路灯损坏", "路灯不亮", "海淀路",
     "海淀区", "中关村街道", "科源社区", 110108001001, _t(15, 9, 30), _t(15, 10), "市政所",
     _t(16, 10), _t(19, 17), _t(20, 9)],
]  # fmt: skip


def _szcg_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(SZCG_HEADER)
    for row in SZCG:
        sheet.append(row)
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    book.save(path)
    return path


def _slashed(value: object) -> object:
    """A time as an Excel-saved CSV writes it: 2025/3/3 9:00."""
    if isinstance(value, datetime):
        return f"{value.year}/{value.month}/{value.day} {value.hour}:{value.minute:02d}"
    return value


def test_szcg_xlsx_and_gb18030_csv(store, tmp_path):
    path = _szcg_xlsx(tmp_path / "数字城管案卷.xlsx")
    summary = ingest(store, [path], mapping=MAPPINGS / "szcg.toml")

    assert counts(summary) == (5, 5, 0, 0, 0)
    report = summary["files"][0]
    assert report["dropped_personal_columns"] == ["上报人"]
    assert report["unused_columns"] == ["问题描述", "地址"]
    assert not any("监督员甲" in v for v in all_text(store))

    first = case(store, "202503030001")
    assert first["grid_id"] == "110105001001"  # a number cell, not 1.10105001001e+11
    assert (first["district"], first["street"], first["community"]) == (
        "朝阳区", "建外街道", "永安里社区",
    )  # fmt: skip
    assert (first["category"], first["subcategory"], first["department"]) == (
        "市容环境", "暴露垃圾", "环卫所",
    )  # fmt: skip
    assert [first[c] for c in ("reported_at", "accepted_at", "dispatched_at", "deadline")] == [
        _t(3, 9), _t(3, 9, 10), _t(3, 9, 20), _t(3, 17, 20),
    ]  # fmt: skip
    assert (first["resolved_at"], first["closed_at"], first["status"]) == (
        _t(3, 15), _t(3, 16), "closed",
    )  # fmt: skip
    sources = {r["case_id"]: r["source"] for r in rows(store, "cases", "case_id, source")}
    assert list(sources.values()) == ["patrol", "hotline", "video", "hotline", "other"]
    assert case(store, "202503150005")["quality_flags"] == "unknown_value:source"
    assert case(store, "202503100003")["status"] == "dispatched"

    # By hand. 朝阳区: 0001 closed 16:00 ≤ 17:20, 0002 closed 03-06 10:00 > 03-05 10:00,
    # 0003 open and due 03-11 (overdue). 海淀区: 0004 closed 19:00 ≤ 03-13 14:20, 0005 closed
    # 03-20 09:00 > 03-16 10:00. No callback columns: solved and satisfaction have no value.
    got = _kpis(store)
    assert {d: (k["closure_rate"], k["on_time_rate"]) for d, k in got.items()} == {
        "朝阳区": pytest.approx((2 / 3, 1 / 3)),
        "海淀区": pytest.approx((2 / 2, 1 / 2)),
    }
    assert all(k["solved_rate"] != k["solved_rate"] for k in got.values())  # NaN: no verdicts

    csv_rows = [[_slashed(v) for v in row] for row in SZCG]
    csv_file = write_csv(tmp_path / "数字城管案卷.csv", SZCG_HEADER, csv_rows, encoding="gb18030")
    _same_cases(store, csv_file, "szcg.toml", tmp_path)
    for exported in (path, csv_file):
        cli = _cli(exported, "szcg.toml", tmp_path)
        assert counts(cli) == (5, 5, 0, 0, 0)
        assert cli["files"][0]["dropped_personal_columns"] == ["上报人"]


def test_szcg_deadline_given_as_a_span_is_flagged_and_the_rule_set_applies(duck_store, tmp_path):
    row = [_slashed(v) for v in SZCG[2]]  # open, reported 03-10 08:00
    row[SZCG_HEADER.index("处置时限")] = "2工作日"
    path = write_csv(tmp_path / "span.csv", SZCG_HEADER, [row], encoding="gb18030")
    ingest(duck_store, [path], mapping=MAPPINGS / "szcg.toml")
    stored = case(duck_store, "202503100003")
    assert (stored["deadline"], stored["quality_flags"]) == (None, "bad_value:deadline")
    # 168 hours after 03-10 08:00 is 03-17 08:00, before as_of: overdue, so on time 0 of 1
    got = _kpis(duck_store)["朝阳区"]
    assert (got["closure_rate"], got["on_time_rate"]) == (0.0, 0.0)


# --- the mapping files themselves ------------------------------------------------------------


def test_shipped_mappings_load_and_map_only_canonical_columns():
    names = {p.stem: load_mapping(p) for p in MAPPINGS.glob("*.toml")}
    assert set(names) == {"boston311", "la311", "open311", "hotline12345", "szcg"}
    assert names["open311"].only_when == {"closed_at": {"status": ("closed",)}}
    assert names["hotline12345"].columns["source"] == "hotline"
    # the caller's number and the reporter are personal whatever a layout calls them
    assert all(is_personal(h) for h in ("来电号码", "来电人姓名", "联系电话", "上报人"))
    assert not any(is_personal(h) for h in ("工单编号", "上报时间", "地址", "问题描述"))


@pytest.mark.parametrize(
    ("only_when", "message"),
    [
        ('[only_when.closed_at]\ndistrict = ["x"]\n', "does not map 'district'"),
        ('[only_when.resolved_at]\nstatus = ["closed"]\n', "for 'resolved_at', which it does"),
        ('[only_when.closed_at]\nstatus = "closed"\n', "no list of values"),
        ("only_when = 3\n", "only_when that is not a table"),
    ],
)
def test_only_when_is_validated(tmp_path, only_when, message):
    base = '[columns]\ncase_id = "id"\nreported_at = "t"\ncategory = "c"\nclosed_at = "u"\n'
    base += 'status = "s"\n'
    text = only_when + base if only_when.startswith("only_when") else base + only_when
    with pytest.raises(MappingError, match=message):
        load_mapping(write_toml(tmp_path / "m.toml", text))


def test_only_when_compares_after_the_value_map_ignoring_letter_case(duck_store, tmp_path):
    mapping = write_toml(
        tmp_path / "m.toml",
        '[columns]\ncase_id = "id"\nreported_at = "t"\ncategory = "c"\ndistrict = "d"\n'
        'status = "s"\nclosed_at = "u"\n[values.status]\nRESOL = "Closed"\n'
        '[only_when.closed_at]\nstatus = ["closed"]\n',
    )
    data = write_csv(
        tmp_path / "c.csv",
        ["id", "t", "c", "d", "s", "u"],
        [
            ["A", "2025-03-01 08:00", "c", "d", "RESOL", "2025-03-02 08:00"],
            ["B", "2025-03-01 08:00", "c", "d", "OPEN", "2025-03-02 08:00"],
            ["C", "2025-03-01 08:00", "c", "d", "closed", "2025-03-03 08:00"],
        ],
    )
    ingest(duck_store, [data], mapping=mapping)
    got = rows(duck_store, "cases", "case_id, status, closed_at")
    assert got == [
        {"case_id": "A", "status": "closed", "closed_at": datetime(2025, 3, 2, 8)},
        {"case_id": "B", "status": "open", "closed_at": None},
        {"case_id": "C", "status": "closed", "closed_at": datetime(2025, 3, 3, 8)},
    ]
