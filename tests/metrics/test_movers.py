"""Big rank moves are marked with the change in cases and the scored part that moved most."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.movers import rank_moves, with_moves
from metrics.scheme import Adjust, Item, Scheme

# 40 points for the response rate (target 1, floor 0), 60 for satisfaction; 1 point off per
# overdue case. Full marks 100: an item's share of the score is its earned points.
SCHEME = Scheme(
    items=(Item("response_rate", 40, 1.0, 0.0), Item("satisfaction_rate", 60, 1.0, 0.0)),
    deduct=(Adjust("overdue_open", 1, 1),),
)


def _table(rows):
    return pd.DataFrame(
        rows,
        columns=["street", "cases", "response_rate", "satisfaction_rate", "overdue_open", "rank"],
    )


def test_big_moves_name_volume_and_the_part_that_moved():
    before = _table(
        [
            ("甲", 100, 0.50, 0.90, 0, 30),
            ("乙", 200, 0.90, 0.50, 0, 2),
            ("丙", 50, 0.80, 0.80, 0, 10),
            ("丁", 0, None, None, 0, None),
        ]
    )
    now = _table(
        [
            ("甲", 150, 1.00, 0.90, 0, 3),  # response +0.5 -> +20 points; cases +50%
            ("乙", 100, 0.90, 0.50, 12, 20),  # 12 overdue: -12 points; cases -50%
            ("丙", 50, 0.80, 0.85, 0, 5),  # moved 5 places: not big
            ("丁", 30, 0.5, 0.5, 0, 40),  # no cases before: volume change empty
        ]
    )
    now["rank_change"] = [27, -18, 5, 12]
    moves = rank_moves(now, before, ["street"], SCHEME, places=10)
    assert list(moves["street"]) == ["甲", "乙", "丁"]
    assert list(moves["rank_change"]) == [27, -18, 12]
    assert moves["volume_change"].iloc[0] == pytest.approx(0.5)
    assert moves["volume_change"].iloc[1] == pytest.approx(-0.5)
    assert pd.isna(moves["volume_change"].iloc[2])
    assert list(moves["moved_kpi"][:2]) == ["response_rate", "overdue_open"]
    assert moves["points_change"].iloc[0] == pytest.approx(20.0)
    assert moves["points_change"].iloc[1] == pytest.approx(-12.0)
    # nothing to compare a unit without a previous score with: no part is named
    assert pd.isna(moves["moved_kpi"].iloc[2]) and pd.isna(moves["points_change"].iloc[2])


def test_no_previous_period_or_no_big_move_gives_an_empty_table():
    now = _table([("甲", 10, 0.5, 0.5, 0, 1)])
    now["rank_change"] = [3]
    assert rank_moves(now, now, ["street"], SCHEME).empty
    assert rank_moves(now, _table([]), ["street"], SCHEME).empty
    assert list(rank_moves(now, now, ["street"], SCHEME).columns) == [
        "street",
        "rank_change",
        "volume_change",
        "moved_kpi",
        "points_change",
    ]


def test_with_moves_marks_exactly_the_units_found():
    frame = pd.DataFrame({"street": ["a", "b", "c"], "rank_change": [12, -1, -15]})
    found = pd.DataFrame(
        {
            "street": ["c", "a"],
            "rank_change": [-15, 12],
            "volume_change": [0.5, float("nan")],
            "moved_kpi": ["solved_rate", None],
            "points_change": [-7.5, float("nan")],
        }
    )
    out = with_moves(frame, found, ["street"])
    assert out["street"].tolist() == ["a", "b", "c"]  # the frame's order kept
    assert out["big_move"].tolist() == [True, False, True]
    assert out.loc[2, ["volume_change", "moved_kpi", "points_change"]].tolist() == [
        0.5,
        "solved_rate",
        -7.5,
    ]
    none = with_moves(frame, found.iloc[0:0], ["street"])
    assert not none["big_move"].any()
