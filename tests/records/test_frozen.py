"""Frozen tables: reading a CSV back, rank change against another table, the live comparison,
and who may publish and see (all against values written by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from records.frozen import compare, rank_change_since, read_frozen
from records.publications import may_publish, visible_to

CSV = (
    "\ufeffdistrict,street,cases,composite_score,grade,rank,rank_change,small_sample,"
    "period,as_of,rule_set,rule_set_hash,data_loaded_at,calendar_note\n"
    "东城区,甲街道,12,91.5,A,1,,False,2025-03,2025-03-31 23:00:00,default,abc,,\n"
    "东城区,NA,3,,,,,True,2025-03,2025-03-31 23:00:00,default,abc,,\n"
).encode()


def _table(ranks: dict[str, int | None], scores: dict[str, float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district": ["东城区"] * len(ranks),
            "street": list(ranks),
            "composite_score": [scores[s] for s in ranks],
            "rank": pd.array(list(ranks.values()), dtype="Int64"),
        }
    )


def test_read_frozen_types_each_column():
    table, meta = read_frozen(CSV, "street")
    assert meta == {
        "period": "2025-03",
        "as_of": "2025-03-31 23:00:00",
        "rule_set": "default",
        "rule_set_hash": "abc",
        "data_loaded_at": "",
        "calendar_note": "",
    }
    assert list(table["street"]) == ["甲街道", "NA"]  # a street called NA stays a name
    assert table["cases"].dtype == "Int64" and table["rank"].tolist()[1] is pd.NA
    assert table["composite_score"].tolist()[0] == 91.5 and pd.isna(table["composite_score"][1])
    assert table["grade"].tolist() == ["A", None]
    assert table["small_sample"].tolist() == [False, True]


def test_rank_change_since_another_table():
    now = _table({"甲": 3, "乙": 1, "丙": None, "丁": 2}, dict.fromkeys("甲乙丙丁", 1.0))
    before = _table({"甲": 1, "乙": 2, "丙": 3}, dict.fromkeys("甲乙丙", 1.0))
    got = rank_change_since(now, before, "street")
    # 甲 1→3 = −2, 乙 2→1 = +1, 丙 unranked now, 丁 not in before
    assert got.tolist() == [-2, 1, pd.NA, pd.NA]
    assert rank_change_since(now, None, "street").isna().all()


def test_compare_counts_units_ranks_and_the_largest_score_gap():
    frozen = _table({"甲": 1, "乙": 2, "丙": 3}, {"甲": 90.0, "乙": 80.0, "丙": 70.0})
    same = compare(frozen.copy(), frozen, "street")
    assert same.same and same.max_score_diff == 0.0
    live = _table(
        {"甲": 2, "乙": 1, "丙": 3, "戊": None}, {"甲": 79.5, "乙": 80.0, "丙": 70.0, "戊": None}
    )
    diff = compare(live, frozen, "street")
    # 甲's score and rank changed, 乙's rank changed, 丙 unchanged, 戊 is new
    assert (diff.units_changed, diff.ranks_changed) == (2, 2)
    assert (diff.units_added, diff.units_removed) == (1, 0)
    assert diff.max_score_diff == pytest.approx(10.5)
    noise = frozen.assign(composite_score=frozen["composite_score"] * (1 + 1e-13))
    assert compare(noise, frozen, "street").same


@pytest.mark.parametrize(
    ("role", "own", "scope", "allowed"),
    [
        ("city", "", "", True),
        ("city", "", "东城区/甲街道", True),
        ("district", "东城区", "东城区", True),
        ("district", "东城区", "东城区/甲街道", False),
        ("district", "东城区", "", False),
        ("district", "东城区", "西城区", False),
        ("street", "东城区/甲街道", "东城区/甲街道", False),
        ("community", "东城区/甲街道/一社区", "东城区/甲街道/一社区", False),
    ],
)
def test_who_may_publish_what(role, own, scope, allowed):
    assert may_publish(role, own, scope) is allowed


def test_who_sees_which_publication():
    assert visible_to("", "") and visible_to("", "西城区")
    assert visible_to("东城区", "东城区") and visible_to("东城区", "东城区/甲街道")
    assert not visible_to("东城区", "") and not visible_to("东城区", "东城区外")
    assert not visible_to("东城区/甲街道", "东城区")
