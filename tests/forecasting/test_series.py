"""Series extraction: the database's counts equal a naive count of the rows inserted."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from forecast_factories import GRIDS, case_rows, insert_rows

from forecasting import ForecastError, extract_panel, extract_series, hierarchy

START = date(2025, 1, 6)


def _naive(rows: list[dict], key) -> pd.DataFrame:
    """Count rows per (unit, day) in Python, zero-filled over the whole date range."""
    kept = [r for r in rows if r["status"] != "cancelled"]
    days = pd.date_range(
        min(r["reported_at"] for r in rows).date(), max(r["reported_at"] for r in rows).date()
    )
    units = sorted({key(r) for r in kept})
    counts = {(u, d): 0 for u in units for d in days}
    for r in kept:
        counts[(key(r), pd.Timestamp(r["reported_at"].date()))] += 1
    frame = pd.DataFrame(
        [(u, d, float(n)) for (u, d), n in counts.items()], columns=["unique_id", "ds", "y"]
    )
    return frame.sort_values(["unique_id", "ds"]).reset_index(drop=True)


@pytest.fixture
def rows():
    rng = np.random.default_rng(3)
    counts = {g: rng.poisson(1.5, 30) for g in GRIDS["grid_id"]}
    counts["g6"][:10] = 0  # a grid quiet at first
    out = case_rows(counts, START)
    out += case_rows({"g2": np.array([0] * 12 + [2])}, START, status="cancelled", prefix="x")
    out += case_rows({"g3": np.array([0] * 5 + [1])}, START, category="街面秩序", prefix="y")
    # A late-evening case stays on its own local day.
    out.append({**out[0], "case_id": "late", "reported_at": datetime(2025, 1, 6, 23, 59, 59)})
    return out


LEVEL_KEYS = {
    "grid": lambda r: r["grid_id"],
    "community": lambda r: f"{r['district']}/{r['street']}/{r['community']}",
    "street": lambda r: f"{r['district']}/{r['street']}",
    "district": lambda r: r["district"],
    "city": lambda r: "city",
}


@pytest.mark.parametrize("level", list(LEVEL_KEYS))
def test_counts_match_naive_count(store, rows, level):
    insert_rows(store, rows)
    got = extract_series(store, level)
    want = _naive(rows, LEVEL_KEYS[level])
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_by_category_and_zero_fill(store, rows):
    insert_rows(store, rows)
    panel = extract_panel(store, "grid", by_category=True)
    assert "g3|街面秩序" in set(panel.ids)
    row = panel.y[list(panel.ids).index("g3|街面秩序")]
    assert row.sum() == 1 and row[5] == 1
    assert panel.days == 30  # first to last reported day, quiet days included
    city = extract_panel(store, "city", by_category=True)
    assert set(city.ids) == {"市容环境", "街面秩序"}
    assert city.y.sum() == panel.y.sum()


def test_cancelled_cases_are_left_out(store, rows):
    insert_rows(store, rows)
    total = extract_panel(store, "city").y.sum()
    assert total == sum(r["status"] != "cancelled" for r in rows)
    late = case_rows({"g1": np.array([0] * 40 + [1])}, START, status="cancelled", prefix="z")
    insert_rows(store, late)
    panel = extract_panel(store, "grid")
    assert panel.days == 41 and panel.y[:, -1].sum() == 0  # the store's last day, zero cases


def test_hierarchy_is_a_tree_with_paths(store, rows):
    insert_rows(store, rows)
    tree = hierarchy(store, "grid")
    assert list(tree.columns) == ["grid", "community", "street", "district", "city"]
    g1 = tree.set_index("grid").loc["g1"]
    assert g1["community"] == "东城区/s1/c1" and g1["street"] == "东城区/s1"
    assert tree["grid"].is_unique


def test_empty_store_and_unknown_level(duck_store):
    with pytest.raises(ForecastError, match="no cases"):
        extract_panel(duck_store, "grid")
    with pytest.raises(ForecastError, match="Unknown level"):
        extract_panel(duck_store, "province")
