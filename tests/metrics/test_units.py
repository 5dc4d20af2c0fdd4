"""Unit paths and per-unit values as the pages show them, against frames worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.units import funnel_points, on_units, unit_path, unit_paths

STREETS = pd.DataFrame(
    {"district": ["东城区", "西城区"], "street": ["东华门街道", "金融街街道"], "cases": [3, 4]}
)


def test_unit_paths_join_the_names_from_the_district_down():
    assert unit_paths(STREETS, "street") == ["东城区/东华门街道", "西城区/金融街街道"]
    assert unit_path({"district": "东城区", "street": "景山街道", "x": 1}, "street") == (
        "东城区/景山街道"
    )
    assert unit_path({"department": "城管执法局"}, "department") == "城管执法局"
    assert unit_path({"district": "东城区"}, "street") is None  # a district is no street
    assert unit_path({}, "city") == ""
    assert unit_paths(STREETS.iloc[:0], "street") == []
    assert unit_paths(STREETS, "city") == ["", ""]


def test_on_units_lays_values_on_the_ids_in_their_order():
    values = pd.DataFrame({"grid_id": ["G2", "G9", "G1"], "value": [5.0, 7.0, 1.5]})
    shown = on_units(values, "grid_id", ["G1", "G2", "G3"])
    assert shown["grid_id"].tolist() == ["G1", "G2", "G3"]
    assert shown["value"].tolist()[:2] == [1.5, 5.0] and np.isnan(shown["value"].iloc[2])
    counted = on_units(values, "grid_id", ["G3", "G2"], fill=0)
    assert counted["value"].tolist() == [0.0, 5.0]
    assert on_units(values.iloc[:0], "grid_id", ["G1"], fill=0)["value"].tolist() == [0]


def test_funnel_points_drop_empty_units_sort_by_n_and_name_each_unit():
    table = pd.DataFrame(
        {
            "district": ["东城区", "东城区", "西城区"],
            "street": ["东华门街道", "景山街道", "金融街街道"],
            "solved_rate": [0.5, np.nan, 0.75],
            "solved_rate_num": [4, 0, 3],
            "solved_rate_den": [8, 0, 4],
        }
    )
    points = funnel_points(table, "solved_rate", "street")
    assert points["unit"].tolist() == ["西城区/金融街街道", "东城区/东华门街道"]
    assert points["n"].tolist() == [4.0, 8.0]
    assert points["rate"].tolist() == [0.75, 0.5]
    assert points["target"].tolist() == [7 / 12, 7 / 12]  # pooled: 7 solved of 12
