"""Pages name and format every figure from the metrics label table: the same header in the
assessment table as in its Excel download, no second copy of a KPI name or value in i18n."""

from __future__ import annotations

import io

import openpyxl
import pytest

import metrics
from dashboard import i18n
from metrics import workbook
from metrics.labels import COLUMNS, VALUES
from metrics.selection import Selection
from tests.dashboard.conftest import PERIOD, open_page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_assessment_headers_equal_the_excel_download(city, monkeypatch, engine, lang):
    from dashboard import data

    at = open_page(city, monkeypatch, "assessment", lang=lang, period=PERIOD, level="street")
    assert not at.exception and not at.error
    page = list(at.dataframe[0].value.columns)
    payload = data.export.__wrapped__(city, Selection.build("street", PERIOD), ".xlsx", lang)
    sheet = openpyxl.load_workbook(io.BytesIO(payload)).worksheets[0]
    excel = [c.value for c in sheet[3]]  # under the title and the period/as-of rows
    ids = workbook.columns(metrics.assess(engine, Selection.build("street", PERIOD)))
    assert len(excel) == len(ids)
    by_id = dict(zip(ids, excel, strict=True))
    # names are unique (tests/metrics/test_labels.py), so an equal string is the same figure;
    # the workbook's header adds the unit its cells are counted in
    named = {metrics.label(c, lang): c for c in ids}
    # the page's 样本不足 flag is said in words in the workbook's 备注 column
    page = [name for name in page if name != metrics.label("small_sample", lang)]
    assert len(page) > 10 and set(page) <= set(named)
    for name in page:
        assert by_id[named[name]] == workbook.header(named[name], lang)
    for column in ("street", "rank_change", "cases", "overdue_open", "median_handling_h"):
        assert metrics.label(column, lang) in page, column
    want = {
        "zh": ("受理量（件）", "超期未结（件）"),
        "en": ("Cases received", "Overdue open cases"),
    }[lang]
    assert (by_id["cases"], by_id["overdue_open"]) == want


def test_i18n_holds_no_copy_of_a_figure_name():
    ids = (*[k.id for k in metrics.KPIS], *COLUMNS)
    figures = {metrics.label(c, lang) for lang in ("zh", "en") for c in ids}
    copies = {key for key, pair in i18n.LABELS.items() if set(pair) & figures}
    # the sidebar's rule-set picker names the same thing as the rule_set column, no figure
    assert copies == {"rules"}
    assert not set(VALUES) & set(i18n.VALUE_LABELS)  # coded values live in metrics only


def test_page_words_come_from_metrics(monkeypatch):
    monkeypatch.setattr(i18n, "lang", lambda: "zh")
    assert i18n.t("cases") == "受理量"  # a KPI id gives the registry's name
    assert i18n.t("period") == "考核周期"
    assert i18n.value_label("urgency", "complex") == "复杂"
    assert i18n.value_label("source", "") == "未知"
    assert i18n.level_label("street") == "街道(乡镇)"
    with pytest.raises(KeyError):
        i18n.t("no_such_label")
    monkeypatch.setattr(i18n, "lang", lambda: "en")
    assert i18n.t("cases") == "Cases received"
    assert i18n.value_label("signal", "better") == "Significantly better"
    assert i18n.flag_label("reported_at_before_dispatched_at") == (
        "reported at before dispatched at"
    )
    assert i18n.flag_label("resumed_at_without_suspended_at") == "resumed at without suspended at"


def test_overview_and_supervision_name_two_overdue_figures_apart(city, monkeypatch, engine):
    at = open_page(city, monkeypatch, "overview", period=PERIOD)
    assert not at.exception
    row = metrics.assess(engine, Selection.build("city", PERIOD), rank_change=False).iloc[0]
    shown = {m.label: m.value for m in at.metric}
    assert shown["超期未结"] == f"{int(row['overdue_open']):,}"
    assert shown["解决率"] == f"{row['solved_rate'] * 100:.1f}%"
    assert "当前超期未结（全部在办）" not in shown
    at = open_page(city, monkeypatch, "supervision", lang="en", period=PERIOD)
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert (
        shown["Overdue now (all open cases)"]
        == f"{metrics.ageing(engine, Selection.build('city', None))['overdue'].sum():,}"
    )
    assert "Overdue open cases" not in shown


def test_every_audit_action_has_words_in_both_languages():
    from accounts.audit import ACTIONS
    from dashboard.i18n import VALUE_LABELS

    words = VALUE_LABELS["action"]
    assert set(ACTIONS) <= set(words)
    assert all(zh != code and en for code, (zh, en) in words.items())
