"""The dashboard's free-text sidebar values (period text input, scope) set to injection strings:
no exception reaches the user, and every table keeps its rows. The pages' own selectboxes
(explain_unit, fc_unit, drill_unit, map_district) only offer values read from the store."""

from __future__ import annotations

import pytest

from caselog import open_store
from tests.dashboard.conftest import _build, open_page
from tests.hostile.hostile_helpers import INJECTIONS, assert_tables_intact, table_counts

PAGES = (
    "overview",
    "assessment",
    "publications",
    "supervision",
    "appeals",
    "departments",
    "trends",
    "grid_map",
    "forecasts",
)
VALUES = [v for v in INJECTIONS if "\x00" not in v][:6]


@pytest.fixture(scope="module")
def small_city(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("hostile_city"))


@pytest.mark.parametrize("page", PAGES)
def test_pages_take_hostile_sidebar_values(small_city, monkeypatch, page):
    engine = open_store(small_city)
    before = table_counts(engine)
    engine.dispose()
    for value in VALUES:
        at = open_page(small_city, monkeypatch, page, period=value, scope=value)
        assert not at.exception, (value, [e.value for e in at.exception])
    engine = open_store(small_city)
    assert_tables_intact(engine, before)
    engine.dispose()
