"""The app builds the KPI cube (metrics.cube) for the rule set in use when the data has none."""

from __future__ import annotations

import pytest
from conftest import _build, open_page

import metrics
import metrics.cube.build
import metrics.cube.store
from caselog import open_store
from dashboard import data
from metrics.selection import Selection

QUICK = 'name = "quick"\n[response_sla_minutes]\ndefault = 30\nwhistle = 10\n'


@pytest.fixture
def unwarmed(tmp_path):
    """A city loaded through the library (no warm-up, so no cube yet) and a reader on it."""
    url = _build(tmp_path)
    reader = open_store(url, read_only=True)
    yield url, reader
    reader.dispose()


def _cube(reader, rules):
    return metrics.cube.store.find(reader, rules, metrics.resolve_as_of(reader, None, None))


def test_the_first_page_view_builds_the_cube_then_pages_read_it(unwarmed, monkeypatch):
    url, reader = unwarmed
    assert _cube(reader, metrics.default_rules()) is None
    at = open_page(url, monkeypatch, "assessment", period="2025")
    assert not at.exception
    assert _cube(reader, metrics.default_rules()) is not None
    shown = at.dataframe[0].value
    with metrics.cube.store.bypassed():
        table = metrics.assess(reader, Selection.build("street", "2025"))
    assert len(shown) == len(table) and shown.iloc[:, 0].notna().all()
    assert int(table["cases"].sum()) > 0


def test_a_rule_set_with_other_time_limits_gets_its_own_cube(unwarmed):
    url, reader = unwarmed
    quick = data.rules(QUICK)
    assert data.cube_missing(url, QUICK) and _cube(reader, quick) is None
    data.build_cube(url, QUICK)
    assert not data.cube_missing(url, QUICK) and _cube(reader, quick) is not None
    fast = metrics.kpi_table(reader, Selection.build("street", "2025", rules=quick))
    with metrics.cube.store.bypassed():
        slow = metrics.kpi_table(reader, Selection.build("street", "2025", rules=quick))
    assert fast["response_rate"].tolist() == pytest.approx(slow["response_rate"].tolist())


@pytest.mark.postgres
def test_a_postgresql_stores_cube_is_built_once_for_every_server(pg_store, tmp_path):
    """In a PostgreSQL store the cube lives in the database: one app server's build (here
    for a rule set with other time limits) is found by another server's engine."""
    from caselog.ingest import ingest_files
    from sample_data import generate_city

    generate_city(tmp_path, grids=20, years=1, cases_per_year=1500, seed=5)
    ingest_files(pg_store, [tmp_path / "cases.csv"], ratings=[tmp_path / "ratings.csv"])
    url = pg_store.url.render_as_string(hide_password=False)
    assert data.cube_missing(url, QUICK)
    data.build_cube(url, QUICK)
    assert not data.cube_missing(url, QUICK)
    other = open_store(url, read_only=True)  # another server's engine
    try:
        quick = data.rules(QUICK)
        assert _cube(other, quick) is not None and _cube(other, metrics.default_rules()) is None
        sel = Selection.build("street", "2025", rules=quick)
        fast = metrics.kpi_table(other, sel)
        with metrics.cube.store.bypassed():
            slow = metrics.kpi_table(other, sel)
        assert fast.equals(slow) and int(fast["cases"].sum()) > 0
    finally:
        other.dispose()


def test_a_build_that_keeps_nothing_is_not_retried_on_every_click(unwarmed, monkeypatch):
    url, _ = unwarmed
    calls = []
    monkeypatch.setattr(metrics.cube.build, "build", lambda *a, **k: calls.append(a) or None)
    monkeypatch.setattr(data, "_failed", {})
    assert data.cube_missing(url, QUICK)
    data.build_cube(url, QUICK)
    data.build_cube(url, QUICK)
    assert len(calls) == 1
    assert not data.cube_missing(url, QUICK)  # no spinner on every rerun
    monkeypatch.setattr(data.time, "monotonic", lambda: 1e12)  # ten minutes later: again
    assert data.cube_missing(url, QUICK)
