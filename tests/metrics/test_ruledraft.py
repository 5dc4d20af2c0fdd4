"""The rule-set editor's model (metrics.ruledraft): tables back to TOML with the same hash,
edits that change what they should, refusals naming the item, and the movers by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.errors import RuleSetError
from metrics.ruledraft import compose, draft_of, dump_toml, movers
from metrics.rules import default_rules, load_rules, parse_rules

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "sample_data" / "rules").glob("*.toml"))


@pytest.mark.parametrize("path", [None, *EXAMPLES], ids=lambda p: p.name if p else "default")
def test_an_unedited_draft_keeps_the_hash(path):
    rules = default_rules() if path is None else load_rules(path)
    again = parse_rules(compose(rules, draft_of(rules)))
    assert again.hash == rules.hash and again.name == rules.name


def test_edits_change_exactly_what_was_edited():
    base = load_rules(EXAMPLES[0])  # area-evaluation
    draft = draft_of(base)
    draft.name = "area-evaluation-2027"
    draft.min_cases = 5
    draft.items.loc[1, "points"] = 50.0  # on_time_rate 40 → 50
    draft.deduct = draft.deduct.iloc[0:0]  # no deduction any more
    draft.bonus = pd.DataFrame(
        {"kpi": ["proactive_rate"], "points": [1.0], "per": [0.1], "cap": [np.nan]}
    )
    draft.targets = pd.DataFrame({"kpi": ["response_rate", None], "target": [0.9, np.nan]})
    r = parse_rules(compose(base, draft))
    assert r.name == "area-evaluation-2027" and r.min_cases == 5
    assert [(i.kpi, i.points) for i in r.scheme.items] == [
        ("closure_rate", 30.0),
        ("on_time_rate", 50.0),
        ("rework_rate", 15.0),
        ("extension_rate", 15.0),
    ]
    assert r.scheme.deduct == ()
    assert [(a.kpi, a.points, a.per, a.cap) for a in r.scheme.bonus] == [
        ("proactive_rate", 1.0, 0.1, None)
    ]
    assert r.targets == {"response_rate": 0.9}  # the empty row is dropped
    assert r.levels == base.levels and r.deadline_hours == base.deadline_hours


def test_weights_become_items_once_edited():
    base = default_rules()
    draft = draft_of(base)
    draft.items.loc[0, "points"] = 0.2  # response weight 0.1 → 0.2
    r = parse_rules(compose(base, draft))
    assert r.scored and "[weights]" not in compose(base, draft)
    assert [i.points for i in r.scheme.items] == [0.2, 0.5, 0.4]


@pytest.mark.parametrize(
    ("column", "value", "sentence"),
    [
        ("floor", 0.98, "score item 1 (closure_rate): floor equals target."),
        ("points", -1.0, "score item 1 (closure_rate): points must not be negative."),
        ("kpi", "colour_rate", "score item 1 (colour_rate): 'colour_rate' is not a KPI"),
        ("target", np.nan, "score item 1 (closure_rate): target must be a number."),
    ],
)
def test_invalid_edits_are_refused_naming_the_item(column, value, sentence):
    base = load_rules(EXAMPLES[0])
    draft = draft_of(base)
    draft.items[column] = draft.items[column].astype(object)
    draft.items.loc[0, column] = value
    with pytest.raises(RuleSetError, match="^" + sentence.replace("(", r"\(").replace(")", r"\)")):
        parse_rules(compose(base, draft))


def test_toml_values():
    text = dump_toml({"name": 'a "b"', "levels": ["street"], "x": {"y": 1.5}, "s": [{"k": 2}]})
    assert text == 'name = "a \\"b\\""\nlevels = ["street"]\n\n[x]\ny = 1.5\n\n[[s]]\nk = 2\n'


def test_movers_by_hand():
    before = pd.DataFrame(
        {
            "street": ["甲", "乙", "丙", "丁"],
            "rank": pd.array([1, 2, 3, pd.NA], dtype="Int64"),
            "composite_score": [90.0, 80.0, 70.0, 60.0],
            "grade": ["A", "B", "C", None],
        }
    )
    after = pd.DataFrame(
        {
            "street": ["丙", "甲", "乙", "丁"],
            "rank": pd.array([1, 2, 2, 4], dtype="Int64"),
            "composite_score": [95.0, 85.0, 85.0, 50.0],
            "grade": ["A", "B", "B", "D"],
        }
    )
    got = movers(before, after, ["street"])
    # 丙 3 → 1 (+2); 甲 1 → 2 (−1); 乙 2 → 2 (0); 丁 unranked before: no move
    assert got["street"].tolist() == ["丙", "甲", "乙", "丁"]
    assert got["moved"].tolist() == [2, -1, 0, pd.NA]
    assert got["rank_before"].tolist() == [3, 1, 2, pd.NA]
    assert got["rank_after"].tolist() == [1, 2, 2, 4]
    assert got["score_before"].tolist() == [70.0, 90.0, 80.0, 60.0]
    assert got["score_after"].tolist() == [95.0, 85.0, 85.0, 50.0]
    assert got["grade_before"].tolist()[:3] == ["C", "A", "B"]
