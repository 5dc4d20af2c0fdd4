"""Tables and choosers on every Chinese page carry no English words beyond names.

The browser test reads the page's text, but a table is drawn on a canvas: its headers and
text cells, and every chooser's options, are read here from the app's own elements."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import PERIOD, open_page
from tests.e2e.visible_text import english_words
from tests.hostile.test_dashboard_inputs import PAGES as AREA_PAGES

# every page a city account opens: those of the hostile-input test and the city-only two
PAGES = (*AREA_PAGES, "data_overview", "rule_sets")
# the rule editor's tables are edited through labelled columns over the rule set's own keys
EDITORS = {"rule_sets"}


def _texts(at, page: str) -> list[str]:
    texts: list[str] = []
    if page not in EDITORS:
        for element in at.dataframe:
            frame = element.value
            frame = getattr(frame, "data", frame)  # a styled table
            texts += [str(c) for c in frame.columns]
            for column in frame.columns:
                if frame[column].dtype == object:
                    texts += [str(v) for v in frame[column].dropna().unique()]
    for widget in (*at.selectbox, *at.radio, *at.multiselect):
        options = widget.options
        texts += [str(widget.label), *[str(o) for o in options]]
    return texts


@pytest.mark.parametrize("page", PAGES)
def test_tables_and_choosers_are_in_chinese(forecast_city, monkeypatch, page):
    at = open_page(forecast_city, monkeypatch, page, period=PERIOD)
    assert not at.exception
    texts = _texts(at, page)
    assert texts  # the page has tables or choosers to read
    english = english_words(texts)
    assert not english, (sorted(english), [x for x in texts if english_words([x])][:10])
