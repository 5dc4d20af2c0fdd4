"""Supervision's tables and cards count open cases of any report date: one result per period."""

from __future__ import annotations

import pytest

from caselog import open_store
from dashboard import data
from metrics.selection import Selection
from tests.metrics.metrics_factory import insert
from tests.metrics.test_supervision_pandas import AS_OF, _cases, _expected


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    rows = _cases()
    writer = open_store(url)
    insert(writer, rows)
    writer.dispose()
    data.forget_cached_data()
    calls = []
    for name, func in list(data.TABLES.items()):
        monkeypatch.setitem(
            data.TABLES, name, lambda *a, f=func, n=name, **k: calls.append(n) or f(*a, **k)
        )
    yield url, _expected(rows), calls
    data.forget_cached_data()


def test_a_period_change_reads_the_open_cases_once(url):
    url, c, calls = url
    for period in ("2025-06", "2025Q2", "2024"):
        sel = Selection.build("department", period, as_of=AS_OF.isoformat(sep=" "))
        age = data.table(url, "ageing", sel).groupby("bucket", observed=False)["open_cases"].sum()
        assert age.to_dict() == c.groupby("bucket", observed=False).size().to_dict()
        red = data.cards(url, "red", sel)
        assert sorted(red["case_id"]) == sorted(c.loc[c["late"], "case_id"])
        counts = data.table(url, "overdue", sel.by("street")).set_index(["district", "street"])
        assert counts["open_cases"].to_dict() == c.groupby(["district", "street"]).size().to_dict()
    assert calls == ["ageing", "overdue"]  # the later periods were answered from the cache
    data.table(url, "cooperation", Selection.build("department", "2025-06"))
    data.table(url, "cooperation", Selection.build("department", "2025-05"))
    assert calls[2:] == ["cooperation", "cooperation"]  # a period's own table is not shared
