"""The one label table: every KPI named, unit, decimals and direction; one name per figure;
values formatted the same way in text, tables, hovers and Excel."""

from __future__ import annotations

from collections import Counter

import numpy as np
import openpyxl
import pytest
from metrics_factory import insert
from test_metrics_golden import AS_OF, golden_grids, golden_ratings, golden_rows

import metrics.registry as registry
from metrics import format_delta, format_value, label, level_label, value_label, write_assessment
from metrics.formats import (
    UNITS,
    excel_format,
    excel_scale,
    hover_format,
    hover_texts,
    table_format,
)
from metrics.labels import COLUMNS, VALUES, label_issues, unit_of
from metrics.registry import KPIS, Kpi, validate_registry
from metrics.selection import Selection
from metrics.workbook import columns, header


@pytest.fixture
def golden(duck_store):
    insert(duck_store, golden_rows(), golden_ratings(), golden_grids())
    return duck_store


def test_every_kpi_has_names_unit_decimals_and_direction():
    for k in KPIS:
        assert k.label_zh and k.label_en, k.id
        assert k.label_zh != k.id and k.label_en != k.id, k.id
        assert k.unit in UNITS, k.id
        assert isinstance(k.decimals, int) and 0 <= k.decimals <= 3, k.id
        assert k.direction in ("higher", "lower", None), k.id
    for name, column in COLUMNS.items():
        assert column.unit is None or column.unit in UNITS, name
    # a few by hand, from the contract (§4) and the glossary
    assert (registry.kpi("cases").label_zh, registry.kpi("cases").label_en) == (
        "受理量",
        "Cases received",
    )
    assert registry.kpi("overdue_open").label_zh == "超期未结"
    assert registry.kpi("overdue_open").direction == "lower"
    assert registry.kpi("cases").direction is None
    assert registry.kpi("response_rate").direction == "higher"


def test_a_kpi_without_decimals_or_name_is_refused(monkeypatch):
    bare = Kpi("bare", "", "Bare", "count", "cases", None, "A KPI missing things.", "cases")
    monkeypatch.setattr(registry, "KPIS", (*KPIS, bare))
    issues = validate_registry()
    assert "KPI bare lacks its number of decimals (0–3)." in issues
    assert "KPI bare lacks a label or description." in issues
    twin = Kpi("twin", "受理量", "Twin", "count", "cases", None, "x", "cases", decimals=0)
    monkeypatch.setattr(registry, "KPIS", (*KPIS, twin))
    assert "Two KPIs are named '受理量'." in validate_registry()


def test_no_two_figures_share_a_name():
    for lang in ("zh", "en"):
        names = Counter(label(c, lang) for c in (*[k.id for k in KPIS], *COLUMNS))
        assert [n for n, count in names.items() if count > 1] == [], lang
    assert label_issues() == []
    # the supervision page's figure (all open cases, any report date) is not the overview's
    assert label("overdue") == "当前超期未结（全部在办）" != label("overdue_open") == "超期未结"
    assert label("overdue", "en") == "Overdue now (all open cases)"


def test_vocabularies_and_levels_have_both_languages():
    for column, values in VALUES.items():
        for code, (zh, en) in values.items():
            assert zh and en, (column, code)
    assert value_label("urgency", "complex") == "复杂"
    assert value_label("source", "patrol", "en") == "Grid-worker patrol"
    assert value_label("request_type", "consultation") == "咨询"
    assert value_label("status", "no-such-status") == "no-such-status"
    assert level_label("city") == "全市" and level_label("street", "en") == "Street (town)"
    assert level_label("grid") == label("grid_id")


@pytest.mark.parametrize(
    ("column", "value", "lang", "text"),
    [
        ("response_rate", 0.8534, "zh", "85.3%"),
        ("response_rate", 1.0, "en", "100.0%"),
        ("cases", 1234, "zh", "1,234"),
        ("cases", np.int64(1234567), "en", "1,234,567"),
        ("overdue_open", 171.0, "zh", "171"),
        ("median_handling_h", 2.5, "zh", "2.5 小时"),
        ("median_handling_h", 2.5, "en", "2.5 h"),
        ("median_response_min", 35, "zh", "35.0 分钟"),
        ("composite_score", 85.349, "zh", "85.3"),
        ("volume_per_1k_households", 12.345, "zh", "12.3"),
        ("grade", "B", "zh", "B"),
        ("rank", 3.0, "zh", "3"),
        ("rank_change", 2, "zh", "+2"),
        ("rank_change", -1, "zh", "-1"),
        ("rank_change", 0, "zh", "0"),
        ("hours_overdue", 1440.26, "zh", "60.0 天"),
        ("hours_overdue", 26246.199, "zh", "1,093.6 天"),
        ("hours_overdue", 26246.199, "en", "1,093.6 d"),
        ("hours_overdue", 47.94, "zh", "47.9 小时"),
        ("median_handling_h", 48.0, "zh", "2.0 天"),
        ("median_handling_h", 60.0, "zh", "2.5 天"),
        ("median_response_min", 119.0, "zh", "119.0 分钟"),
        ("median_response_min", 150.0, "zh", "2.5 小时"),
        ("median_response_min", 4320.0, "en", "3.0 d"),
        ("households", 12000, "zh", "12,000"),
        ("whistle_response_rate", 0.5, "zh", "50.0%"),
        ("response_rate_lo", 0.12345, "zh", "12.3%"),
        ("satisfaction_rate_num", 12.5, "zh", "12.5"),
        ("response_rate_den", 40, "zh", "40"),
        ("cases", float("nan"), "zh", "—"),
        ("response_rate", None, "zh", "—"),
        ("district", "东城区", "zh", "东城区"),
    ],
)
def test_format_value_by_hand(column, value, lang, text):
    assert format_value(column, value, lang) == text


