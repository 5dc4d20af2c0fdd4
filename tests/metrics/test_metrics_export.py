"""CSV and Excel exports: columns, values, formats, rule-set records and errors."""

from __future__ import annotations

import csv

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


def test_xlsx_read_back(golden, tmp_path):
    out = tmp_path / "dept.xlsx"
    write_assessment(golden, Selection.build("department", "2025-03", as_of=AS_OF), out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["考核结果", "红黑榜", "得分明细", "规则集"]
    ws = book["考核结果"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["部门", "受理量", "响应率", "响应时长"]
    assert header[13:17] == ["排名", "评价均分", "退单率", "部门协同指数"]
    assert ws.freeze_panes == "B2"
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    cg = rows["城管"]
    assert cg[1].value == 4 and cg[1].number_format == "#,##0"
    assert cg[2].value == pytest.approx(2 / 3) and cg[2].number_format == "0.0%"
    assert cg[14].value == 95 and cg[11].number_format == "#,##0.0"  # composite score
    assert cg[3].number_format == '#,##0.0" 分钟"'  # median response minutes
    assert rows["住建"][3].value == 31  # median response minutes (c3 only: c7 is negative)
    info = {r[0].value: r[1].value for r in book["规则集"].iter_rows()}
    assert info["规则集"] == "default" and info["规则集哈希"] == default_rules().hash
    assert info["考核周期"] == "2025-03" and info["数据截至"] == "2025-04-01 00:00:00"
    assert "[weights]" in info["规则集内容 (TOML)"] and info["生成时间"]


def test_xlsx_english_headers(golden, tmp_path):
    out = tmp_path / "street.xlsx"
    write_assessment(golden, Selection.build("street", "2025-03", as_of=AS_OF), out, lang="en")
    book = openpyxl.load_workbook(out)
    ws = book["Assessment"]
    assert [c.value for c in ws[1]][:4] == [
        "District",
        "Street (town)",
        "Cases received",
        "Response rate",
    ]
    assert ws.freeze_panes == "C2"
    empty = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "景山街道")
    assert empty[3].value is None  # empty rate → empty cell, not 0


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
