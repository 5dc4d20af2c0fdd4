"""CSV and Excel exports: columns, values, formats, rule-set records and errors."""

from __future__ import annotations

import csv
import re

import openpyxl
import pytest
from metrics_factory import insert
from test_metrics_golden import AS_OF, golden_grids, golden_ratings, golden_rows

from metrics import (
    ExportError,
    PeriodError,
    UnitError,
    default_rules,
    parse_rules,
    write_assessment,
)
from metrics.registry import ASSESSMENT_COLUMNS, DEPARTMENT_COLUMNS
from metrics.selection import Selection

SCHEME = """
name = "细则"
min_cases = 3
[request_types]
exclude = ["consultation"]
[[score]]
kpi = "closure_rate"
points = 60
target = 0.95
floor = 0.5
[[score]]
kpi = "median_handling_h"
points = 40
target = 24
floor = 72
[[deduct]]
kpi = "overdue_open"
per = 1
points = 2.5
cap = 10
[[bonus]]
kpi = "proactive_rate"
per = 0.01
points = 0.5
"""


@pytest.fixture
def golden(duck_store):
    insert(duck_store, golden_rows(), golden_ratings(), golden_grids())
    return duck_store


def _read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM so Excel opens Chinese correctly
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh)), raw.decode("utf-8-sig").splitlines()[0].split(",")


def test_csv_columns_values_and_rule_set(golden, tmp_path):
    out = tmp_path / "street.csv"
    write_assessment(golden, Selection.build("street", "2025-03", as_of=AS_OF), out)
    rows, header = _read_csv(out)
    assert header[:15] == ["district", "street", *ASSESSMENT_COLUMNS]
    assert header[-6:] == [
        "period",
        "as_of",
        "rule_set",
        "rule_set_hash",
        "data_loaded_at",
        "calendar_note",
    ]
    first, second = rows
    assert first["street"] == "景山街道" and first["rank"] == "1" and first["grade"] == "A"
    assert first["response_rate"] == "" and first["satisfaction_rate"] == "0.9"
    assert float(second["response_rate"]) == 0.5 and second["cases"] == "6"
    assert {r["rule_set"] for r in rows} == {"default"}
    assert {r["rule_set_hash"] for r in rows} == {default_rules().hash}
    assert {r["calendar_note"] for r in rows} == {""}  # natural calendar: no assumed year
    assert first["as_of"] == "2025-04-01 00:00:00" and first["period"] == "2025-03"


def test_csv_records_changed_rules(golden, tmp_path):
    toml = tmp_path / "alt.toml"
    toml.write_text(
        default_rules()
        .text.replace('name = "default"', 'name = "jungar"')
        .replace("response = 0.1", "response = 0.3")
        .replace("solved = 0.5", "solved = 0.35")
        .replace("satisfaction = 0.4", "satisfaction = 0.35"),
        encoding="utf-8",
    )
    out = tmp_path / "a.csv"
    write_assessment(
        golden, Selection.build("street", "2025-03", rules=str(toml), as_of=AS_OF), out
    )
    rows, _ = _read_csv(out)
    alt = parse_rules(toml.read_text(encoding="utf-8"))
    assert rows[0]["rule_set"] == "jungar" and rows[0]["rule_set_hash"] == alt.hash
    assert alt.hash != default_rules().hash
    # Same content again: same hash, same table.
    out2 = tmp_path / "b.csv"
    write_assessment(
        golden, Selection.build("street", "2025-03", rules=str(toml), as_of=AS_OF), out2
    )
    assert out.read_bytes() == out2.read_bytes()


def _csv_rows(path, key):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row[key]: row for row in csv.DictReader(fh)}


def _sheet_rows(ws, first=4):
    """The data rows of a sheet whose header is on row first - 1, up to the first empty row."""
    head = [c.value for c in ws[first - 1]]
    rows = []
    for row in ws.iter_rows(min_row=first):
        if all(c.value is None for c in row[1:]):
            break
        rows.append(dict(zip(head, row, strict=True)))
    return head, rows