def test_format_delta_by_hand():
    assert format_delta("response_rate", 0.853, 0.841) == "+1.2 个百分点"
    assert format_delta("response_rate", 0.853, 0.841, "en") == "+1.2 pp"
    assert format_delta("median_handling_h", 130.0, 10.0) == "+5.0 天"  # the change's size
    assert format_delta("cases", 1000, 1234) == "-234"
    assert format_delta("median_handling_h", 2.5, 3.0, "en") == "-0.5 h"
    assert format_delta("cases", 5, None) is None
    assert format_delta("grade", "A", "B") is None


def test_table_hover_and_excel_formats_by_hand():
    assert table_format("response_rate") == (100.0, "%,.1f%%")
    assert table_format("cases") == (1.0, "%,.0f")
    assert table_format("median_handling_h", "en") == (1.0, "%,.1f h")
    assert table_format("rank_change") == (1.0, "%+,.0f")
    assert table_format("grade") is None and table_format("district") is None
    assert hover_format("satisfaction_rate") == (".1%", "")
    assert hover_format("median_handling_h") == (",.1f", " 小时")
    assert excel_format("response_rate") == "0.0%"
    assert excel_format("cases") == "#,##0"
    assert excel_format("composite_score") == "#,##0.0"
    assert excel_format("median_response_min", "en") == '#,##0.0" min"'
    assert excel_format("rank_change") == "+0;-0;0"
    assert excel_format("district") is None
    assert unit_of("rank@0.1/0.5/0.4") == ("rank", 0)


def test_a_duration_column_reads_in_the_unit_of_its_typical_value():
    # median 100 h: days for the whole column, so it sorts and reads in one unit
    assert table_format("hours_overdue", "zh", [1.0, 100.0, 300.0]) == (1 / 24, "%,.1f 天")
    assert table_format("hours_overdue", "zh", [1.0, 2.0, 300.0]) == (1.0, "%,.1f 小时")
    assert table_format("hours_overdue", "zh", [None, float("nan")]) == (1.0, "%,.1f 小时")
    assert table_format("median_response_min", "en", [30, 45, 500]) == (1.0, "%,.1f min")
    assert excel_format("hours_overdue", "zh", [100.0, 200.0]) == '#,##0.0" 天"'
    assert excel_scale("hours_overdue", [100.0, 200.0]) == 1 / 24
    assert excel_scale("response_rate", [0.5]) == 1.0
    assert hover_texts("hours_overdue", [30.0, 72.0, None]) == ["30.0 小时", "3.0 天", "—"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_excel_read_back_matches_the_label_table(golden, tmp_path, lang):
    out = tmp_path / f"street_{lang}.xlsx"
    table = write_assessment(
        golden, Selection.build("street", "2025-03", as_of=AS_OF), out, lang=lang
    )
    ws = openpyxl.load_workbook(out).worksheets[0]
    headers = [c.value for c in ws[3]]
    assert headers == [header(c, lang) for c in columns(table)]
    for h, c in zip(headers, columns(table), strict=True):  # the label, then at most a unit
        assert h == label(c, lang) or h.startswith(
            label(c, lang) + ("（" if lang == "zh" else " (")
        ), h
    expected = {
        "zh": {
            "cases": "受理量（件）",
            "overdue_open": "超期未结（件）",
            "rank_change": "排名变化",
        },
        "en": {"cases": "Cases received", "overdue_open": "Overdue open cases"},
    }[lang]
    for column, name in expected.items():
        assert headers[columns(table).index(column)] == name
    first = next(ws.iter_rows(min_row=4))
    for j, column in enumerate(columns(table)):
        if first[j].value is not None and isinstance(first[j].value, int | float):
            # the unit is in the header, so the cell's format is the label table's without it
            want = (excel_format(column, lang) or "General").split('"')[0]
            assert first[j].number_format == want, column
