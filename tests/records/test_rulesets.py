"""Saved rule sets (records.rulesets): versions round-trip with their hash, one active rule
set per level, refusals as one sentence, city accounts only."""

from __future__ import annotations

from pathlib import Path

import pytest

import accounts
from metrics.rules import load_rules, parse_rules
from records import rulesets
from records.scope import RecordError

ROOT = Path(__file__).resolve().parents[2]
AREA = (ROOT / "sample_data" / "rules" / "area-evaluation.toml").read_text(encoding="utf-8")
HOTLINE = (ROOT / "sample_data" / "rules" / "hotline-three-rates.toml").read_text(encoding="utf-8")
CITY = accounts.Account("chief", "city")
STREET = accounts.Account("dh", "street", district="东城区", street="东华门街道")
DEPARTMENT = accounts.Account("water", "department", department="水务局")


def test_a_saved_version_round_trips_with_its_hash(store):
    new, rules = rulesets.save_version(store, AREA, by="chief", based_on="area-evaluation.toml")
    again = rulesets.load_version(store, new)
    assert again.hash == rules.hash == parse_rules(AREA).hash
    assert again.text == AREA and again.name == "area-evaluation"
    listed = rulesets.versions(store)
    assert listed[["id", "name", "rules_hash", "saved_by", "based_on"]].values.tolist() == [
        [new, "area-evaluation", rules.hash, "chief", "area-evaluation.toml"]
    ]
    assert listed["saved_at"].notna().all() and listed["active_for"].tolist() == [""]


def test_the_same_content_is_not_saved_twice_and_invalid_text_never(store):
    first, _ = rulesets.save_version(store, AREA, by="chief")
    with pytest.raises(RecordError, match=f"saved already as version {first}"):
        rulesets.save_version(store, AREA.replace("# 数字城管", "# a comment"), by="x")
    bad = AREA.replace("floor = 0.80", "floor = 0.98", 1)  # item 1: floor equals target
    with pytest.raises(RecordError) as refused:
        rulesets.save_version(store, bad, by="chief")
    assert str(refused.value) == (
        "score item 1 (closure_rate): floor equals target. Nothing was saved."
    )
    assert refused.value.values["error"] == "score item 1 (closure_rate): floor equals target."
    assert rulesets.versions(store)["id"].tolist() == [first]


def test_one_active_rule_set_per_level(store):
    area, _ = rulesets.save_version(store, AREA, by="chief")
    hotline, _ = rulesets.save_version(store, HOTLINE, by="chief")
    assert rulesets.active_rules(store, "street") is None  # nothing active: the default
    rulesets.activate(store, area, "street", by="chief")
    rulesets.activate(store, hotline, "district", by="chief")
    rulesets.activate(store, hotline, "street", by="chief")  # the newest wins
    assert rulesets.active_versions(store) == {"street": hotline, "district": hotline}
    assert (
        rulesets.active_rules(store, "street").hash
        == load_rules(ROOT / "sample_data" / "rules" / "hotline-three-rates.toml").hash
    )
    rulesets.activate(store, None, "street", by="chief")  # back to the built-in default
    assert rulesets.active_rules(store, "street") is None
    assert rulesets.active_versions(store) == {"district": hotline}
    listed = rulesets.versions(store).set_index("id")["active_for"]
    assert listed.to_dict() == {hotline: "district", area: ""}
    # a split by a case column and the city headline use the rule set active for city
    rulesets.activate(store, area, "grid", by="chief")
    assert rulesets.active_rules(store, "category") is None
    saved = rulesets.save_version(store, 'name = "plain"\n', by="chief")[0]
    rulesets.activate(store, saved, "city", by="chief")
    assert rulesets.active_rules(store, "urgency").name == "plain"


def test_activation_refusals(store):
    area, _ = rulesets.save_version(store, AREA, by="chief")  # levels: street, community, grid
    with pytest.raises(RecordError, match="made for street, community, grid, not district"):
        rulesets.activate(store, area, "district", by="chief")
    with pytest.raises(RecordError, match="there is no saved rule set 99"):
        rulesets.activate(store, 99, "street", by="chief")
    with pytest.raises(RecordError, match="the level 'planet' is not one of"):
        rulesets.activate(store, area, "planet", by="chief")
    assert rulesets.active_versions(store) == {}


@pytest.mark.parametrize("account", [STREET, DEPARTMENT], ids=lambda a: a.role)
def test_only_city_accounts_edit(store, account):
    area, _ = rulesets.save_version(store, AREA, by="chief", account=CITY)
    with pytest.raises(RecordError, match="only city accounts edit rule sets"):
        rulesets.save_version(store, HOTLINE, by=account.username, account=account)
    with pytest.raises(RecordError, match="only city accounts edit rule sets"):
        rulesets.activate(store, area, "street", by=account.username, account=account)
    assert len(rulesets.versions(store)) == 1 and rulesets.active_versions(store) == {}
    assert rulesets.active_rules(store, "street") is None