def _same(cell, text):
    """An Excel cell equals a CSV field: empty ↔ empty, numbers to 15 digits, text as is."""
    if text == "":
        return cell is None
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return cell == pytest.approx(float(text), rel=1e-13, abs=1e-13)
    return str(cell) == text


# the CSV's column for each header of the street sheet, written out by hand
STREET_HEADERS = {
    "排名": "rank",
    "区": "district",
    "街道(乡镇)": "street",
    "等级": "grade",
    "综合得分": "composite_score",
    "排名变化": "rank_change",
    "受理量（件）": "cases",
    "响应率": "response_rate",
    "响应时长（分钟）": "median_response_min",
    "结案率": "closure_rate",
    "按期结案率": "on_time_rate",
    "超期未结（件）": "overdue_open",
    "解决率": "solved_rate",
    "满意率": "satisfaction_rate",
    "返工率": "rework_rate",
    "处置时长（小时）": "median_handling_h",
    "主动发现率": "proactive_rate",
    "就地解决率": "self_handled_rate",
    "应结案数（件）": "due_cases",
    "延期率": "extension_rate",
    "挂账数（件）": "suspended_open",
    "平均响应时长（分钟）": "mean_response_min",
    "平均处置时长（小时）": "mean_handling_h",
    "处置率": "handling_rate",
    "按期处置率": "on_time_handling_rate",
    "户数（户）": "households",
    "千户受理量（件）": "volume_per_1k_households",
}


def test_xlsx_is_fit_to_attach(golden, tmp_path):
    sel = Selection.build("street", "2025-03", as_of=AS_OF)
    write_assessment(golden, sel, tmp_path / "s.xlsx")
    write_assessment(golden, sel, tmp_path / "s.csv")
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["考核结果", "红黑榜", "得分明细", "规则集"]
    ws = book["考核结果"]
    assert ws["A1"].value == "全市 街道(乡镇)考核排名（2025年3月）"
    second = ws["A2"].value
    for part in (
        "考核周期：2025-03（2025-03-01 至 2025-03-31）",
        "数据截至：2025-04-01 00:00:00",
        f"规则集：default（哈希 {default_rules().hash[:8]}）",
    ):
        assert part in second
    assert {str(r) for r in ws.merged_cells.ranges} >= {"A1:AA1", "A2:AA2"}
    head, rows = _sheet_rows(ws)
    assert head == list(STREET_HEADERS)  # rank first; no small_sample (no unit is small here)
    assert ws.freeze_panes == "D4"  # rank and the street's two columns stay in view
    setup = ws.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9
    # one page wide, any number tall: fitToWidth is left out of the file when it is the
    # OOXML default of 1 (ECMA-376 §18.3.1.64), so openpyxl reads None for it
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$3"
    # every cell equals the CSV's, cell by cell
    want = _csv_rows(tmp_path / "s.csv", "street")
    assert [r["街道(乡镇)"].value for r in rows] == list(want)
    for row in rows:
        line = want[row["街道(乡镇)"].value]
        for name, column in STREET_HEADERS.items():
            assert _same(row[name].value, line[column]), (name, row[name].value, line[column])
    first = rows[0]
    assert first["排名"].value == 1 and first["街道(乡镇)"].value == "景山街道"
    formats = {name: cell.number_format for name, cell in rows[1].items()}
    assert formats["受理量（件）"] == "#,##0" and formats["响应率"] == "0.0%"
    assert formats["响应时长（分钟）"] == "#,##0.0" and formats["综合得分"] == "#,##0.0"
    assert formats["处置时长（小时）"] == "#,##0.0" and formats["户数（户）"] == "#,##0"
    assert rows[1]["响应率"].value == 0.5
    notes = [c.value for c in ws["A"][3 + len(rows) :] if c.value]
    assert notes == ["注：排名变化为上期排名减本期排名，正数表示名次上升。"]
    for name in ("红黑榜", "得分明细", "规则集"):
        assert book[name].sheet_properties.pageSetUpPr.fitToPage, name
        assert (book[name].page_setup.fitToWidth or 1, book[name].page_setup.fitToHeight) == (1, 0)
    detail = book["得分明细"]
    assert [c.value for c in detail[1]][:3] == ["排名", "区", "街道(乡镇)"]
    assert detail.freeze_panes == "D2" and detail.print_title_rows == "$1:$1"
    assert [c.value for c in detail[1]][3:6] == [
        "1. 响应率",
        "1. 响应率 加权得分（权重 0.1）",
        "2. 解决率",
    ]
    # a [weights] rule set's items are its three rates with their weights
    rules = [list(r) for r in book["规则集"].iter_rows(values_only=True)]
    start = rules.index(next(r for r in rules if r[0] == "考核项目"))
    assert rules[start + 1][2] == "权重"
    assert [r[1:5] for r in rules[start + 2 : start + 5]] == [
        ["响应率", 0.1, "100%", "0%"],
        ["解决率", 0.5, "100%", "0%"],
        ["满意率", 0.4, "100%", "0%"],
    ]


