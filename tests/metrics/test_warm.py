"""The warm-up after a load: the pages' default tables answered from the result cache."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from metrics_factory import insert, make_case, make_grid

from caselog import open_store
from metrics import assess
from metrics.cube import cache
from metrics.cube.warm import WARMED_LEVELS, warm_pages
from metrics.period import latest_full_month
from metrics.selection import Selection


@pytest.mark.parametrize(
    ("last", "month"),
    [
        (date(2025, 12, 31), "2025-12"),
        (date(2025, 12, 30), "2025-11"),
        (date(2024, 2, 29), "2024-02"),
        (date(2025, 3, 1), "2025-02"),
    ],
)
def test_the_default_month_is_the_latest_full_one(last, month):
    assert latest_full_month(last).label == month


def test_warm_up_fills_the_cache_for_the_pages_default_tables(tmp_path, monkeypatch, cache_hits):
    monkeypatch.setattr(cache, "SLOW", 0.0)  # keep every result, however fast
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    writer = open_store(url)
    rows = [
        make_case(grid_id=f"G{i % 3}", reported_at=datetime(2025, 1 + i % 12, 1 + i % 28, 9))
        for i in range(60)
    ]
    rows.append(make_case(reported_at=datetime(2025, 12, 31, 18)))
    insert(writer, rows, [], [make_grid(f"G{i}", 100) for i in range(3)])
    writer.dispose()

    assert warm_pages(url) == ["2025-12", "2025"]
    hits = cache_hits
    reader = open_store(url, read_only=True)
    tables = {}
    for period in ("2025-12", "2025"):
        for by in WARMED_LEVELS:
            hits.clear()
            tables[by, period] = assess(reader, Selection.build(by, period))
            assert hits and all(hits), (by, period)
    reader.dispose()
    fresh = open_store(url)  # a read-write engine computes without the cache
    for (by, period), table in tables.items():
        pd.testing.assert_frame_equal(
            table, assess(fresh, Selection.build(by, period)), check_exact=True
        )
    fresh.dispose()


def test_no_warm_up_for_postgresql_or_an_empty_store(tmp_path):
    assert warm_pages("postgresql+psycopg://nobody@localhost:1/none") == []
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    open_store(url).dispose()
    assert warm_pages(url) == []
