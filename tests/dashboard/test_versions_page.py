"""The sidebar's data version and the case history on 考核排名, on a store with two loads."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import metrics
from caselog import open_store
from tests.dashboard.conftest import open_page
from tests.metrics.test_as_known_at import _two_loads

STATE = {
    "period": "2025-03",
    "level": "street",
    "explain_unit": "东城区/东华门街道",
    "explain_kpi": "cases",
    "explain_part": "numerator",
    "history_case": "c05",
}


@pytest.fixture(scope="module")
def two_loads(tmp_path_factory):
    url, _ = _two_loads(tmp_path_factory.mktemp("versions"))
    engine = open_store(url, read_only=True)
    runs = metrics.loads(engine)
    engine.dispose()
    return url, runs


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_computes_from_the_chosen_data_version(two_loads, monkeypatch, lang):
    url, runs = two_loads
    first = runs["loaded_at"].iloc[-1]  # newest first: the last row is the first load
    chosen = f"{first:%Y-%m-%d %H:%M:%S.%f}"
    at = open_page(url, monkeypatch, "assessment", lang, known_at=chosen, **STATE)
    assert not at.exception and not at.error
    box = at.selectbox(key=f"_known_at_{lang}")
    assert box.value == chosen and len(box.options) == 3  # 最新 and the two loads
    engine = open_store(url, read_only=True)
    sel = metrics.Selection.build("street", "2025-03", as_known_at=first)
    then = metrics.assess(engine, sel)
    engine.dispose()
    shown = at.dataframe[0].value
    assert shown[metrics.label("cases", lang)].tolist() == then["cases"].tolist()
    history = at.dataframe[-1].value
    assert len(history) == 2  # c05: the first load's version, then the second's
    changed = history[{"zh": "变更的字段", "en": "Changed columns"}[lang]].tolist()
    closed = metrics.label("closed_at", lang)
    assert closed not in changed[0] and closed in changed[1], changed
    if lang == "zh":  # no English on a Chinese page (file names aside)
        texts = [*changed, *box.options, *(i.value for i in at.info), box.label]
        assert not any(
            re.search(r"[A-Za-z]{4,}", re.sub(r"\w+\.csv|local-admin", "", x)) for x in texts
        ), texts


def test_latest_is_the_default_and_equals_the_live_table(two_loads, monkeypatch):
    url, _ = two_loads
    at = open_page(url, monkeypatch, "assessment", "zh", **STATE)
    assert not at.exception and not at.error
    assert at.selectbox(key="_known_at_zh").value == ""
    engine = open_store(url, read_only=True)
    live = metrics.assess(engine, metrics.Selection.build("street", "2025-03"))
    engine.dispose()
    shown = at.dataframe[0].value
    pd.testing.assert_series_equal(
        shown[metrics.label("cases", "zh")].reset_index(drop=True),
        live["cases"].reset_index(drop=True),
        check_names=False,
        check_dtype=False,
    )