def _text_cells(ws, min_row=1):
    return [c.value for row in ws.iter_rows(min_row=min_row) for c in row if c.value is not None]


def test_the_rule_set_sheet_is_chinese_tables(golden, tmp_path):
    rules = parse_rules(SCHEME)
    out = tmp_path / "r.xlsx"
    write_assessment(golden, Selection.build("street", "2025-03", rules=rules, as_of=AS_OF), out)
    ws = openpyxl.load_workbook(out)["规则集"]
    info = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert info["规则集"] == "细则" and info["规则集哈希"] == rules.hash
    assert info["考核周期"] == "2025-03" and info["数据截至"] == "2025-04-01 00:00:00"
    assert info["考核层级"] == "街道(乡镇)" and info["生成时间"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "考核项目")
    assert rows[start + 1][:6] == [
        "序号",
        "指标",
        "满分",
        "达标线（满分）",
        "零分线（0 分）",
        "计分方法",
    ]
    assert rows[start + 2][:5] == [1, "结案率", 60, "95%", "50%"]
    assert rows[start + 3][:5] == [2, "处置时长", 40, "24 小时", "72 小时"]
    assert "越低越好" in rows[start + 3][5] and "越高越好" in rows[start + 2][5]
    deduct = next(i for i, r in enumerate(rows) if r[0] == "扣分项")
    assert rows[deduct + 2][1:6] == ["超期未结", "1 件", 2.5, 10, "每 1 件 扣 2.5 分"]
    bonus = next(i for i, r in enumerate(rows) if r[0] == "加分项")
    assert rows[bonus + 2][1:5] == ["主动发现率", "1%", 0.5, "不封顶"]
    grades = next(i for i, r in enumerate(rows) if r[0] == "等级划分")
    assert rows[grades + 2][:2] == ["A", "≥ 90 分"] and rows[grades + 6][:2] == ["E", "< 40 分"]
    other = {r[0]: r[1] for r in rows[next(i for i, r in enumerate(rows) if r[0] == "其他规则") :]}
    assert other["最少案件数（不足者不评等级、不排名）"] == "3 件"
    assert other["响应时限"] == "一般案件 120 分钟；吹哨报到 30 分钟"
    assert other["只计入受理量的诉求类型"] == "咨询"
    # no TOML, no English comment: below the particulars, no Latin word at all
    body = " ".join(str(v) for v in _text_cells(ws, min_row=start + 1))
    assert not re.search(r"[A-Za-z]{2,}", body), body
    assert "[weights]" not in body and "#" not in body


def test_xlsx_english_headers(golden, tmp_path):
    out = tmp_path / "street.xlsx"
    write_assessment(golden, Selection.build("street", "2025-03", as_of=AS_OF), out, lang="en")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Assessment", "Red and black lists", "Score detail", "Rule set"]
    ws = book["Assessment"]
    assert ws["A1"].value == "Street (town) assessment ranking, whole city, March 2025"
    assert "Data as of: 2025-04-01 00:00:00" in ws["A2"].value
    assert [c.value for c in ws[3]][:9] == [
        "Rank",
        "District",
        "Street (town)",
        "Grade",
        "Composite score",
        "Rank change",
        "Cases received",
        "Response rate",
        "Response time (min)",
    ]
    assert ws.freeze_panes == "D4"
    empty = next(r for r in ws.iter_rows(min_row=4) if r[2].value == "景山街道")
    assert empty[7].value is None  # empty rate → empty cell, not 0
    rules = _text_cells(book["Rule set"])
    assert "Scored items" in rules and "Solved rate" in rules
    assert not any(re.search(r"[\u4e00-\u9fff]", str(v)) for v in rules if v != "东城区")


def test_department_xlsx_and_small_samples(golden, tmp_path):
    rules = parse_rules(
        default_rules().text.replace('name = "default"', 'name = "min4"\nmin_cases = 4')
    )
    sel = Selection.build("department", "2025-03", rules=rules, as_of=AS_OF)
    write_assessment(golden, sel, tmp_path / "d.xlsx")
    write_assessment(golden, sel, tmp_path / "d.csv")
    ws = openpyxl.load_workbook(tmp_path / "d.xlsx")["考核结果"]
    assert ws["A1"].value == "全市 部门考核排名（2025年3月）"
    head, rows = _sheet_rows(ws)
    assert head[:3] == ["排名", "部门", "等级"] and head[-1] == "备注"
    assert {"评价均分", "退单率", "部门协同指数", "评价数（条）"} <= set(head)
    assert ws.freeze_panes == "C4"
    want = _csv_rows(tmp_path / "d.csv", "department")
    for row in rows:
        line = want[row["部门"].value]
        small = line["small_sample"] == "True"
        assert row["备注"].value == ("样本不足，不评等级、不排名" if small else None)
        assert _same(row["排名"].value, line["rank"]) and _same(row["等级"].value, line["grade"])
        assert _same(row["评价均分"].value, line["rating_mean"])
    assert [line["small_sample"] for line in want.values()].count("True") >= 1
    notes = [c.value for c in ws["A"][3 + len(rows) :] if c.value]
    assert notes[0] == "注：受理量少于 4 件的单位样本不足，列出但不评等级、不排名。"


def test_department_columns_in_order(golden, tmp_path):
    out = tmp_path / "d.csv"
    write_assessment(golden, Selection.build("department", "2025-03", as_of=AS_OF), out)
    _, header = _read_csv(out)
    assert header[: 1 + len(ASSESSMENT_COLUMNS) + 3] == [
        "department",
        *ASSESSMENT_COLUMNS,
        *DEPARTMENT_COLUMNS,
    ]


@pytest.mark.parametrize(
    ("by", "period", "name", "error"),
    [
        ("town", "2025-03", "x.csv", UnitError),
        ("street", "2025-3x", "x.csv", PeriodError),
        ("street", "2025-03", "missing/x.csv", ExportError),
        ("street", "2025-03", "x.pdf", ExportError),
    ],
)
def test_errors_are_one_sentence(golden, tmp_path, by, period, name, error):
    with pytest.raises(error) as err:
        write_assessment(golden, Selection.build(by, period), tmp_path / name)
    assert isinstance(err.value, ValueError)
    assert "\n" not in str(err.value) and str(err.value).endswith(".")


def test_unwritable_path(golden, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ExportError):
        write_assessment(
            golden, Selection.build("street", "2025-03"), afile / "x.csv"
        )  # parent is a file
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(ExportError):
        write_assessment(golden, Selection.build("street", "2025-03"), folder)  # target is a folder
    with pytest.raises(ExportError) as err:  # the OS refuses the write itself
        write_assessment(golden, Selection.build("street", "2025-03"), "/proc/gridpulse.csv")
    assert "\n" not in str(err.value)
